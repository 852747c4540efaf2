import { glyph, glyphHeight, glyphWidth } from './bitmap-font.js';
import type { Raster } from './png-encode.js';

export type Rgba = [number, number, number, number];

/** A minimal raster canvas: pixels, rectangles, lines and 5×7 bitmap text, alpha-blended. */
export class Canvas implements Raster {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgba = [255, 255, 255, 255],
  ) {
    this.pixels = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  pixel(x: number, y: number): Rgba {
    const i = (Math.round(y) * this.width + Math.round(x)) * 4;
    return [this.pixels[i], this.pixels[i + 1], this.pixels[i + 2], this.pixels[i + 3]];
  }

  plot(x: number, y: number, [r, g, b, a]: Rgba): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const i = (py * this.width + px) * 4;
    const alpha = a / 255;
    this.pixels[i] = Math.round(r * alpha + this.pixels[i] * (1 - alpha));
    this.pixels[i + 1] = Math.round(g * alpha + this.pixels[i + 1] * (1 - alpha));
    this.pixels[i + 2] = Math.round(b * alpha + this.pixels[i + 2] * (1 - alpha));
    this.pixels[i + 3] = 255;
  }

  fillRect(x: number, y: number, width: number, height: number, color: Rgba): void {
    for (let py = Math.max(0, Math.round(y)); py < Math.min(this.height, Math.round(y + height)); py += 1) {
      for (let px = Math.max(0, Math.round(x)); px < Math.min(this.width, Math.round(x + width)); px += 1) this.plot(px, py, color);
    }
  }

  /** A line of the given thickness (Bresenham, thickened with squares). */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgba, thickness = 1): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    const half = Math.floor(thickness / 2);
    let last = '';
    for (let s = 0; s <= steps; s += 1) {
      const x = Math.round(x0 + ((x1 - x0) * s) / steps);
      const y = Math.round(y0 + ((y1 - y0) * s) / steps);
      const key = `${x},${y}`;
      if (key === last) continue;
      last = key;
      for (let dy = -half; dy <= thickness - 1 - half; dy += 1) {
        for (let dx = -half; dx <= thickness - 1 - half; dx += 1) this.plot(x + dx, y + dy, color);
      }
    }
  }

  /** Text in the 5×7 bitmap font, `scale` pixels per font pixel; returns the width drawn. */
  text(x: number, y: number, value: string, color: Rgba, scale = 1): number {
    let cx = x;
    for (const character of value) {
      const rows = glyph(character);
      for (let row = 0; row < glyphHeight; row += 1) {
        for (let column = 0; column < glyphWidth; column += 1) {
          if (rows[row] & (1 << (glyphWidth - 1 - column))) this.fillRect(cx + column * scale, y + row * scale, scale, scale, color);
        }
      }
      cx += (glyphWidth + 1) * scale;
    }
    return cx - x;
  }

  static textWidth(value: string, scale = 1): number {
    return [...value].length * (glyphWidth + 1) * scale;
  }
}
