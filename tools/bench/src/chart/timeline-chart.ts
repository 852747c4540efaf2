import { Canvas, type Rgba } from './canvas.js';
import { encodePng } from './png-encode.js';

export interface TimeSeries {
  label: string;
  color: Rgba;
  axis: 'left' | 'right';
  /** [seconds since the start of the run, value] */
  points: Array<[number, number]>;
}

/** One panel: series over time, with shaded windows (e.g. when the cluster was throttled). */
export interface TimelinePanel {
  title: string;
  series: TimeSeries[];
  shaded: Array<{ from: number; to: number }>;
  shadedLabel: string;
  leftAxis: { label: string; max: number };
  rightAxis?: { label: string; max: number };
  /** Seconds shown on the x axis; default: the last point. */
  durationSeconds?: number;
}

export const chartColors = {
  cpu: [214, 69, 65, 255] as Rgba,
  rate: [38, 110, 200, 255] as Rgba,
  shade: [255, 170, 40, 70] as Rgba,
  axis: [60, 60, 60, 255] as Rgba,
  grid: [225, 225, 225, 255] as Rgba,
  text: [30, 30, 30, 255] as Rgba,
};

const margin = { left: 70, right: 70, top: 40, bottom: 50 };

/** Renders panels stacked vertically into one PNG (no native dependency). */
export function renderTimelinePng(panels: TimelinePanel[], width = 1000, panelHeight = 320): Buffer {
  const canvas = new Canvas(width, panelHeight * panels.length);
  panels.forEach((panel, index) => drawPanel(canvas, panel, 0, index * panelHeight, width, panelHeight));
  return encodePng(canvas);
}

/** Where a panel's plot area is, for tests that look at pixels. */
export function plotArea(width: number, panelHeight: number, panelIndex = 0) {
  const top = panelIndex * panelHeight + margin.top;
  return { left: margin.left, right: width - margin.right, top, bottom: (panelIndex + 1) * panelHeight - margin.bottom };
}

function drawPanel(canvas: Canvas, panel: TimelinePanel, x0: number, y0: number, width: number, height: number): void {
  const area = { left: x0 + margin.left, right: x0 + width - margin.right, top: y0 + margin.top, bottom: y0 + height - margin.bottom };
  const duration =
    panel.durationSeconds ?? Math.max(1, ...panel.series.flatMap((s) => s.points.map(([t]) => t)), ...panel.shaded.map((w) => w.to));
  const xOf = (t: number) => area.left + (Math.min(Math.max(t, 0), duration) / duration) * (area.right - area.left);
  const yOf = (value: number, max: number) => area.bottom - (Math.min(Math.max(value, 0), max) / max) * (area.bottom - area.top);

  canvas.text(area.left, y0 + 12, panel.title, chartColors.text, 2);

  // Grid and left axis ticks (5 steps).
  for (let step = 0; step <= 5; step += 1) {
    const y = area.bottom - (step / 5) * (area.bottom - area.top);
    canvas.line(area.left, y, area.right, y, chartColors.grid);
    const label = formatTick((panel.leftAxis.max * step) / 5);
    canvas.text(area.left - 8 - Canvas.textWidth(label), y - 3, label, chartColors.text);
    if (panel.rightAxis) canvas.text(area.right + 8, y - 3, formatTick((panel.rightAxis.max * step) / 5), chartColors.text);
  }
  const xStep = niceStep(duration / 10);
  for (let t = 0; t <= duration + 1e-9; t += xStep) {
    const x = xOf(t);
    canvas.line(x, area.bottom, x, area.bottom + 4, chartColors.axis);
    const label = formatTick(t);
    canvas.text(x - Canvas.textWidth(label) / 2, area.bottom + 8, label, chartColors.text);
  }
  canvas.text((area.left + area.right) / 2 - Canvas.textWidth('seconds') / 2, area.bottom + 22, 'seconds', chartColors.text);

  // Shaded windows under the lines.
  for (const window of panel.shaded) {
    canvas.fillRect(xOf(window.from), area.top, Math.max(1, xOf(window.to) - xOf(window.from)), area.bottom - area.top, chartColors.shade);
  }

  for (const series of panel.series) {
    const max = series.axis === 'left' ? panel.leftAxis.max : (panel.rightAxis?.max ?? panel.leftAxis.max);
    for (let i = 1; i < series.points.length; i += 1) {
      const [t0, v0] = series.points[i - 1];
      const [t1, v1] = series.points[i];
      canvas.line(xOf(t0), yOf(v0, max), xOf(t1), yOf(v1, max), series.color, 2);
    }
  }

  canvas.line(area.left, area.top, area.left, area.bottom, chartColors.axis);
  canvas.line(area.left, area.bottom, area.right, area.bottom, chartColors.axis);
  if (panel.rightAxis) canvas.line(area.right, area.top, area.right, area.bottom, chartColors.axis);
  canvas.text(x0 + 4, area.top - 12, panel.leftAxis.label, chartColors.text);
  if (panel.rightAxis) canvas.text(area.right - Canvas.textWidth(panel.rightAxis.label) + 60, area.top - 12, panel.rightAxis.label, chartColors.text);

  // Legend, top right.
  let lx = area.right - 10;
  const legend: Array<[string, Rgba]> = [...panel.series.map((s): [string, Rgba] => [s.label, s.color]), [panel.shadedLabel, chartColors.shade]];
  for (const [label, color] of legend.reverse()) {
    lx -= Canvas.textWidth(label) + 18;
    canvas.fillRect(lx, y0 + 14, 10, 7, color);
    canvas.text(lx + 14, y0 + 14, label, chartColors.text);
  }
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const multiple of [1, 2, 5, 10]) if (raw <= multiple * power) return multiple * power;
  return 10 * power;
}

function formatTick(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
