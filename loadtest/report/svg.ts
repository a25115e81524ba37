// The drawing pieces of the run chart: page geometry, colours, text, panels with a y grid, lines,
// areas and legends. Plain SVG with the font named on every text, so rsvg-convert and a browser agree.
import { esc, fmt } from './format.ts';

export const W = 1200;
export const LEFT = 78;
export const RIGHT = 36;
export const PLOT_W = W - LEFT - RIGHT;
const FONT = "font-family='DejaVu Sans, Verdana, sans-serif'";
export const C = {
  ink: '#1f2933',
  muted: '#6b7785',
  grid: '#e4e8ee',
  ok: '#1b873f',
  bad: '#c62828',
  blue: '#1f6feb',
  green: '#2da44e',
  grey: '#8c959f',
  orange: '#d9730d',
  purple: '#8250df',
  red: '#cf222e',
  redis: '#0969da',
} as const;

/** Seconds (or a value) to pixels. */
export type Scale = (v: number) => number;

/** A series as (time, value) pairs; a missing value breaks the line. */
export type Points = [number, number | null | undefined][];

export interface TextStyle {
  size?: number;
  color?: string;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
}

export interface LegendItem {
  label: string;
  color: string;
  dash?: string;
}

export function niceStep(range: number, count: number): number {
  const raw = range / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

export function text(x: number, y: number, body: string, { size = 12, color = C.ink, anchor = 'start', weight = 'normal' }: TextStyle = {}): string {
  return `<text x='${x.toFixed(1)}' y='${y.toFixed(1)}' ${FONT} font-size='${size}' fill='${color}' text-anchor='${anchor}' font-weight='${weight}'>${esc(body)}</text>`;
}

/** A panel's frame, y grid and labels, with its value-to-pixel scale and the top of its range. */
export function panel(top: number, height: number, title: string, yMax: number, unit: string): { y: Scale; max: number; svg: string[] } {
  const step = niceStep(yMax, 4);
  const max = Math.max(step, Math.ceil(yMax / step) * step);
  const y: Scale = (v) => top + height - (v / max) * height;
  const parts = [text(LEFT, top - 8, title, { size: 13, weight: 'bold' })];
  for (let v = 0; v <= max + 1e-9; v += step) {
    parts.push(`<line x1='${LEFT}' x2='${LEFT + PLOT_W}' y1='${y(v).toFixed(1)}' y2='${y(v).toFixed(1)}' stroke='${C.grid}'/>`);
    parts.push(text(LEFT - 8, y(v) + 4, `${fmt(v, step < 1 ? 1 : 0)}${unit}`, { size: 11, color: C.muted, anchor: 'end' }));
  }
  parts.push(`<line x1='${LEFT}' x2='${LEFT}' y1='${top}' y2='${top + height}' stroke='${C.grey}'/>`);
  return { y, max, svg: parts };
}

export function linePath(points: Points, x: Scale, y: Scale, { step = false }: { step?: boolean } = {}): string {
  let d = '';
  let drawing = false;
  for (const [t, v] of points) {
    if (v === null || v === undefined) {
      drawing = false;
      continue;
    }
    const px = x(t).toFixed(1);
    const py = y(v).toFixed(1);
    if (!drawing) d += `M${px},${py}`;
    else if (step) d += `H${px}V${py}`;
    else d += `L${px},${py}`;
    drawing = true;
  }
  return d;
}

export function areaPath(points: Points, x: Scale, y: Scale): string {
  const line = linePath(points, x, y);
  const first = points[0];
  const last = points.at(-1);
  if (!line || !first || !last) return '';
  const base = y(0).toFixed(1);
  return `${line}L${x(last[0]).toFixed(1)},${base}L${x(first[0]).toFixed(1)},${base}Z`;
}

// Legends sit right of the panel title; titles are bold 13 px, ~8 px a character.
export function legend(items: LegendItem[], title: string, yPos: number): string {
  let xPos = LEFT + title.length * 8 + 24;
  const out: string[] = [];
  for (const { label, color, dash } of items) {
    out.push(`<line x1='${xPos}' x2='${xPos + 18}' y1='${yPos - 4}' y2='${yPos - 4}' stroke='${color}' stroke-width='3' ${dash ? `stroke-dasharray='${dash}'` : ''}/>`);
    out.push(text(xPos + 23, yPos, label, { size: 11, color: C.muted }));
    xPos += 30 + label.length * 6.6;
  }
  return out.join('');
}
