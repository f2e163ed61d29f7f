/**
 * Block sparsity (TF-MOT's block_size with block_pooling_type): a matrix is cut
 * into bh × bw blocks, each scored by the mean or the max of its |x| (edge blocks
 * over the elements they cover), and whole blocks are pruned, smallest score
 * first. Exactly round(amount · blocks) blocks (or `count`) are pruned, among
 * equal scores the lower block index first (TF-MOT keeps every block tied with
 * its threshold instead; an exact count is what the schedules ask for).
 *
 * A shape [..., rows, cols] of rank > 2 is a stack of matrices, each cut on its
 * own; the blocks of all of them are ranked together.
 */
import { getBackend } from '../backends/registry.js';
import { nanError, rangeError, typeError } from '../errors.js';
import { checkFloat32Array, checkOptions, checkOut, checkShape } from '../validate.js';
import { call, run, runAsync, type Steps } from '../drive.js';
import { prunedCount } from './masks.js';
import { pruneSteps } from './select.js';

export interface BlockMaskOptions {
  /** The tensor's shape: [cols], [rows, cols] or [..., rows, cols]. */
  shape: number[];
  /** Block height and width, e.g. [1, 4] or [4, 1]. */
  block: [number, number];
  /** How a block is scored: 'mean' (TF-MOT AVG, the default) or 'max' of |x|. */
  pooling?: 'mean' | 'max';
  /** Fraction of the blocks to prune (round(amount · blocks), half to even). */
  amount?: number;
  /** Number of blocks to prune (instead of amount). */
  count?: number;
  out?: Uint8Array;
}

function planBlocks(fn: string, xArg: unknown, optionsArg: unknown) {
  const x = checkFloat32Array(fn, 'x', xArg);
  const o = checkOptions(fn, optionsArg);
  const shape = checkShape(fn, o.shape, x.length, 'x');
  if (shape.length === 0) throw rangeError(fn, 'shape', 'of rank ≥ 1', `[${shape.join(', ')}]`);
  const block = o.block;
  if (!Array.isArray(block) || block.length !== 2 || !block.every((d) => Number.isSafeInteger(d) && d >= 1)) {
    throw typeError(fn, 'block', 'a pair of integers ≥ 1, [height, width]', block);
  }
  const pooling = o.pooling ?? 'mean';
  if (pooling !== 'mean' && pooling !== 'max') throw rangeError(fn, 'pooling', "'mean' or 'max'", pooling);
  const rows = shape.length >= 2 ? shape[shape.length - 2] : 1;
  const cols = shape[shape.length - 1];
  const [bh, bw] = block as [number, number];
  const matrices = shape.slice(0, -2).reduce((a, d) => a * d, 1);
  const perMatrix = Math.ceil(rows / bh) * Math.ceil(cols / bw);
  const k = prunedCount(fn, o, matrices * perMatrix);
  const mask = checkOut(fn, o.out, Uint8Array, x.length) ?? new Uint8Array(x.length);
  return { fn, x, rows, cols, bh, bw, mode: pooling === 'max' ? 1 : 0, matrices, perMatrix, k, mask };
}

function* blockSteps(p: ReturnType<typeof planBlocks>): Steps<Uint8Array> {
  if (p.x.length === 0) return p.mask;
  const size = p.rows * p.cols;
  const scores = new Float32Array(p.matrices * p.perMatrix);
  for (let m = 0; m < p.matrices; m++) {
    const x = p.x.subarray(m * size, (m + 1) * size);
    const bad = yield* call('blockPool', x, p.rows, p.cols, p.bh, p.bw, p.mode, scores.subarray(m * p.perMatrix, (m + 1) * p.perMatrix));
    if (bad >= 0) throw nanError(p.fn, 'x', m * size + bad);
  }
  const keep = new Uint8Array(scores.length);
  yield* pruneSteps(p.fn, ['block scores'], [scores], [keep], p.k);
  for (let m = 0; m < p.matrices; m++) {
    const bm = keep.subarray(m * p.perMatrix, (m + 1) * p.perMatrix);
    yield* call('expandBlockMask', bm, p.rows, p.cols, p.bh, p.bw, p.mask.subarray(m * size, (m + 1) * size));
  }
  return p.mask;
}

/** A block-sparse mask: whole bh × bw blocks pruned by their mean (or max) |x|. NaN throws. */
export function blockMask(x: Float32Array, options: BlockMaskOptions): Uint8Array {
  return run(getBackend(), blockSteps(planBlocks('blockMask', x, options)));
}

export function blockMaskAsync(x: Float32Array, options: BlockMaskOptions): Promise<Uint8Array> {
  return runAsync(getBackend(), blockSteps(planBlocks('blockMaskAsync', x, options)));
}
