import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth, findNats, findPostgres, listServicesByReflection, workspaceRoot } from '@fleetshift/testing';
import { buildImages, type BuiltApp } from './build-images.js';
import { deployedApps, runtimeFiles } from './deployed-apps.js';
import { imageUser } from './image-user.js';
import { spawnReadOnly } from './testing/read-only-sandbox.js';
import { startBundle, type BundleProcess } from './testing/start-bundle.js';

// The image's build stage, for real: the same buildImages() `npm run build:images` runs, then the
// compiled services started as the pods start them — plain node on dist/<app>/main.js, no tsx, as user
// 1000 on a read-only root filesystem with only /tmp writable — answering gRPC health as the kubelet's
// probes ask it. Built under the workspace (not /tmp) because, as in the image, the bundles resolve their
// npm packages from the node_modules above them.
const appDir = path.join(workspaceRoot, '.fleetshift', 'test-output', 'image-build');
const outDir = path.join(appDir, 'dist');
let built: BuiltApp[];
const running: BundleProcess[] = [];

beforeAll(async () => {
  built = await buildImages({ workspaceRoot, outDir });
});

afterAll(async () => {
  await Promise.all(running.map((service) => service.stop('SIGKILL')));
});

describe('npm run build:images', () => {
  it('compiles every deployed service to dist/<app>/main.js with the files it reads at run time', async () => {
    expect(built.map((b) => b.app)).toEqual([...deployedApps]);
    for (const { app, main } of built) expect(path.relative(appDir, main)).toBe(`dist/${app}/main.js`);
    const scheduler = built.find((b) => b.app === 'scheduler')!;
    expect(scheduler.files.sort()).toEqual(['gen/descriptor-set.binpb', 'migrations']);
    const migrations = await readdir(path.join(path.dirname(scheduler.main), 'migrations'));
    expect(migrations.filter((file) => file.endsWith('.sql')).length).toBeGreaterThan(0);
  });

  it('the sandbox the services run in below is read-only but for /tmp, and unprivileged', async () => {
    const script = `
      const fs = require('node:fs');
      const tryWrite = (file) => { try { fs.writeFileSync(file, 'x'); fs.rmSync(file); return 'written'; } catch (e) { return e.code; } };
      console.log(JSON.stringify({ uid: process.getuid(), dist: tryWrite('dist/probe'), root: tryWrite('/probe'), tmp: tryWrite('/tmp/probe') }));`;
    const child = spawnReadOnly(process.execPath, ['-e', script], { cwd: appDir, env: process.env });
    let stdout = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ uid: imageUser, dist: 'EROFS', root: 'EROFS', tmp: 'written' });
  });

  it.each([
    ['planner', ['fleetshift.v1.PlannerService']],
    ['scheduler', ['fleetshift.v1.RolloutService', 'fleetshift.v1.SchemaService', 'fleetshift.v1.TenantService']],
    ['executor', []],
    ['health-monitor', ['fleetshift.v1.HealthMonitorService']],
  ] as Array<[string, string[]]>)('the built %s runs under plain node, read-only and unprivileged, and answers SERVING', async (app, services) => {
    await Promise.all([findPostgres(), findNats()]);
    const service = await startBundle(appDir, `dist/${app}/main.js`);
    running.push(service);
    const address = `127.0.0.1:${service.grpcPort}`;
    expect(await checkHealth(address)).toBe('SERVING');
    for (const name of services) expect(await checkHealth(address, name)).toBe('SERVING');
    // Reflection reads the descriptor set copied beside the bundle.
    expect(await listServicesByReflection(address)).toEqual([...services, 'grpc.health.v1.Health'].sort());
    expect(await service.stop('SIGTERM')).toBe(0);
  });

  it('refuses to bundle a module that reads files beside itself unless they are listed', async () => {
    const listed = runtimeFiles['libs/contracts/src/descriptor-set.ts']!;
    delete runtimeFiles['libs/contracts/src/descriptor-set.ts'];
    try {
      await expect(buildImages({ workspaceRoot, outDir: path.join(appDir, 'unlisted'), apps: ['planner'] })).rejects.toThrow(
        /libs\/contracts\/src\/descriptor-set\.ts \(bundled into planner\) uses import\.meta\.url but is not in runtimeFiles/,
      );
    } finally {
      runtimeFiles['libs/contracts/src/descriptor-set.ts'] = listed;
    }
  });
});
