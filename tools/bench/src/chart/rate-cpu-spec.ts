import type { TopLevelSpec } from 'vega-lite';

/** One run drawn as a panel: tenants finished per second and the database server's CPU, over time. */
export interface RateCpuPanel {
  title: string;
  /** [seconds since the run started, tenants finished in that second] */
  rate: Array<[number, number]>;
  /** [seconds since the run started, DB server CPU % of all cores] */
  cpu: Array<[number, number]>;
  /** Periods the cluster was throttled, in seconds since the run started. */
  throttled: Array<{ from: number; to: number }>;
  durationSeconds: number;
}

const colors = { rate: '#2a6ec8', cpu: '#d64541', throttled: '#ffb020' };
const series = { rate: 'tenants finished / s', cpu: 'DB server CPU %', throttled: 'throttled' };

/**
 * A Vega-Lite spec: one panel per run, stacked; tenants/s on the left axis, CPU % (0–100) on the right,
 * throttle windows shaded; one legend for the three series.
 */
export function rateCpuSpec(title: { text: string; subtitle?: string }, panels: RateCpuPanel[], width = 900, height = 220): TopLevelSpec {
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: [series.rate, series.cpu, series.throttled], range: [colors.rate, colors.cpu, colors.throttled] },
    legend: { orient: 'top' as const, direction: 'horizontal' as const, labelLimit: 400 },
  };
  const maxRate = Math.max(1, ...panels.flatMap((p) => p.rate.map(([, r]) => r)));
  const maxSeconds = Math.max(1, ...panels.map((p) => p.durationSeconds));
  const x = { type: 'quantitative' as const, title: 'time since start (s)', scale: { domain: [0, maxSeconds], nice: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title.text, subtitle: title.subtitle ?? '', fontSize: 15, anchor: 'start' as const },
    config: { font: 'DejaVu Sans', view: { stroke: '#ddd' } },
    vconcat: panels.map((panel) => ({
      title: { text: panel.title, anchor: 'start' as const, fontSize: 12 },
      width,
      height,
      layer: [
        {
          data: { values: panel.throttled.map((w) => ({ from: w.from, to: Math.min(w.to, panel.durationSeconds), series: series.throttled })) },
          mark: { type: 'rect' as const, opacity: 0.25 },
          encoding: { x: { field: 'from', ...x }, x2: { field: 'to' }, color },
        },
        {
          data: { values: panel.rate.map(([t, v]) => ({ t, v, series: series.rate })) },
          mark: { type: 'line' as const, interpolate: 'step-after' as const, strokeWidth: 1.5, clip: true },
          encoding: {
            x: { field: 't', ...x },
            y: { field: 'v', type: 'quantitative' as const, title: 'tenants finished per second', scale: { domain: [0, maxRate] }, axis: { titleColor: colors.rate } },
            color,
          },
        },
        {
          data: { values: panel.cpu.map(([t, v]) => ({ t, v, series: series.cpu })) },
          mark: { type: 'line' as const, strokeWidth: 1.5, clip: true },
          encoding: {
            x: { field: 't', ...x },
            y: { field: 'v', type: 'quantitative' as const, title: 'DB server CPU (% of all cores)', scale: { domain: [0, 100] }, axis: { orient: 'right' as const, titleColor: colors.cpu } },
            color,
          },
        },
      ],
      resolve: { scale: { y: 'independent' as const } },
    })),
  };
}

/**
 * Finish times binned per second: [bin start in seconds since t0, count], empty seconds included, and a
 * closing point at t1 carrying the last bin (a step line needs two points, also for a run under 1 s).
 */
export function perSecond(times: number[], t0: number, t1: number): Array<[number, number]> {
  const bins = new Array<number>(Math.max(1, Math.ceil((t1 - t0) / 1000))).fill(0);
  for (const t of times) {
    const bin = Math.floor((t - t0) / 1000);
    if (bin >= 0 && bin < bins.length) bins[bin] += 1;
  }
  return [...bins.map((count, i): [number, number] => [i, count]), [(t1 - t0) / 1000, bins.at(-1)!]];
}
