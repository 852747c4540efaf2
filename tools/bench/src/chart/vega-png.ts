import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * A Vega-Lite spec rendered server-side: compiled to Vega, drawn by a headless View to SVG
 * (`view.toSVG()`), rasterised to PNG by resvg with the host's fonts (DejaVu Sans on Debian). No
 * browser, no canvas package.
 */
export async function renderVegaLitePng(spec: TopLevelSpec, options: { scale?: number } = {}): Promise<Buffer> {
  const svg = await renderVegaLiteSvg(spec);
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: options.scale ?? 1.5 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** The spec as SVG text (what the PNG is rasterised from). */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
