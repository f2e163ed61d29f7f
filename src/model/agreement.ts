/**
 * How closely a compressed model's outputs follow the original's, accumulated
 * over runs: max and mean absolute difference, cosine over every value, and for
 * classifier outputs ([batch, classes]) how often the top-1 class agrees.
 */

export interface OutputAgreement {
  name: string;
  /** Shape of the output in one run. */
  shape: number[];
  /** Values compared over all runs. */
  count: number;
  maxAbsDiff: number;
  meanAbsDiff: number;
  /** Cosine similarity of all original and all compressed values (1 when both are zero). */
  cosine: number;
  /** Largest |original| seen, to read maxAbsDiff against. */
  maxAbsOriginal: number;
  /** Classifier outputs (rank ≥ 2, last axis ≥ 2 classes): fraction of rows whose arg-max agrees. */
  top1Agreement?: number;
  rows?: number;
}

export class AgreementAccumulator {
  private count = 0;
  private maxAbs = 0;
  private sumAbs = 0;
  private sumAA = 0;
  private sumBB = 0;
  private sumAB = 0;
  private maxA = 0;
  private rows = 0;
  private agreeing = 0;
  private shape: number[] = [];

  constructor(readonly name: string) {}

  add(shape: readonly number[], a: Float32Array, b: Float32Array): void {
    if (a.length !== b.length) {
      throw new RangeError(`output ${JSON.stringify(this.name)}: the models disagree on its size (${a.length} values against ${b.length})`);
    }
    this.shape = [...shape];
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      const d = Math.abs(x - y);
      if (d > this.maxAbs || Number.isNaN(d)) this.maxAbs = Number.isNaN(d) ? NaN : d;
      this.sumAbs += d;
      this.sumAA += x * x;
      this.sumBB += y * y;
      this.sumAB += x * y;
      if (Math.abs(x) > this.maxA) this.maxA = Math.abs(x);
    }
    this.count += a.length;
    const classes = shape.length >= 2 ? shape[shape.length - 1] : 0;
    if (classes >= 2 && a.length % classes === 0) {
      for (let r = 0; r < a.length / classes; r++) {
        if (argmax(a, r * classes, classes) === argmax(b, r * classes, classes)) this.agreeing++;
        this.rows++;
      }
    }
  }

  result(): OutputAgreement {
    const norm = Math.sqrt(this.sumAA) * Math.sqrt(this.sumBB);
    const cosine = norm === 0 ? (this.sumAA === this.sumBB ? 1 : 0) : this.sumAB / norm;
    return {
      name: this.name,
      shape: this.shape,
      count: this.count,
      maxAbsDiff: this.maxAbs,
      meanAbsDiff: this.count > 0 ? this.sumAbs / this.count : 0,
      cosine,
      maxAbsOriginal: this.maxA,
      ...(this.rows > 0 ? { top1Agreement: this.agreeing / this.rows, rows: this.rows } : {}),
    };
  }
}

function argmax(x: Float32Array, start: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (x[start + i] > x[start + best]) best = i;
  return best;
}
