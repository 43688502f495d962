/**
 * Plots drawn on the server as SVG: no client script, nothing to load, and every label goes
 * through the escaping `html` helper. Colours come from CSS classes (console.css) and
 * presentation attributes, so the strict content security policy needs no inline styles.
 */
import { html } from './html.js';
import type { Html } from './html.js';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function n(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

/** The 168-slot hour-of-week profile (index 0 = Monday 00:00 UTC) as a 7 × 24 heatmap. */
export function hourOfWeekHeatmap(hours: readonly number[], label: string): Html {
  const cell = 18;
  const left = 36;
  const top = 16;
  const total = hours.reduce((a, b) => a + b, 0);
  const max = Math.max(...hours, 0);
  const cells: Html[] = [];
  for (let h = 0; h < 168; h++) {
    const v = hours[h] ?? 0;
    const day = Math.floor(h / 24);
    const hour = h % 24;
    const opacity = max > 0 ? 0.08 + 0.92 * (v / max) : 0.08;
    const share = total > 0 ? (100 * v) / total : 0;
    cells.push(html`<rect class="heat" x="${left + hour * cell}" y="${top + day * cell}" width="${cell - 2}" height="${cell - 2}" fill-opacity="${n(opacity)}" data-slot="${h}"><title>${DAYS[day]} ${String(hour).padStart(2, '0')}:00 UTC: ${share.toFixed(1)}% of activity</title></rect>`);
  }
  const hourLabels = [0, 6, 12, 18].map((h) => html`<text class="axis" x="${left + h * cell}" y="11">${String(h).padStart(2, '0')}h</text>`);
  const dayLabels = DAYS.map((d, i) => html`<text class="axis" x="0" y="${top + i * cell + 12}">${d}</text>`);
  const width = left + 24 * cell;
  const height = top + 7 * cell;
  return html`<svg class="plot heatmap" role="img" aria-label="${label}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${label}</title>${hourLabels}${dayLabels}${cells}</svg>`;
}

export interface SeriesPoint {
  /** Start of the slot (ms). */
  at: number;
  value: number;
  /** Marks drawn above the bar: alerts and blocks in the slot. */
  alerts?: number;
  blocks?: number;
}

export interface BarChartOptions {
  label: string;
  /** Slot width in ms (an hour, a day). */
  slotMs: number;
  unit: string;
  /** How a value is written in labels. @defaultValue String */
  format?: (value: number) => string;
  width?: number;
  height?: number;
}

function shortTime(ms: number, slotMs: number): string {
  const iso = new Date(ms).toISOString();
  return slotMs >= 86_400_000 ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`;
}

/** A bar per slot from the first to the last point (empty slots drawn as gaps), alerts and blocks marked. */
export function barChart(points: readonly SeriesPoint[], options: BarChartOptions): Html {
  const width = options.width ?? 720;
  const height = options.height ?? 160;
  const left = 40;
  const bottom = 20;
  const top = 12;
  if (points.length === 0) {
    return html`<svg class="plot bars" role="img" aria-label="${options.label}" viewBox="0 0 ${width} 40" width="${width}" height="40" xmlns="http://www.w3.org/2000/svg"><title>${options.label}</title><text class="axis" x="${left}" y="24">no data in the console's window</text></svg>`;
  }
  const first = points[0]!.at;
  const last = points[points.length - 1]!.at;
  const slots = Math.max(1, Math.round((last - first) / options.slotMs) + 1);
  const plotW = width - left - 8;
  const plotH = height - top - bottom;
  const slotW = plotW / slots;
  const max = Math.max(...points.map((p) => p.value), 1);
  const fmt = options.format ?? String;
  const bars: Html[] = [];
  const marks: Html[] = [];
  for (const p of points) {
    const i = Math.round((p.at - first) / options.slotMs);
    const x = left + i * slotW;
    const h = (p.value / max) * plotH;
    bars.push(html`<rect class="bar" x="${n(x)}" y="${n(top + plotH - h)}" width="${n(Math.max(1, slotW - 1))}" height="${n(h)}"><title>${shortTime(p.at, options.slotMs)} UTC: ${fmt(p.value)} ${options.unit}${p.alerts ? `, ${p.alerts} alert${p.alerts === 1 ? '' : 's'}` : ''}${p.blocks ? `, ${p.blocks} block${p.blocks === 1 ? '' : 's'}` : ''}</title></rect>`);
    if (p.blocks) marks.push(html`<circle class="mark-block" cx="${n(x + slotW / 2)}" cy="${n(top + plotH - h - 5)}" r="3.5"><title>${p.blocks} block${p.blocks === 1 ? '' : 's'}</title></circle>`);
    else if (p.alerts) marks.push(html`<circle class="mark-alert" cx="${n(x + slotW / 2)}" cy="${n(top + plotH - h - 5)}" r="3"><title>${p.alerts} alert${p.alerts === 1 ? '' : 's'}</title></circle>`);
  }
  const axis = html`<line class="axis-line" x1="${left}" y1="${top + plotH}" x2="${width - 8}" y2="${top + plotH}"/><text class="axis" x="0" y="${top + 8}">${fmt(max)}</text><text class="axis" x="0" y="${top + plotH}">0</text><text class="axis" x="${left}" y="${height - 4}">${shortTime(first, options.slotMs)}</text><text class="axis" x="${width - 8}" y="${height - 4}" text-anchor="end">${shortTime(last, options.slotMs)}</text>`;
  return html`<svg class="plot bars" role="img" aria-label="${options.label}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${options.label}</title>${axis}${bars}${marks}</svg>`;
}

/** A small inline line of values (oldest first), for tables. */
export function sparkline(values: readonly number[], label: string, width = 160, height = 24): Html {
  const max = Math.max(...values, 1);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${n(i * step)},${n(height - 2 - (v / max) * (height - 4))}`).join(' ');
  return html`<svg class="spark" role="img" aria-label="${label}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${label}</title><polyline class="spark-line" fill="none" points="${points}"/></svg>`;
}
