import type { TopLevelSpec } from 'vega-lite';

/** One rollout of the throttle benchmark drawn as a panel, in seconds since the rollout started. */
export interface ThrottlePanel {
  title: string;
  /** [seconds, cpu_percent of the monitor's sample] — the value the monitor compared with its threshold. */
  cpu: Array<[number, number]>;
  /** [seconds, tenants started in that second] */
  starts: Array<[number, number]>;
  /** Periods the cluster was THROTTLED or CRITICAL. */
  throttled: Array<{ from: number; to: number }>;
  /** The CPU load generator's period. */
  load?: { from: number; to: number };
  /** cpu_percent above which the monitor throttles. */
  threshold: number;
  durationSeconds: number;
}

const colors = { cpu: '#d64541', starts: '#2a6ec8', throttled: '#ffb020', load: '#9a9a9a', threshold: '#7a1f1c' };
const series = {
  cpu: 'CPU % (monitor sample)',
  starts: 'tenants started / s',
  throttled: 'throttled',
  load: 'CPU load running',
  threshold: 'throttle threshold',
};

/**
 * A Vega-Lite spec: one panel per rollout, stacked, on a shared time axis. CPU % (0–100) on the left axis
 * with the throttle threshold as a dashed rule, tenants started per second on the right; throttle windows
 * shaded, the load's period as a thin band along the top, so that the reaction (load → CPU over the
 * threshold → throttled → no more starts) reads left to right. One legend for every series.
 */
export function throttleChartSpec(title: { text: string; subtitle?: string }, panels: ThrottlePanel[], width = 900, height = 240): TopLevelSpec {
  // Lines by stroke colour, shaded periods by fill: two legends, each with its own kind of symbol.
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: [series.cpu, series.threshold, series.starts], range: [colors.cpu, colors.threshold, colors.starts] },
    legend: { orient: 'top' as const, direction: 'horizontal' as const, labelLimit: 400, symbolType: 'stroke', symbolStrokeWidth: 2 },
  };
  const fill = {
    field: 'period',
    type: 'nominal' as const,
    title: null,
    scale: { domain: [series.throttled, series.load], range: [colors.throttled, colors.load] },
    legend: { orient: 'top' as const, direction: 'horizontal' as const, labelLimit: 400, symbolOpacity: 0.5 },
  };
  const maxStarts = Math.max(5, ...panels.flatMap((p) => p.starts.map(([, n]) => n)));
  const maxSeconds = Math.max(1, ...panels.map((p) => p.durationSeconds));
  const x = { type: 'quantitative' as const, title: 'time since the rollout started (s)', scale: { domain: [0, maxSeconds], nice: false } };
  const cpuY = { type: 'quantitative' as const, title: 'CPU (% of all cores)', scale: { domain: [0, 100] }, axis: { titleColor: colors.cpu } };
  const clip = (w: { from: number; to: number }, end: number) => ({ from: Math.max(0, w.from), to: Math.min(w.to, end) });
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
          data: { values: panel.throttled.map((w) => ({ ...clip(w, panel.durationSeconds), period: series.throttled })) },
          mark: { type: 'rect' as const, opacity: 0.25 },
          encoding: { x: { field: 'from', ...x }, x2: { field: 'to' }, fill },
        },
        {
          // A band along the top rather than a full-height shade: it overlaps the throttle windows.
          data: { values: panel.load ? [{ ...clip(panel.load, panel.durationSeconds), period: series.load }] : [] },
          mark: { type: 'rect' as const, opacity: 0.6, y: 0, y2: 6 },
          encoding: { x: { field: 'from', ...x }, x2: { field: 'to' }, fill },
        },
        {
          // The CPU line and its threshold share the left scale (a layer of their own).
          layer: [
            {
              data: { values: panel.cpu.map(([t, v]) => ({ t, v, series: series.cpu })) },
              mark: { type: 'line' as const, strokeWidth: 1.5, clip: true },
              encoding: { x: { field: 't', ...x }, y: { field: 'v', ...cpuY }, color },
            },
            {
              data: { values: [{ v: panel.threshold, series: series.threshold }] },
              mark: { type: 'rule' as const, strokeDash: [6, 4], strokeWidth: 1.2 },
              encoding: { y: { field: 'v', ...cpuY }, color },
            },
          ],
        },
        {
          data: { values: panel.starts.map(([t, v]) => ({ t, v, series: series.starts })) },
          mark: { type: 'line' as const, strokeWidth: 1.5, clip: true },
          encoding: {
            x: { field: 't', ...x },
            y: {
              field: 'v',
              type: 'quantitative' as const,
              title: 'tenants started per second',
              scale: { domain: [0, maxStarts] },
              axis: { orient: 'right' as const, titleColor: colors.starts },
            },
            color,
          },
        },
      ],
      resolve: { scale: { y: 'independent' as const } },
    })),
  };
}
