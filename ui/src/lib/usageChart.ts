// The usage chart's data and options for uPlot, built from the core's UsageChart: one line of
// calls per key, the failed authentications and the flagged calls as points, and the rotation
// dates as vertical rules. Pure (no uPlot at run time) so the tests run it without a canvas.
import type uPlot from 'uplot';
import type { RotationMark, UsageChart } from './types';

/** The colours the chart draws with, read from the CSS variables of the current theme. */
export interface ChartColors {
  fg: string;
  muted: string;
  line: string;
  over: string;
  soon: string;
  accent: string;
  /** One per key, repeated when there are more keys. */
  series: string[];
}

/** What the legend beside the chart lists. */
export interface LegendEntry {
  label: string;
  color: string;
  total: number;
  kind: 'line' | 'failed' | 'flagged';
}

export const FAILED_LABEL = 'Failed authentication';
export const FLAGGED_LABEL = 'Flagged calls';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + (b || 0), 0);

/** Per bucket, the values of every series added up; null where nothing (no point drawn). */
function pointsOf(chart: UsageChart, pick: (s: UsageChart['series'][number]) => number[]): (number | null)[] {
  return chart.times.map((_, i) => {
    let n = 0;
    for (const s of chart.series) n += pick(s)[i] ?? 0;
    return n > 0 ? n : null;
  });
}

/**
 * uPlot's aligned data: the times, the calls of each key, then the failed authentications and
 * the flagged calls per bucket (null where there were none, so no point is drawn).
 */
export function chartData(chart: UsageChart): uPlot.AlignedData {
  const n = chart.times.length;
  const fit = (xs: number[]) => (xs.length === n ? xs : chart.times.map((_, i) => xs[i] ?? 0));
  return [
    chart.times,
    ...chart.series.map((s) => fit(s.calls)),
    pointsOf(chart, (s) => s.failed_auth),
    pointsOf(chart, (s) => s.flagged),
  ];
}

/** A points-only series (no line between the points). */
function points(label: string, color: string, size: number, filled: boolean, fill: string): uPlot.Series {
  return {
    label,
    stroke: color,
    width: 0,
    paths: () => null,
    points: { show: true, size, width: 2, stroke: color, fill: filled ? color : fill },
  };
}

/** The options of the plot (sizes and hooks are the component's). */
export function chartSeries(chart: UsageChart, colors: ChartColors, background: string): uPlot.Series[] {
  return [
    {},
    ...chart.series.map((s, i) => ({
      label: s.label,
      stroke: colors.series[i % colors.series.length],
      width: 2,
      points: { show: false },
    })),
    points(FAILED_LABEL, colors.over, 7, true, background),
    points(FLAGGED_LABEL, colors.soon, 12, false, background),
  ];
}

export function chartAxes(chart: UsageChart, colors: ChartColors): uPlot.Axis[] {
  const axis = { stroke: colors.muted, grid: { stroke: colors.line, width: 1 }, ticks: { stroke: colors.line, width: 1 } };
  return [axis, { ...axis, label: `${unitTitle(chart)} per ${chart.bucket}`, labelSize: 20 }];
}

/** What the legend lists: each key with its calls, then the failed and flagged calls. */
export function legendEntries(chart: UsageChart, colors: ChartColors): LegendEntry[] {
  return [
    ...chart.series.map((s, i) => ({
      label: s.label,
      color: colors.series[i % colors.series.length],
      total: sum(s.calls),
      kind: 'line' as const,
    })),
    { label: FAILED_LABEL, color: colors.over, total: sum(chart.series.map((s) => sum(s.failed_auth))), kind: 'failed' },
    { label: FLAGGED_LABEL, color: colors.soon, total: sum(chart.series.map((s) => sum(s.flagged))), kind: 'flagged' },
  ];
}

/** The short label of a rotation rule: the key's name without its provider. */
export function rotationLabel(r: RotationMark): string {
  const at = r.key.indexOf('/');
  return `rotated ${at < 0 ? r.key : r.key.slice(at + 1)}`;
}

/** The part of uPlot a draw hook uses (so the tests can pass a fake). */
export interface Plot {
  ctx: CanvasRenderingContext2D;
  bbox: { left: number; top: number; width: number; height: number };
  valToPos(val: number, scaleKey: string, canvasPixels?: boolean): number;
}

/**
 * A `draw` hook that strokes a dashed vertical rule at each rotation inside the plotted range,
 * labelled with the key's name (labels step down so close rotations stay readable).
 */
