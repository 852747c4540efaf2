import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { deployedApps, runtimeFiles, type DeployedApp } from './deployed-apps.js';
import { packagesMissingAtRuntime } from './runtime-packages.js';

export interface BuildImagesOptions {
  /** The monorepo root (where apps/ and libs/ are). */
  workspaceRoot: string;
  /** Where `<app>/main.js` go; emptied first. Default `<workspaceRoot>/dist`. */
  outDir?: string;
  apps?: readonly DeployedApp[];
}

export interface BuiltApp {
  app: DeployedApp;
  /** Absolute path of the bundle to run with `node`. */
  main: string;
  /** Runtime files copied beside it (relative to its directory). */
  files: string[];
}

/**
 * Compiles each service to one ESM file, `dist/<app>/main.js`: the workspace's own TypeScript (apps and
 * @fleetshift/* libs) is bundled, every npm package stays an import resolved from node_modules at run
 * time — some load files of their own (protos, wasm, pino's worker transports) that a bundle would lose.
 * This is exactly what the Dockerfile's build stage runs (`npm run build:images`).
 */
export async function buildImages(options: BuildImagesOptions): Promise<BuiltApp[]> {
  const root = options.workspaceRoot;
  const outDir = options.outDir ?? path.join(root, 'dist');
  const { dependencies = {} } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  await rm(outDir, { recursive: true, force: true });
  const built: BuiltApp[] = [];
  for (const app of options.apps ?? deployedApps) built.push(await buildApp(root, outDir, app, dependencies));
  return built;
}

async function buildApp(root: string, outDir: string, app: DeployedApp, dependencies: Record<string, string>): Promise<BuiltApp> {
  const appDir = path.join(outDir, app);
  const main = path.join(appDir, 'main.js');
  const result = await build({
    absWorkingDir: root,
    entryPoints: [path.join('apps', app, 'src', 'main.ts')],
    outfile: main,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // Stack traces point at the TypeScript (the image runs node --enable-source-maps).
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [npmPackagesExternal],
  });
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path));
  const missing = packagesMissingAtRuntime(imports, dependencies);
  if (missing.length > 0) {
    throw new Error(`${app} imports ${missing.join(', ')}, not in package.json's dependencies: the image keeps only those (npm prune --omit=dev)`);
  }
  const files: string[] = [];
  for (const input of Object.keys(result.metafile.inputs)) {
    const source = path.join(root, input);
    const wanted = runtimeFiles[input];
    if (!wanted) {
      if (/\.[cm]?ts$/.test(input) && (await readFile(source, 'utf8')).includes('import.meta.url')) {
        throw new Error(`${input} (bundled into ${app}) uses import.meta.url but is not in runtimeFiles: its files would be missing from the image`);
      }
      continue;
    }
    for (const relative of wanted) {
      if (files.includes(relative)) throw new Error(`two modules of ${app} read ${relative} beside themselves`);
      await cp(path.join(path.dirname(source), relative), path.join(appDir, relative), { recursive: true });
      files.push(relative);
    }
  }
  // The bundle is ESM whatever package.json is nearest to it at run time.
  await writeFile(path.join(appDir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
  return { app, main, files };
}

/** Bare imports of anything but the workspace's own @fleetshift/* packages stay imports. */
const npmPackagesExternal: Plugin = {
  name: 'npm-packages-external',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@fleetshift/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};
