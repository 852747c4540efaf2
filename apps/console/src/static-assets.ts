import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  contentType: string;
  body: Buffer;
}

const publicDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');
const require = createRequire(import.meta.url);
/** The folder of a package's main file (its dist folder), found as Node resolves it. */
const packageDist = (name: string) => path.dirname(require.resolve(name));

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** URL path → file: the page's own files and the browser builds of the chart library and the SSE parser. */
function assetFiles(): Record<string, string> {
  const page = ['index.html', 'app.js', 'api.js', 'dom.js', 'rollouts.js', 'clusters.js', 'tenants.js', 'format.js', 'styles.css'];
  const uplot = packageDist('uplot');
  const parser = packageDist('eventsource-parser');
  return {
    '/': path.join(publicDir, 'index.html'),
    ...Object.fromEntries(page.map((file) => [`/${file}`, path.join(publicDir, file)])),
    '/vendor/uplot/uPlot.esm.js': path.join(uplot, 'uPlot.esm.js'),
    '/vendor/uplot/uPlot.min.css': path.join(uplot, 'uPlot.min.css'),
    ...Object.fromEntries(['index.js', 'parse.js', 'errors.js', 'stream.js', 'types.js'].map((file) => [`/vendor/eventsource-parser/${file}`, path.join(parser, file)])),
  };
}

/**
 * Every static file the console serves, read once at start (a missing one stops the start with its
 * path). Only these paths are served: a request path is a key of this table, never a file name.
 */
export function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [urlPath, file] of Object.entries(assetFiles())) {
    assets.set(urlPath, { contentType: contentTypes[path.extname(file)] ?? 'application/octet-stream', body: readFileSync(file) });
  }
  return assets;
}
