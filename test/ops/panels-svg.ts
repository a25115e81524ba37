// The dashboard's panels as one SVG, laid out on Grafana's 24-column grid: each panel the lines of
// its queries' range results. Same look as the run report (loadtest/report/svg.ts): plain SVG with
// its fonts named, so rsvg-convert draws what a browser shows.
import { C, niceStep, text } from '../../loadtest/report/svg.ts';
import type { Dashboard, DashboardPanel } from './dashboard.ts';

export const WIDTH = 1600;
const MARGIN = 20;
const GRID_UNIT = 30;
const LEGEND_WIDTH = 170;
const { ink: INK, muted: MUTED, grid: GRID } = C;
const PALETTE = ['#1f6feb', '#d9730d', '#2da44e', '#8250df', '#cf222e', '#0969da', '#bf8700', '#6e7781', '#e85aad', '#1b7c83'];

/** One line of a panel: its legend and [unix seconds, value] points. */
export interface PanelSeries {
  legend: string;
  points: [number, number][];
}

export interface PanelData {
  panel: DashboardPanel;
  series: PanelSeries[];
  /** Shown instead of lines when set (e.g. why a panel is empty). */
  note?: string;
}

/** A value in the panel's Grafana unit, short. */
export function formatValue(value: number, unit: string): string {
  const num = (v: number, digits = 2) => Number(v.toPrecision(digits + 1)).toLocaleString('en-US', { maximumFractionDigits: 3 });
  switch (unit) {
    case 'percentunit':
      return `${num(value * 100)} %`;
    case 's':
      return value < 1 ? `${num(value * 1000)} ms` : `${num(value)} s`;
    case 'bytes':
      return `${num(value / 2 ** 20)} MiB`;
    case 'reqps':
      return `${num(value)} req/s`;
    case 'ops':
      return `${num(value)}/s`;
    default:
      return num(value);
  }
}

/** The time axis of every panel, in unix seconds. */
export interface TimeRange {
  start: number;
  end: number;
  stepSeconds: number;
}

function drawPanel(data: PanelData, x0: number, y0: number, w: number, h: number, range: TimeRange): string {
  const { start: tStart, end: tEnd } = range;
  const parts = [`<rect x='${x0}' y='${y0}' width='${w}' height='${h}' rx='4' fill='#ffffff' stroke='${GRID}'/>`];
  parts.push(text(x0 + 10, y0 + 20, data.panel.title, { size: 13, weight: 'bold' }));
  const left = x0 + 70;
  const right = x0 + w - 12;
  const top = y0 + 34;
  const perRow = Math.max(1, Math.floor((w - 20) / LEGEND_WIDTH));
  const legendRows = Math.min(4, Math.ceil(data.series.length / perRow));
  const bottom = y0 + h - 26 - legendRows * 15;
  if (data.note !== undefined || data.series.length === 0) {
    parts.push(text(x0 + w / 2, (top + bottom) / 2, data.note ?? 'no data', { size: 12, color: MUTED, anchor: 'middle' }));
    return parts.join('');
  }
  const max = Math.max(...data.series.flatMap((s) => s.points.map(([, v]) => v)), 0);
  const step = niceStep(max || 1, 3);
  const yMax = Math.max(step, Math.ceil(max / step) * step);
  const px = (t: number) => left + ((t - tStart) / Math.max(1, tEnd - tStart)) * (right - left);
  const py = (v: number) => bottom - (v / yMax) * (bottom - top);
  for (let v = 0; v <= yMax + 1e-12; v += step) {
    parts.push(`<line x1='${left}' x2='${right}' y1='${py(v).toFixed(1)}' y2='${py(v).toFixed(1)}' stroke='${GRID}'/>`);
    parts.push(text(left - 6, py(v) + 4, formatValue(v, data.panel.unit), { size: 10, color: MUTED, anchor: 'end' }));
  }
  const seconds = tEnd - tStart;
  const tStep = niceStep(seconds, 5);
  for (let s = 0; s <= seconds + 1e-9; s += tStep) {
    parts.push(text(px(tStart + s), bottom + 13, `${s.toFixed(0)} s`, { size: 10, color: MUTED, anchor: 'middle' }));
  }
  data.series.forEach((series, i) => {
    const color = PALETTE[i % PALETTE.length] ?? INK;
    let d = '';
    let previous: number | undefined;
    for (const [t, v] of series.points) {
      // A gap of more than three steps is missing data: the line breaks there, as in Grafana.
      d += `${previous === undefined || t - previous > 3 * range.stepSeconds ? 'M' : 'L'}${px(t).toFixed(1)},${py(v).toFixed(1)}`;
      previous = t;
    }
    parts.push(`<path d='${d}' fill='none' stroke='${color}' stroke-width='1.8'/>`);
  });
  data.series.slice(0, perRow * legendRows).forEach((series, i) => {
    const lx = x0 + 10 + (i % perRow) * LEGEND_WIDTH;
    const ly = bottom + 30 + Math.floor(i / perRow) * 15;
    parts.push(`<line x1='${lx}' x2='${lx + 14}' y1='${ly - 4}' y2='${ly - 4}' stroke='${PALETTE[i % PALETTE.length] ?? INK}' stroke-width='3'/>`);
    const label = series.legend.length > 24 ? `${series.legend.slice(0, 23)}…` : series.legend;
    parts.push(text(lx + 19, ly, label, { size: 10.5, color: MUTED }));
  });
  return parts.join('');
}

/** The whole dashboard; `title` and `subtitle` go above the grid. */
export function renderDashboardSvg(dashboard: Dashboard, panels: readonly PanelData[], range: TimeRange, title: string, subtitle: string): string {
  const unit = (WIDTH - 2 * MARGIN) / 24;
  const top = 70;
  const parts = [text(MARGIN, 32, title, { size: 20, weight: 'bold' }), text(MARGIN, 54, subtitle, { size: 12, color: MUTED })];
  for (const row of dashboard.rows) parts.push(text(MARGIN + 4, top + row.y * GRID_UNIT + 20, row.title, { size: 14, weight: 'bold', color: MUTED }));
  let bottom = top;
  for (const data of panels) {
    const { x, y, w, h } = data.panel.gridPos;
    const x0 = MARGIN + x * unit + 4;
    const y0 = top + y * GRID_UNIT + 4;
    parts.push(drawPanel(data, x0, y0, w * unit - 8, h * GRID_UNIT - 8, range));
    bottom = Math.max(bottom, y0 + h * GRID_UNIT);
  }
  const height = Math.ceil(bottom + MARGIN);
  return `<svg xmlns='http://www.w3.org/2000/svg' width='${WIDTH}' height='${height}' viewBox='0 0 ${WIDTH} ${height}'><rect width='100%' height='100%' fill='#f4f5f7'/>${parts.join('')}</svg>`;
}
