import { describe, expect, it, vi } from 'vitest';
import type { UsageChart } from './types';
import {
  FAILED_LABEL,
  FLAGGED_LABEL,
  chartAxes,
  chartData,
  chartSeries,
  chartSummary,
  legendEntries,
  readout,
  rotationRules,
  type ChartColors,
  type Plot,
} from './usageChart';

const T0 = 1_795_000_000;
const chart: UsageChart = {
  unit: 'calls', bucket: 'hour',
  times: [T0, T0 + 3600, T0 + 7200, T0 + 10800],
  series: [
    { key: 'sim/prod-a', key_id: '1', label: 'sim/prod-a', calls: [3, 9, 0, 1], failed_auth: [0, 2, 0, 0], flagged: [0, 3, 0, 1] },
    { key: null, key_id: '99', label: 'id 99', calls: [0, 1, 4, 0], failed_auth: [0, 1, 0, 0], flagged: [0, 1, 0, 0] },
  ],
  rotations: [{ key: 'sim/prod-a', at: T0 + 5400 }],
};
const colors: ChartColors = {
  fg: '#111',
  muted: '#555',
  line: '#ddd',
  over: '#b00',
  soon: '#850',
  accent: '#25c',
  series: ['#c1', '#c2'],
};

describe('the usage chart data', () => {
  it('aligns the times, each key’s calls, then failed and flagged calls (null where none)', () => {
    expect(chartData(chart)).toEqual([
      chart.times,
      [3, 9, 0, 1],
      [0, 1, 4, 0],
      [null, 3, null, null],
      [null, 4, null, 1],
    ]);
  });

  it('pads a short series with zeros so uPlot gets equal lengths', () => {
    const short = { ...chart, series: [{ ...chart.series[0], calls: [5] }] };
    expect(chartData(short)[1]).toEqual([5, 0, 0, 0]);
  });

  it('has a line per key and points-only series for the failed and flagged calls', () => {
    const series = chartSeries(chart, colors, '#fff');
    expect(series.map((s) => s.label)).toEqual([undefined, 'sim/prod-a', 'id 99', FAILED_LABEL, FLAGGED_LABEL]);
    expect(series[1].stroke).toBe('#c1');
    expect(series[2].stroke).toBe('#c2');
    expect(series[1].points?.show).toBe(false);
    const failed = series[3];
    expect(failed.points?.show).toBe(true);
    expect(failed.paths?.({} as never, 3, 0, 3)).toBeNull();
    expect(failed.stroke).toBe('#b00');
    // The flagged points are rings (filled with the background), drawn larger than the failed ones.
    expect(series[4].points?.fill).toBe('#fff');
    expect(series[4].points!.size!).toBeGreaterThan(failed.points!.size!);
  });

  it('colours the axes from the theme and names the bucket', () => {
    const [x, y] = chartAxes(chart, colors);
    expect(x.stroke).toBe('#555');
    expect(x.grid?.stroke).toBe('#ddd');
    expect(y.label).toBe('Calls per hour');
    // A report of another unit says it on the axis.
    expect(chartAxes({ ...chart, unit: 'tokens', bucket: 'day' }, colors)[1].label).toBe('Tokens per day');
  });

  it('lists each key with its calls in the legend', () => {
    expect(legendEntries(chart, colors).map((e) => [e.label, e.total, e.kind])).toEqual([
      ['sim/prod-a', 13, 'line'],
      ['id 99', 5, 'line'],
      [FAILED_LABEL, 3, 'failed'],
      [FLAGGED_LABEL, 5, 'flagged'],
    ]);
  });
});

describe('the rotation rules', () => {
  function fakePlot() {
    const ctx = {
      save: vi.fn(),
      restore: vi.fn(),
      beginPath: vi.fn(),
      moveTo: vi.fn(),
      lineTo: vi.fn(),
      stroke: vi.fn(),
      fillText: vi.fn(),
      setLineDash: vi.fn(),
      measureText: () => ({ width: 50 }),
      // As uPlot's axes leave it.
      textAlign: 'right',
    };
    // x: T0 at 100 px, T0 + 10800 at 400 px.
    const plot: Plot = {
      ctx: ctx as unknown as CanvasRenderingContext2D,
      bbox: { left: 100, top: 10, width: 300, height: 200 },
      valToPos: (v) => 100 + ((v - T0) / 10800) * 300,
    };
    return { ctx, plot };
  }

  it('strokes a labelled vertical line at each rotation inside the plotted range', () => {
    const { ctx, plot } = fakePlot();
    rotationRules([...chart.rotations, { key: 'sim/old', at: T0 - 86_400 }], '#25c')(plot);
    expect(ctx.moveTo).toHaveBeenCalledTimes(1);
    expect(ctx.moveTo).toHaveBeenCalledWith(250, 10);
    expect(ctx.lineTo).toHaveBeenCalledWith(250, 210);
    expect(ctx.fillText).toHaveBeenCalledWith('rotated prod-a', 254, expect.any(Number));
    // Its own alignment, not what uPlot's axes left on the context.
    expect((ctx as unknown as { textAlign: string }).textAlign).toBe('left');
    expect(ctx.restore).toHaveBeenCalled();
  });

  it('puts a label near the right edge on the left of its rule', () => {
    const { ctx, plot } = fakePlot();
    rotationRules([{ key: 'sim/late', at: T0 + 10_000 }], '#25c')(plot);
    const [, x] = ctx.fillText.mock.calls[0];
    expect(x).toBeLessThan(plot.valToPos(T0 + 10_000, 'x', true));
  });
});

describe('the chart in words', () => {
  it('summarises the span, each key’s calls and peak, the signs and the rotations', () => {
    const s = chartSummary(chart);
    expect(s).toMatch(/^Calls per hour from .+ to .+\./);
    expect(s).toMatch(/sim\/prod-a: 13 calls, most \(9\) at /);
    expect(s).toMatch(/id 99: 5 calls, most \(4\) at /);
    expect(s).toMatch(/3 failed authentications, 5 flagged calls\./);
    expect(s).toMatch(/Rotated: sim\/prod-a on /);
    expect(s.indexOf('sim/prod-a: 13')).toBeLessThan(s.indexOf('id 99: 5'));
  });

  it('counts the keys it does not name', () => {
    const many = { ...chart, series: Array.from({ length: 8 }, (_, i) => ({ ...chart.series[0], label: `k${i}` })) };
    expect(chartSummary(many)).toMatch(/3 more keys\./);
  });

  it('says when there is nothing to chart', () => {
    expect(chartSummary({ unit: 'calls', bucket: 'day', times: [], series: [], rotations: [] })).toBe('No calls to chart yet.');
  });

  it('reads out the bucket under the cursor', () => {
    expect(readout(chart, 1)).toMatch(/: sim\/prod-a 9, id 99 1 · 3 failed auth, 4 flagged$/);
    expect(readout(chart, 2)).toMatch(/: id 99 4$/);
    expect(readout(chart, 9)).toBe('');
  });
});
