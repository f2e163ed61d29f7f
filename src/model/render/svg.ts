/** Small inline SVG charts for the HTML report: histograms and a bar per tensor. */
import type { ReportHistogram } from '../types.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function tick(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 0.01 && a < 1000 ? x.toPrecision(3) : x.toExponential(1);
}

/** A histogram as bars, with the value range under it. */
export function histogramSvg(h: ReportHistogram, title: string, color: string): string {
  const w = 300;
  const ph = 90;
  const bins = h.counts.length;
  const max = Math.max(1, ...h.counts);
  const bw = w / Math.max(1, bins);
  const bars = h.counts
    .map((c, i) => {
      const bh = (c / max) * ph;
      return c > 0 ? `<rect x="${(i * bw).toFixed(2)}" y="${(14 + ph - bh).toFixed(2)}" width="${Math.max(bw - 0.5, 0.5).toFixed(2)}" height="${bh.toFixed(2)}"/>` : '';
    })
    .join('');
  const lo = h.edges[0] ?? 0;
  const hi = h.edges[h.edges.length - 1] ?? 0;
  return (
    `<svg class="hist" viewBox="0 0 ${w} 124" width="${w}" height="124" role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="0" y="10" class="t">${escapeHtml(title)}</text>` +
    `<g fill="${color}">${bars}</g>` +
    `<line x1="0" y1="${14 + ph}" x2="${w}" y2="${14 + ph}" stroke="#999" stroke-width="0.5"/>` +
    `<text x="0" y="120" class="a">${tick(lo)}</text><text x="${w}" y="120" class="a" text-anchor="end">${tick(hi)}</text>` +
    `</svg>`
  );
}

export interface Bar {
  label: string;
  value: number;
  text: string;
}

/** Horizontal bars, one per tensor (e.g. SQNR), longest = largest value. */
export function barsSvg(bars: Bar[], color: string): string {
  const w = 720;
  const rowH = 16;
  const labelW = 260;
  const finite = bars.map((b) => (Number.isFinite(b.value) ? b.value : 0));
  const max = Math.max(1e-9, ...finite);
  const rows = bars
    .map((b, i) => {
      const y = i * rowH;
      const len = ((Number.isFinite(b.value) ? Math.max(b.value, 0) : max) / max) * (w - labelW - 80);
      const label = b.label.length > 38 ? '…' + b.label.slice(-37) : b.label;
      return (
        `<text x="${labelW - 6}" y="${y + 12}" text-anchor="end" class="l">${escapeHtml(label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${len.toFixed(1)}" height="${rowH - 5}" fill="${color}"/>` +
        `<text x="${(labelW + len + 4).toFixed(1)}" y="${y + 12}" class="l">${escapeHtml(b.text)}</text>`
      );
    })
    .join('');
  return `<svg class="bars" viewBox="0 0 ${w} ${bars.length * rowH + 4}" width="${w}" height="${bars.length * rowH + 4}">${rows}</svg>`;
}