export function rotationRules(rotations: readonly RotationMark[], color: string, pxRatio = 1) {
  return (u: Plot) => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = Math.max(1, pxRatio);
    ctx.setLineDash([4 * pxRatio, 3 * pxRatio]);
    ctx.font = `${11 * pxRatio}px system-ui, sans-serif`;
    // uPlot leaves its own alignment behind (its axes draw right-aligned and centred text).
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    let drawn = 0;
    for (const r of rotations) {
      const x = Math.round(u.valToPos(r.at, 'x', true));
      if (!Number.isFinite(x) || x < bbox.left || x > bbox.left + bbox.width) continue;
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
      const label = rotationLabel(r);
      const y = bbox.top + (2 + (drawn % 3) * 14) * pxRatio;
      // Right of the rule, or left of it near the right edge.
      const w = ctx.measureText(label).width;
      const tx = x + 4 * pxRatio + w > bbox.left + bbox.width ? x - 4 * pxRatio - w : x + 4 * pxRatio;
      ctx.fillText(label, tx, y);
      drawn++;
    }
    ctx.restore();
  };
}

/** A bucket's start as the reader knows it: the date, and the hour for hourly buckets. */
export function bucketTime(t: number, bucket: UsageChart['bucket']): string {
  const d = new Date(t * 1000);
  return bucket === 'hour'
    ? d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** The singular of the chart's unit: `call`, `token`. */
const unitOne = (chart: UsageChart) => chart.unit.replace(/s$/, '');
/** The chart's unit at the start of a label: `Calls`, `Tokens`. */
const unitTitle = (chart: UsageChart) => chart.unit.charAt(0).toUpperCase() + chart.unit.slice(1);

/** The chart in words, for screen readers (a canvas says nothing) and as its caption. */
export function chartSummary(chart: UsageChart, keysListed = 5): string {
  if (chart.times.length === 0) return `No ${chart.unit} to chart yet.`;
  const span = `${unitTitle(chart)} per ${chart.bucket} from ${bucketTime(chart.times[0], chart.bucket)} to ${bucketTime(
    chart.times[chart.times.length - 1],
    chart.bucket,
  )}.`;
  const keys = chart.series
    .map((s) => {
      const total = sum(s.calls);
      let peak = 0;
      s.calls.forEach((c, i) => {
        if (c > s.calls[peak]) peak = i;
      });
      return { s, total, peak };
    })
    .sort((a, b) => b.total - a.total);
  const parts = keys.slice(0, keysListed).map(({ s, total, peak }) => {
    const most = total > 0 ? `, most (${s.calls[peak].toLocaleString()}) at ${bucketTime(chart.times[peak], chart.bucket)}` : '';
    return `${s.label}: ${plural(total, unitOne(chart))}${most}.`;
  });
  if (keys.length > keysListed) parts.push(`${plural(keys.length - keysListed, 'more key')}.`);
  const failed = sum(chart.series.map((s) => sum(s.failed_auth)));
  const flagged = sum(chart.series.map((s) => sum(s.flagged)));
  const signs = `${plural(failed, 'failed authentication')}, ${plural(flagged, 'flagged call')}.`;
  const rotations = chart.rotations.length
    ? `Rotated: ${chart.rotations
        .map((r) => `${r.key} on ${new Date(r.at * 1000).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}`)
        .join(', ')}.`
    : '';
  return [span, ...parts, signs, rotations].filter(Boolean).join(' ');
}

/** What the cursor's bucket holds: its time, the busiest keys there, failed and flagged calls. */
export function readout(chart: UsageChart, i: number, keysListed = 4): string {
  const t = chart.times[i];
  if (t === undefined) return '';
  const busy = chart.series
    .map((s) => ({ label: s.label, n: s.calls[i] ?? 0 }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n);
  const parts = busy.slice(0, keysListed).map((x) => `${x.label} ${x.n.toLocaleString()}`);
  if (busy.length > keysListed) parts.push(`${busy.length - keysListed} more`);
  const failed = sum(chart.series.map((s) => s.failed_auth[i] ?? 0));
  const flagged = sum(chart.series.map((s) => s.flagged[i] ?? 0));
  const extra = [failed ? `${failed} failed auth` : '', flagged ? `${flagged} flagged` : ''].filter(Boolean);
  return `${bucketTime(t, chart.bucket)}: ${parts.length ? parts.join(', ') : `no ${chart.unit}`}${extra.length ? ` · ${extra.join(', ')}` : ''}`;
}
