import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chartColors, plotArea, renderTimelinePng, type TimelinePanel } from './timeline-chart.js';

/** Decodes the PNGs this chart writes (8-bit RGBA, filter 0) to look at pixels. */
function decode(png: Buffer): { width: number; height: number; rgba: (x: number, y: number) => number[] } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 6]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4 + 1;
  return { width, height, rgba: (x, y) => [...raw.subarray(y * stride + 1 + x * 4, y * stride + 1 + x * 4 + 4)] };
}

const panel: TimelinePanel = {
  title: 'with throttling',
  series: [
    { label: 'cpu %', color: chartColors.cpu, axis: 'left', points: [[0, 20], [10, 20], [20, 95], [40, 95], [50, 20], [60, 20]] },
    { label: 'tenants/s', color: chartColors.rate, axis: 'right', points: [[0, 5], [20, 5], [21, 0], [50, 0], [51, 5], [60, 5]] },
  ],
  shaded: [{ from: 22, to: 48 }],
  shadedLabel: 'throttled',
  leftAxis: { label: 'CPU %', max: 100 },
  rightAxis: { label: 'tenants/s', max: 10 },
  durationSeconds: 60,
};

describe('renderTimelinePng', () => {
  it('writes a PNG with one panel per run, throttle windows shaded and the CPU line drawn', () => {
    const png = renderTimelinePng([panel, { ...panel, title: 'without throttling', shaded: [] }], 800, 300);
    const image = decode(png);
    expect([image.width, image.height]).toEqual([800, 600]);

    const area = plotArea(800, 300, 0);
    const xAt = (t: number) => Math.round(area.left + (t / 60) * (area.right - area.left));
    const yAt = (percent: number) => Math.round(area.bottom - (percent / 100) * (area.bottom - area.top));
    // Inside the throttle window, away from the lines: shaded (orange over white).
    const shaded = image.rgba(xAt(35), yAt(50));
    expect(shaded[0]).toBe(255);
    expect(shaded[2]).toBeLessThan(240);
    // Outside it: white.
    expect(image.rgba(xAt(5), yAt(70))).toEqual([255, 255, 255, 255]);
    // The CPU line at 95 % in the middle of the hot period.
    expect(image.rgba(xAt(30), yAt(95))).toEqual(chartColors.cpu);
    // The second panel has no shaded window.
    const second = plotArea(800, 300, 1);
    expect(image.rgba(xAt(35), Math.round((second.top + second.bottom) / 2))).toEqual([255, 255, 255, 255]);
  });
});
