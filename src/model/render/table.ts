/**
 * The report as text for a terminal: a headline, one row per tensor, totals.
 * Kept tensors are listed too (with why), so nothing happens silently.
 */
import Table from 'cli-table3';
import type { ModelReport, TensorReport } from '../types.js';
import { formatBytes, formatCosine, formatDb, formatMs, formatPercent, formatRatio, formatSci, formatShape } from './format.js';

const FORMAT_NAMES = { onnx: 'ONNX', safetensors: 'safetensors', tfjs: 'TensorFlow.js' } as const;

function headline(r: ModelReport): string {
  const target = r.output ? ` → ${r.output}` : '';
  return `modelpress ${r.command} ${r.input}${target} (${FORMAT_NAMES[r.format]})`;
}

function row(t: TensorReport, command: ModelReport['command']): string[] {
  const dtype = t.dtypeBefore === t.dtypeAfter ? t.dtypeBefore : `${t.dtypeBefore} → ${t.dtypeAfter}`;
  const bytes = t.bytesBefore === t.bytesAfter ? formatBytes(t.bytesBefore) : `${formatBytes(t.bytesBefore)} → ${formatBytes(t.bytesAfter)}`;
  const sparsity = t.sparsityBefore !== undefined ? `${formatPercent(t.sparsityBefore)} → ${formatPercent(t.sparsity)}` : formatPercent(t.sparsity);
  // inspect has nothing "kept": its scheme column says what the tensor is (its uses, its stored scheme).
  const note = command === 'inspect' || t.action !== 'kept' ? (t.scheme ?? '') : `kept: ${t.reason ?? ''}`;
  return [t.name, formatShape(t.shape), dtype, bytes, formatDb(t.error?.sqnrDb), formatCosine(t.error?.cosine), formatSci(t.error?.maxAbsError), sparsity, note];
}

const HEAD = ['tensor', 'shape', 'dtype', 'bytes', 'SQNR', 'cosine', 'max |err|', 'sparsity', 'scheme'];

export interface TableOptions {
  /** Print at most this many tensor rows (the totals always cover all). Default: all. */
  maxRows?: number;
  /** Leave out rows of tensors that were kept as they were. */
  changedOnly?: boolean;
}

/** The report as a text table with a headline and a totals line; columns empty for every row are left out. */
export function formatReportTable(r: ModelReport, options: TableOptions = {}): string {
  let tensors = options.changedOnly ? r.tensors.filter((t) => t.action !== 'kept') : r.tensors;
  const hidden = options.maxRows !== undefined && tensors.length > options.maxRows ? tensors.length - options.maxRows : 0;
  if (hidden > 0) tensors = tensors.slice(0, options.maxRows);
  const rows = tensors.map((t) => row(t, r.command));
  const keep = HEAD.map((_, c) => c === 0 || rows.some((cells) => cells[c] !== ''));
  const table = new Table({
    head: HEAD.filter((_, c) => keep[c]),
    style: { head: [], border: [], compact: true },
  });
  for (const cells of rows) table.push(cells.filter((_, c) => keep[c]));
  const lines = [headline(r), table.toString()];
  if (hidden > 0) lines.push(`… ${hidden} more tensors (the totals include them; --json or --all lists every one)`);
  lines.push(totalsLine(r));
  return lines.join('\n');
}

export function totalsLine(r: ModelReport): string {
  const t = r.totals;
  const parts = [r.command === 'inspect' ? `${t.tensors} tensors` : `${t.tensors} tensors, ${t.changed} changed`];
  if (r.command === 'quantize') parts.push(`weights ${formatBytes(t.bytesBefore)} → ${formatBytes(t.bytesAfter)} (${formatRatio(t.ratio)} smaller)`);
  else if (r.command === 'prune') parts.push(`weights ${formatBytes(t.bytesBefore)} (stored dense: zeros take their place)`);
  else parts.push(`weights ${formatBytes(t.bytesBefore)}`);
  parts.push(t.fileBytesAfter !== undefined ? `files ${formatBytes(t.fileBytesBefore)} → ${formatBytes(t.fileBytesAfter)}` : `files ${formatBytes(t.fileBytesBefore)}`);
  if (t.minSqnrDb !== undefined) parts.push(`worst SQNR ${formatDb(t.minSqnrDb)}`);
  if (t.minCosine !== undefined) parts.push(`worst cosine ${formatCosine(t.minCosine)}`);
  if (t.sparsity !== undefined) parts.push(`sparsity ${formatPercent(t.sparsity)}`);
  parts.push(formatMs(r.milliseconds));
  return `total: ${parts.join('; ')}`;
}
