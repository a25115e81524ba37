// The run as one SVG: verdict header, then replicas, request rate, latency and errors on one time axis,
// with the churn events drawn across every panel. Plain SVG, fonts and all, so rsvg-convert renders the
// same picture the HTML shows.
import { fmt } from './format.ts';
import { areaPath, C, LEFT, legend, linePath, niceStep, panel, PLOT_W, RIGHT, text, W, type Points, type Scale } from './svg.ts';
import type { Digest, Gauge, Run, Verdict } from './types.ts';

/** The events the chart marks; the others (start, ready, load-start, ...) only go in the HTML table. */
export const EVENT_STYLE: Readonly<Record<string, { label: string; color: string }>> = {
  sigterm: { label: 'SIGTERM', color: C.orange },
  sigkill: { label: 'SIGKILL', color: C.red },
  'pod-delete': { label: 'pod deleted', color: C.red },
  'rollout-restart': { label: 'rollout restart', color: C.purple },
  'redis-stop': { label: 'Redis restart', color: C.redis },
  'redis-failover': { label: 'Redis failover', color: C.redis },
  'redis-delete': { label: 'Redis pod deleted', color: C.redis },
};

function header(run: Run, verdict: Verdict): { svg: string; bottom: number } {
  const d: Partial<Digest> = run.digest ?? {};
  const out: string[] = [];
  out.push(text(LEFT, 34, `xwing ${run.script}`, { size: 22, weight: 'bold' }));
  out.push(text(LEFT, 56, `${run.kindLabel} · ${run.runId} · ${fmt(run.span)} s of load · bucket ${run.bucketS} s`, { size: 12, color: C.muted }));
  const pill = verdict.passed ? { color: C.ok, label: 'ALL THRESHOLDS PASSED' } : { color: C.bad, label: 'THRESHOLDS FAILED' };
  out.push(`<rect x='${W - RIGHT - 250}' y='14' width='250' height='34' rx='17' fill='${pill.color}'/>`);
  out.push(text(W - RIGHT - 125, 36, pill.label, { size: 14, color: '#fff', anchor: 'middle', weight: 'bold' }));

  const stats: [string, string][] = [
    ['requests', fmt(d.requests)],
    ['failed', `${fmt(d.failed)} (${fmt((d.failed_rate || 0) * 100, 2)} %)`],
    ['sessions lost', fmt(d.session_lost)],
    ['p95 latency', `${fmt(d.p95_ms, 0)} ms`],
    [`replicas seen (≤${fmt(run.peakAnswering)} at once)`, fmt(run.replicas.length)],
    ['dropped iterations', fmt(d.dropped_iterations)],
  ];
  const colW = PLOT_W / stats.length;
  stats.forEach(([label, value], i) => {
    const cx = LEFT + i * colW;
    const lost = label === 'sessions lost';
    const color = lost ? (d.session_lost === 0 ? C.ok : C.bad) : C.ink;
    out.push(text(cx, 86, value, { size: 17, weight: 'bold', color }));
    out.push(text(cx, 103, label, { size: 11, color: C.muted }));
  });

  let xPos = LEFT;
  let yPos = 128;
  for (const t of verdict.rows) {
    const label = `${t.ok ? '✓' : '✗'} ${t.metric} ${t.threshold}`;
    const width = 16 + label.length * 6.4;
    if (xPos + width > W - RIGHT) {
      xPos = LEFT;
      yPos += 24;
    }
    out.push(`<rect x='${xPos}' y='${yPos - 14}' width='${width.toFixed(0)}' height='20' rx='10' fill='${t.ok ? '#dafbe1' : '#ffebe9'}' stroke='${t.ok ? C.ok : C.bad}' stroke-width='0.8'/>`);
    out.push(text(xPos + 8, yPos, label, { size: 11, color: t.ok ? C.ok : C.bad }));
    xPos += width + 8;
  }
  return { svg: out.join(''), bottom: yPos + 14 };
}

