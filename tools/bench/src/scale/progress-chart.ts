import type { TopLevelSpec } from 'vega-lite';
import type { ClusterProgressPoint } from './scale-run.js';

/**
 * A Vega-Lite spec: tenants done over time, one line per cluster; throttle windows shaded (a held cluster
 * from the start to the moment it was released).
 */
export function clusterProgressSpec(
  title: { text: string; subtitle?: string },
  points: ClusterProgressPoint[],
  windows: Array<{ clusterId: string; from: number; to: number }>,
  width = 900,
  height = 380,
): TopLevelSpec {
  const x = { field: 'seconds', type: 'quantitative' as const, title: 'seconds since CreateRollout' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title.text, subtitle: title.subtitle ?? '', fontSize: 15, anchor: 'start' as const },
    config: { font: 'DejaVu Sans', view: { stroke: '#ddd' } },
    width,
    height,
    layer: [
      {
        data: { values: windows.map((w) => ({ seconds: w.from, to: w.to, clusterId: `${w.clusterId} throttled` })) },
        mark: { type: 'rect' as const, opacity: 0.12, color: '#ffb020' },
        encoding: { x, x2: { field: 'to' }, tooltip: { field: 'clusterId' } },
      },
      {
        data: { values: points },
        mark: { type: 'line' as const, strokeWidth: 1.3, clip: true },
        encoding: {
          x,
          y: { field: 'done', type: 'quantitative' as const, title: 'tenants final on the cluster' },
          color: { field: 'clusterId', type: 'nominal' as const, title: 'cluster', legend: { columns: 2, symbolLimit: 40 } },
        },
      },
    ],
  };
}
