/** Number formatting shared by the table and the HTML report. */

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

export function formatDb(db: number | undefined): string {
  if (db === undefined) return '';
  return db === Infinity ? 'exact' : `${db.toFixed(1)} dB`;
}

export function formatCosine(c: number | undefined): string {
  if (c === undefined) return '';
  return c === 1 ? '1' : c.toFixed(c > 0.999 ? 6 : 4);
}

export function formatSci(x: number | undefined): string {
  if (x === undefined) return '';
  if (x === 0) return '0';
  return x.toExponential(2);
}

export function formatPercent(f: number | undefined): string {
  return f === undefined ? '' : `${(100 * f).toFixed(1)} %`;
}

export function formatRatio(r: number): string {
  return `${r.toFixed(2)}×`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
