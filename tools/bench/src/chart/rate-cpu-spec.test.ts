import { describe, expect, it } from 'vitest';
import { perSecond, rateCpuSpec } from './rate-cpu-spec.js';
import { renderVegaLiteSvg } from './vega-png.js';

describe('tenants/s and CPU chart', () => {
  it('bins finish times per second, empty seconds included, closed at the end', () => {
    expect(perSecond([0, 100, 999, 1000, 2500], 0, 2600)).toEqual([[0, 3], [1, 1], [2, 1], [2.6, 1]]);
    expect(perSecond([100, 200], 0, 400)).toEqual([[0, 2], [0.4, 2]]);
  });

  it('draws both axes with their units, the legend and a shaded throttle window', async () => {
    const svg = await renderVegaLiteSvg(
      rateCpuSpec({ text: 'fleet', subtitle: 'machine' }, [
        { title: '(a) run', rate: [[0, 3], [1, 5], [2, 5]], cpu: [[0.5, 40], [1.5, 90]], throttled: [{ from: 0.7, to: 1.4 }], durationSeconds: 2 },
      ]),
    );
    for (const text of ['tenants finished per second', 'DB server CPU (% of all cores)', 'time since start (s)', 'throttled', '(a) run']) {
      expect(svg).toContain(text);
    }
    expect(svg).toMatch(/<path[^>]*fill="#ffb020"/); // the throttle window
  });
});
