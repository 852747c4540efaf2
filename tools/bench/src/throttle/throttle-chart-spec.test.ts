import { describe, expect, it } from 'vitest';
import { renderVegaLitePng, renderVegaLiteSvg } from '../chart/vega-png.js';
import { throttleChartSpec, type ThrottlePanel } from './throttle-chart-spec.js';

const withThrottling: ThrottlePanel = {
  title: '(a) with throttling',
  cpu: [[0.5, 30], [1, 40], [2, 95], [3, 96], [4, 35]],
  starts: [[0.5, 4], [1.5, 4], [2.5, 0], [3.5, 0], [4.5, 5]],
  throttled: [{ from: 2.2, to: 3.8 }, { from: 4.5, to: 9 }],
  load: { from: 1.5, to: 3.5 },
  threshold: 85,
  durationSeconds: 5,
};
const withoutThrottling: ThrottlePanel = { ...withThrottling, title: '(b) without throttling', throttled: [], durationSeconds: 3 };

/** Every unit spec inside the vconcat, nested layers included. */
function units(spec: unknown): Array<Record<string, any>> {
  const node = spec as Record<string, any>;
  const children = [...(node.vconcat ?? []), ...(node.layer ?? [])];
  return children.length === 0 ? [node] : children.flatMap(units);
}

describe('throttle benchmark chart', () => {
  it('makes each throttle window a rect, clipped to the run, and draws the threshold as a rule', () => {
    const spec = throttleChartSpec({ text: 'throttle' }, [withThrottling, withoutThrottling]);
    expect((spec as any).vconcat).toHaveLength(2);
    const [first, second] = (spec as any).vconcat.map(units);
    const windows = first.find((u: any) => u.mark.type === 'rect' && u.data.values.some((v: any) => v.period === 'throttled'));
    expect(windows.data.values).toEqual([
      { from: 2.2, to: 3.8, period: 'throttled' },
      { from: 4.5, to: 5, period: 'throttled' }, // still open at the end: closed at the run's end
    ]);
    expect(windows.encoding.x2).toEqual({ field: 'to' });
    const load = first.find((u: any) => u.mark.type === 'rect' && u.data.values.some((v: any) => v.period === 'CPU load running'));
    expect(load.data.values).toEqual([{ from: 1.5, to: 3.5, period: 'CPU load running' }]);
    expect(first.find((u: any) => u.mark.type === 'rule').data.values).toEqual([{ v: 85, series: 'throttle threshold' }]);
    // No throttling, no window.
    const secondRects = second.filter((u: any) => u.mark.type === 'rect').flatMap((u: any) => u.data.values);
    expect(secondRects.filter((v: any) => v.period === 'throttled')).toEqual([]);
  });

  it('puts the units in the axis titles and one legend per kind of symbol', () => {
    const spec = throttleChartSpec({ text: 'throttle' }, [withThrottling]);
    const [panel] = (spec as any).vconcat.map(units);
    const titles = panel.flatMap((u: any) => [u.encoding.x?.title, u.encoding.y?.title]).filter(Boolean);
    expect(new Set(titles)).toEqual(new Set(['time since the rollout started (s)', 'CPU (% of all cores)', 'tenants started per second']));
    const cpu = panel.find((u: any) => u.data.values[0]?.series === 'CPU % (monitor sample)');
    expect(cpu.encoding.y.scale.domain).toEqual([0, 100]);
    expect(panel.find((u: any) => u.mark.type === 'rect').encoding.fill.legend).toBeTruthy();
    expect(cpu.encoding.color.legend).toBeTruthy();
  });

  it('renders the axes, the legend and the shaded windows', async () => {
    const svg = await renderVegaLiteSvg(throttleChartSpec({ text: 'throttle', subtitle: 'machine' }, [withThrottling, withoutThrottling]));
    for (const text of ['time since the rollout started (s)', 'CPU (% of all cores)', 'tenants started per second', 'throttled', 'CPU load running', 'throttle threshold', 'tenants started / s', '(a) with throttling', '(b) without throttling']) {
      expect(svg).toContain(text);
    }
    // Three axes per panel: time, CPU on the left, tenants/s on the right (the threshold shares the CPU axis).
    expect(svg.match(/role-axis-title/g)).toHaveLength(6);
    expect(svg).toMatch(/<path[^>]*fill="#ffb020"/); // a throttle window
  });

  it('renders to a PNG', async () => {
    const png = await renderVegaLitePng(throttleChartSpec({ text: 'throttle' }, [withThrottling, withoutThrottling]));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.toString('ascii', 12, 16)).toBe('IHDR');
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    // 900 px wide plots at the default 1.5 zoom, two panels stacked.
    expect(width).toBeGreaterThan(1350);
    expect(height).toBeGreaterThan(2 * 240 * 1.5);
    expect(png.length).toBeGreaterThan(20_000);
  });
});
