/** A compare report as text: one row per model output. */
import Table from 'cli-table3';
import type { CompareReport } from '../compare.js';
import { formatCosine, formatMs, formatPercent, formatSci, formatShape } from './format.js';

export function formatCompareTable(r: CompareReport): string {
  const table = new Table({
    head: ['output', 'shape', 'max |diff|', 'mean |diff|', 'max |original|', 'cosine', 'top-1 agreement'],
    style: { head: [], border: [], compact: true },
  });
  for (const o of r.outputs) {
    const top1 = o.top1Agreement !== undefined ? `${formatPercent(o.top1Agreement)} of ${o.rows}` : '';
    table.push([o.name, formatShape(o.shape), formatSci(o.maxAbsDiff), formatSci(o.meanAbsDiff), formatSci(o.maxAbsOriginal), formatCosine(o.cosine), top1]);
  }
  const inputs = r.inputs === 'generated' ? `${r.runs} runs of generated inputs` : `${r.runs} runs of inputs from ${r.inputs}`;
  return `modelpress compare ${r.original} vs ${r.compressed} (${r.runtime}, ${inputs}, ${formatMs(r.milliseconds)})\n${table.toString()}`;
}