export function renderSvg(run: Run, verdict: Verdict): string {
  // A bucket's value belongs to its middle; bars span the bucket.
  const s = run.series.map((b) => ({ ...b, t0: b.t, t: b.t + run.bucketS / 2 }));
  const tMax = Math.max(run.span, 1);
  // Cluster samplers start before k6's setup(): that stretch shows as negative time, shaded.
  const tMin = Math.min(0, ...run.samples.map((p) => p.t));
  const x: Scale = (t) => LEFT + ((Math.min(Math.max(t, tMin), tMax) - tMin) / (tMax - tMin)) * PLOT_W;
  const head = header(run, verdict);
  const parts = [head.svg];

  const laneTop = head.bottom + 18;
  const laneH = 58;
  const PANEL_H = 130;
  const GAP = 46;
  let top = laneTop + laneH + 26;

  // Replicas
  const hasCpu = run.samples.some((p) => typeof p.cpu_percent === 'number');
  const repMax = Math.max(2, ...s.map((b) => b.answering), ...run.samples.flatMap((p) => [p.replicas_desired || 0, p.replicas_current || 0, p.pods_ready || 0]));
  const repTitle = 'Replicas';
  const rep = panel(top, PANEL_H, repTitle, repMax + 1, '');
  parts.push(...rep.svg);
  const sample = (key: Gauge): Points =>
    run.samples.map((p) => {
      const v = p[key];
      return [p.t, typeof v === 'number' ? v : null];
    });
  parts.push(`<path d='${linePath(sample('replicas_desired'), x, rep.y, { step: true })}' fill='none' stroke='${C.grey}' stroke-width='2' stroke-dasharray='6 4'/>`);
  parts.push(`<path d='${linePath(sample('pods_ready'), x, rep.y, { step: true })}' fill='none' stroke='${C.green}' stroke-width='2.5'/>`);
  parts.push(`<path d='${linePath(s.map((b) => [b.t, b.answering]), x, rep.y, { step: true })}' fill='none' stroke='${C.blue}' stroke-width='2' stroke-dasharray='2 3'/>`);
  parts.push(legend([
    { label: run.kind === 'fleet' ? 'desired (processes)' : 'HPA desired', color: C.grey, dash: '6 4' },
    { label: 'ready', color: C.green },
    { label: `names answering k6 in the last ${run.windowS} s`, color: C.blue, dash: '2 3' },
  ], repTitle, top - 8));
  top += PANEL_H + GAP;

  if (hasCpu) {
    const target = run.samples.map((p) => p.cpu_target).find((v) => typeof v === 'number');
    const cpuMax = Math.max(100, ...run.samples.map((p) => p.cpu_percent || 0));
    const cpu = panel(top, PANEL_H * 0.8, 'CPU utilisation, % of request (the HPA metric)', cpuMax, ' %');
    parts.push(...cpu.svg);
    parts.push(`<path d='${linePath(sample('cpu_percent'), x, cpu.y, { step: true })}' fill='none' stroke='${C.orange}' stroke-width='2.5'/>`);
    if (typeof target === 'number') {
      parts.push(`<line x1='${LEFT}' x2='${LEFT + PLOT_W}' y1='${cpu.y(target).toFixed(1)}' y2='${cpu.y(target).toFixed(1)}' stroke='${C.red}' stroke-dasharray='5 4'/>`);
      parts.push(text(LEFT + PLOT_W - 4, cpu.y(target) - 5, `target ${target} %`, { size: 11, color: C.red, anchor: 'end' }));
    }
    top += PANEL_H * 0.8 + GAP;
  }

  // Request rate
  const rpsMax = Math.max(1, ...s.map((b) => b.rps));
  const rpsTitle = 'Requests per second';
  const rps = panel(top, PANEL_H, rpsTitle, rpsMax * 1.1, '');
  parts.push(...rps.svg);
  parts.push(`<path d='${areaPath(s.map((b) => [b.t, b.rps]), x, rps.y)}' fill='${C.blue}' fill-opacity='0.12' stroke='none'/>`);
  parts.push(`<path d='${linePath(s.map((b) => [b.t, b.rps]), x, rps.y)}' fill='none' stroke='${C.blue}' stroke-width='2'/>`);
  parts.push(`<path d='${areaPath(s.map((b) => [b.t, b.failedPerS]), x, rps.y)}' fill='${C.red}' fill-opacity='0.5' stroke='${C.red}'/>`);
  parts.push(legend([{ label: 'all requests', color: C.blue }, { label: 'failed', color: C.red }], rpsTitle, top - 8));
  top += PANEL_H + GAP;

  // Latency
  const p95Limit = verdict.p95Limit;
  const latMax = Math.max(10, ...s.map((b) => b.p95 || 0), p95Limit && p95Limit < 3 * Math.max(...s.map((b) => b.p95 || 0)) ? p95Limit : 0);
  const latTitle = 'Latency of successful requests';
  const lat = panel(top, PANEL_H, latTitle, latMax * 1.1, ' ms');
  parts.push(...lat.svg);
  parts.push(`<path d='${linePath(s.map((b) => [b.t, b.p50]), x, lat.y)}' fill='none' stroke='${C.grey}' stroke-width='1.5'/>`);
  parts.push(`<path d='${linePath(s.map((b) => [b.t, b.p95]), x, lat.y)}' fill='none' stroke='${C.orange}' stroke-width='2.5'/>`);
  if (p95Limit && p95Limit <= lat.max) {
    parts.push(`<line x1='${LEFT}' x2='${LEFT + PLOT_W}' y1='${lat.y(p95Limit).toFixed(1)}' y2='${lat.y(p95Limit).toFixed(1)}' stroke='${C.red}' stroke-dasharray='5 4'/>`);
    parts.push(text(LEFT + PLOT_W - 4, lat.y(p95Limit) - 5, `p95 threshold ${p95Limit} ms`, { size: 11, color: C.red, anchor: 'end' }));
  }
  parts.push(legend([{ label: 'p95', color: C.orange }, { label: 'median', color: C.grey }], latTitle, top - 8));
  top += PANEL_H + GAP;

  // Errors and sessions lost
  const errMax = Math.max(4, ...s.map((b) => b.failed), ...s.map((b) => b.lost), ...s.map((b) => b.dropped));
  const errTitle = `Failures per ${run.bucketS} s`;
  const err = panel(top, PANEL_H * 0.8, errTitle, errMax * 1.1, '');
  parts.push(...err.svg);
  const barW = Math.max(1.2, ((x(run.bucketS) - x(0)) - 2) / 3);
  for (const b of s) {
    if (b.failed > 0) parts.push(`<rect x='${(x(b.t0) + 0.5).toFixed(1)}' y='${err.y(b.failed).toFixed(1)}' width='${barW.toFixed(1)}' height='${(err.y(0) - err.y(b.failed)).toFixed(1)}' fill='${C.red}'/>`);
    if (b.dropped > 0) parts.push(`<rect x='${(x(b.t0) + 0.5 + 2 * barW).toFixed(1)}' y='${err.y(b.dropped).toFixed(1)}' width='${barW.toFixed(1)}' height='${(err.y(0) - err.y(b.dropped)).toFixed(1)}' fill='${C.grey}'/>`);
    if (b.lost > 0) parts.push(`<rect x='${(x(b.t0) + 0.5 + barW).toFixed(1)}' y='${err.y(b.lost).toFixed(1)}' width='${barW.toFixed(1)}' height='${(err.y(0) - err.y(b.lost)).toFixed(1)}' fill='${C.purple}'/>`);
  }
  // The digest's count when k6 wrote one; a run cut short has only the stream's.
  const lost = run.digest?.session_lost || s.reduce((a, b) => a + b.lost, 0);
  parts.push(text(LEFT + PLOT_W - 4, top + 16, lost === 0 ? 'no session lost' : `${lost} sessions lost`, { size: 13, weight: 'bold', color: lost === 0 ? C.ok : C.bad, anchor: 'end' }));
  parts.push(legend([{ label: 'failed requests', color: C.red }, { label: 'sessions lost', color: C.purple }, { label: 'dropped iterations (no free VU)', color: C.grey }], errTitle, top - 8));
  const bottom = top + PANEL_H * 0.8;

  // X axis
  const stepT = niceStep(tMax - tMin, 12);
  if (tMin < 0) {
    parts.push(`<rect x='${LEFT}' y='${laneTop + 12}' width='${(x(0) - LEFT).toFixed(1)}' height='${(bottom - laneTop - 12).toFixed(1)}' fill='${C.grey}' fill-opacity='0.08'/>`);
    if (x(0) - LEFT > 80) parts.push(text((LEFT + x(0)) / 2, bottom - 6, 'k6 setup()', { size: 11, color: C.muted, anchor: 'middle' }));
  }
  // `+ 0` turns a -0 start into 0, which would otherwise be labelled "-0".
  for (let t = Math.ceil(tMin / stepT) * stepT + 0; t <= tMax + 1e-9; t += stepT) {
    parts.push(`<line x1='${x(t).toFixed(1)}' x2='${x(t).toFixed(1)}' y1='${bottom}' y2='${bottom + 5}' stroke='${C.grey}'/>`);
    parts.push(text(x(t), bottom + 19, fmt(t), { size: 11, color: C.muted, anchor: 'middle' }));
  }
  parts.push(`<line x1='${LEFT}' x2='${LEFT + PLOT_W}' y1='${bottom}' y2='${bottom}' stroke='${C.grey}'/>`);
  parts.push(text(LEFT + PLOT_W / 2, bottom + 38, 'seconds since load start', { size: 12, color: C.muted, anchor: 'middle' }));

  // Churn events: a dot on the lane's top line and a line through every panel; labels go on the
  // first of three rows below the dots where they do not run into the previous label.
  parts.push(text(LEFT, laneTop - 4, 'Churn events', { size: 13, weight: 'bold' }));
  const marks = run.events.flatMap((e) => {
    const style = EVENT_STYLE[e.kind];
    return style && e.t >= tMin && e.t <= tMax ? [{ t: e.t, style }] : [];
  });
  if (marks.length === 0) parts.push(text(LEFT + 110, laneTop - 4, 'none in this run', { size: 12, color: C.muted }));
  const rows = [-Infinity, -Infinity, -Infinity];
  for (const { t, style } of marks) {
    const px = x(t);
    parts.push(`<line x1='${px.toFixed(1)}' x2='${px.toFixed(1)}' y1='${laneTop + 6}' y2='${bottom}' stroke='${style.color}' stroke-opacity='0.45' stroke-width='1.2' stroke-dasharray='3 3'/>`);
    parts.push(`<circle cx='${px.toFixed(1)}' cy='${laneTop + 6}' r='4.5' fill='${style.color}'/>`);
    const row = rows.findIndex((end) => end <= px);
    if (row >= 0) {
      parts.push(text(px + 3, laneTop + 24 + row * 14, style.label, { size: 10.5, color: style.color }));
      rows[row] = px + 10 + style.label.length * 6.2;
    }
  }

  const height = Math.ceil(bottom + 56);
  return `<svg xmlns='http://www.w3.org/2000/svg' width='${W}' height='${height}' viewBox='0 0 ${W} ${height}'><rect width='100%' height='100%' fill='#ffffff'/>${parts.join('')}</svg>`;
}
