/** How a command's report leaves the CLI: a table on stdout, or JSON, plus optional files. */
import { writeFileAtomic } from '../model/atomic.js';
import { formatReportTable } from '../model/render/table.js';
import { renderReportHtml } from '../model/render/html.js';
import type { ModelReport } from '../model/types.js';

export interface ReportFlags {
  json?: boolean;
  html?: string;
  report?: string;
  all?: boolean;
}

/** JSON of a report: Infinity (an exact tensor's SQNR) becomes the string "Infinity". */
export function reportJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

export function emitReport(report: ModelReport, flags: ReportFlags): void {
  if (flags.html) writeFileAtomic(flags.html, Buffer.from(renderReportHtml(report)));
  if (flags.report) writeFileAtomic(flags.report, Buffer.from(reportJson(report) + '\n'));
  if (flags.json) {
    process.stdout.write(reportJson(report) + '\n');
    return;
  }
  process.stdout.write(formatReportTable(report, flags.all ? {} : { maxRows: 60 }) + '\n');
  if (flags.html) process.stdout.write(`HTML report: ${flags.html}\n`);
  if (flags.report) process.stdout.write(`JSON report: ${flags.report}\n`);
}
