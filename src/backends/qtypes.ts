/** The integer range of each qtype of the C ABI (mp_qtype), indexed by its number. */
export const QTYPE_RANGES: Readonly<Record<number, readonly [number, number]>> = {
  1: [-128, 127],
  2: [0, 255],
  3: [-8, 7],
  4: [0, 15],
};
