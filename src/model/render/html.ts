/**
 * The report as one self-contained HTML page (inline CSS and SVG, no scripts, no
 * network): summary, SQNR per tensor, the full table, and per changed tensor the
 * histograms of its weights and of the error the compression made.
 */
import type { ModelReport, TensorReport } from '../types.js';
import { formatBytes, formatCosine, formatDb, formatMs, formatPercent, formatRatio, formatSci, formatShape } from './format.js';
import { barsSvg, escapeHtml, histogramSvg } from './svg.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2330;padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:2rem 0 .6rem}
.sub{color:#5b6475}.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1.2rem 0}
.card{border:1px solid #dfe3ea;border-radius:8px;padding:.6rem .9rem;min-width:9rem}
.card b{display:block;font-size:1.25rem}.card span{color:#5b6475;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eef0f4}
th{background:#f6f7f9;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.kept td{color:#8a93a3}.tensor{border:1px solid #e6e9ef;border-radius:8px;padding:.6rem .8rem;margin:.8rem 0}
.tensor h3{font-size:.95rem;margin:0 0 .3rem;word-break:break-all}.tensor .m{color:#5b6475;font-size:.85rem}
svg.hist{margin:.4rem 1.6rem 0 0}svg .t{font-size:11px;fill:#1d2330}svg .a,svg .l{font-size:10px;fill:#5b6475}
`;

function card(value: string, label: string): string {
  return `<div class="card"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
}

const COLUMNS = ['tensor', 'shape', 'dtype', 'bytes before', 'after', 'SQNR', 'cosine', 'max |err|', 'sparsity', 'scheme'];
/** Right-aligned numeric columns. */
const NUMERIC = new Set([3, 4, 5, 6, 7, 8]);

/** A row's cells as text; inspect has nothing "kept": its scheme column says what the tensor is. */
function rowCells(t: TensorReport, command: ModelReport['command']): string[] {
  const dtype = t.dtypeBefore === t.dtypeAfter ? t.dtypeBefore : `${t.dtypeBefore} → ${t.dtypeAfter}`;
  const sparsity = t.sparsityBefore !== undefined ? `${formatPercent(t.sparsityBefore)} → ${formatPercent(t.sparsity)}` : formatPercent(t.sparsity);
  const same = t.bytesBefore === t.bytesAfter && command === 'inspect';
  const note = command === 'inspect' || t.action !== 'kept' ? (t.scheme ?? '') : `kept: ${t.reason ?? ''}`;
  return [t.name, formatShape(t.shape), dtype, formatBytes(t.bytesBefore), same ? '' : formatBytes(t.bytesAfter), formatDb(t.error?.sqnrDb), formatCosine(t.error?.cosine), formatSci(t.error?.maxAbsError), sparsity, note];
}

/** The tensor table, without the columns that are empty in every row. */
function tensorTable(r: ModelReport): string {
  const rows = r.tensors.map((t) => rowCells(t, r.command));
  const keep = COLUMNS.map((_, c) => c === 0 || rows.some((cells) => cells[c] !== ''));
  const cell = (text: string, c: number, tag: string) => (keep[c] ? `<${tag}${NUMERIC.has(c) && tag === 'td' ? ' class="n"' : ''}>${escapeHtml(text)}</${tag}>` : '');
  const head = COLUMNS.map((name, c) => cell(c === 3 && !keep[4] ? 'bytes' : name, c, 'th')).join('');
  const body = rows
    .map((cells, i) => `<tr class="${r.command !== 'inspect' && r.tensors[i].action === 'kept' ? 'kept' : ''}">${cells.map((text, c) => cell(text, c, 'td')).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function tensorDetail(t: TensorReport): string {
  const h = t.histogram;
  const facts = [
    formatShape(t.shape),
    t.dtypeBefore === t.dtypeAfter ? t.dtypeBefore : `${t.dtypeBefore} → ${t.dtypeAfter}`,
    t.bytesBefore === t.bytesAfter ? formatBytes(t.bytesBefore) : `${formatBytes(t.bytesBefore)} → ${formatBytes(t.bytesAfter)}`,
    t.error ? `SQNR ${formatDb(t.error.sqnrDb)}, cosine ${formatCosine(t.error.cosine)}, max |error| ${formatSci(t.error.maxAbsError)}, RMSE ${formatSci(t.error.rmse)}` : '',
    t.sparsity !== undefined ? `sparsity ${formatPercent(t.sparsity)}` : '',
  ].filter(Boolean);
  const charts = h ? histogramSvg(h.original, t.action === 'kept' ? 'values' : 'original values', '#3b6fd8') + (h.error ? histogramSvg(h.error, 'error (compressed − original)', '#d8643b') : '') : '';
  const what = t.scheme ?? (t.action === 'kept' ? '' : t.action);
  return `<div class="tensor"><h3>${escapeHtml(t.name)}</h3><div class="m">${escapeHtml([what, ...facts].filter(Boolean).join(' · '))}</div>${charts}</div>`;
}

export interface HtmlOptions {
  /** Histogram panels for at most this many tensors (default 200): changed ones worst SQNR first, or for inspect the largest first. */
  maxDetails?: number;
}

/** The report as a self-contained HTML document. */
export function renderReportHtml(r: ModelReport, options: HtmlOptions = {}): string {
  const t = r.totals;
  const changed = r.tensors.filter((x) => x.action !== 'kept');
  const inspect = r.command === 'inspect';
  const cards = [
    ...(r.command === 'quantize' ? [card(formatRatio(t.ratio), 'smaller (weights)')] : []),
    card(t.bytesBefore === t.bytesAfter ? formatBytes(t.bytesBefore) : `${formatBytes(t.bytesBefore)} → ${formatBytes(t.bytesAfter)}`, 'weight bytes'),
    card(t.fileBytesAfter !== undefined ? `${formatBytes(t.fileBytesBefore)} → ${formatBytes(t.fileBytesAfter)}` : formatBytes(t.fileBytesBefore), 'files on disk'),
    inspect ? card(`${t.tensors}`, 'tensors') : card(`${t.changed} / ${t.tensors}`, 'tensors changed'),
    ...(t.minSqnrDb !== undefined ? [card(formatDb(t.minSqnrDb), 'worst SQNR')] : []),
    ...(t.minCosine !== undefined ? [card(formatCosine(t.minCosine), 'worst cosine')] : []),
    ...(t.sparsity !== undefined ? [card(formatPercent(t.sparsity), 'sparsity')] : []),
    card(formatMs(r.milliseconds), 'time'),
  ].join('');
  const withError = changed.filter((x) => x.error);
  const sqnr =
    withError.length > 0
      ? `<h2>SQNR per tensor</h2><p class="sub">Signal-to-noise ratio of each compressed tensor, 10·log10(Σx² / Σerror²); every 6 dB halves the error.</p>` +
        barsSvg(withError.map((x) => ({ label: x.name, value: x.error!.sqnrDb, text: formatDb(x.error!.sqnrDb) })), '#3b6fd8')
      : '';
  const max = options.maxDetails ?? 200;
  // inspect pictures every tensor's values, largest first; the other commands each changed tensor's error, worst first.
  const pictured = inspect
    ? r.tensors.filter((x) => x.histogram).sort((a, b) => b.bytesBefore - a.bytesBefore)
    : withError.slice().sort((a, b) => a.error!.sqnrDb - b.error!.sqnrDb);
  const details = pictured.slice(0, max).map(tensorDetail).join('');
  const detailsIntro = inspect
    ? `<h2>Weights</h2><p class="sub">Histograms of each float tensor's values, largest tensor first.</p>`
    : `<h2>Weights and errors</h2><p class="sub">Histograms of each compressed tensor's original values and of its error, worst SQNR first.</p>`;
  const optionsText = Object.entries(r.options)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>modelpress ${escapeHtml(r.command)}: ${escapeHtml(r.input)}</title><style>${CSS}</style></head><body>
<h1>modelpress ${escapeHtml(r.command)}</h1>
<div class="sub">${escapeHtml(r.input)}${r.output ? ' → ' + escapeHtml(r.output) : ''} · ${escapeHtml(r.format)}${optionsText ? ' · ' + escapeHtml(optionsText) : ''}</div>
<div class="cards">${cards}</div>
${sqnr}
<h2>Tensors</h2>
${tensorTable(r)}
${details ? detailsIntro + details : ''}
</body></html>
`;
}
