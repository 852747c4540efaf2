import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startService, workspaceRoot, type ServiceProcess } from '@fleetshift/testing';

// The console as a process, with no scheduler or monitor behind it: the bind rules, and a page and an
// API that answer while the services are unreachable (naming what is down).
function runConsole(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const inherited = { ...process.env };
  delete inherited.FLEETSHIFT_API_TOKEN;
  delete inherited.FLEETSHIFT_INSECURE;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('apps', 'console', 'src', 'main.ts')], {
    cwd: workspaceRoot,
    env: { ...inherited, FLEETSHIFT_CONSOLE_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

const unreachable = { FLEETSHIFT_SCHEDULER_ADDR: '127.0.0.1:1', FLEETSHIFT_HEALTH_MONITOR_ADDR: '127.0.0.1:2' };

describe('the console process', () => {
  let service: ServiceProcess | undefined;
  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  it('refuses to serve off loopback without a token: exit 2, one line', async () => {
    const result = await runConsole({ FLEETSHIFT_CONSOLE_HOST: '0.0.0.0', ...unreachable });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'refusing to serve the web console on 0.0.0.0 without authentication: set FLEETSHIFT_API_TOKEN, bind FLEETSHIFT_CONSOLE_HOST=127.0.0.1, ' +
        'or accept an open API with --insecure / FLEETSHIFT_INSECURE=true\n',
    );
  });

  it('a bad setting is one line naming the variable, exit 2', async () => {
    const result = await runConsole({ FLEETSHIFT_SCHEDULER_ADDR: 'no-port' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('invalid configuration: FLEETSHIFT_SCHEDULER_ADDR="no-port": expected host:port\n');
  });

  it('off loopback with a token it serves; the page is open, /api needs the token and names an unreachable scheduler', async () => {
    service = await startService('console', { FLEETSHIFT_CONSOLE_HOST: '0.0.0.0', FLEETSHIFT_CONSOLE_PORT: '0', FLEETSHIFT_API_TOKEN: 'console-token', ...unreachable });
    const base = `http://127.0.0.1:${service.httpPort}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    expect((await fetch(`${base}/vendor/uplot/uPlot.esm.js`)).status).toBe(200);
    expect((await fetch(`${base}/package.json`)).status).toBe(404);
    expect(await (await fetch(`${base}/api/config`)).json()).toEqual({ auth: true });
    expect((await fetch(`${base}/api/rollouts`)).status).toBe(401);
    const headers = { authorization: 'Bearer console-token', 'x-fleetshift-console': '1' };
    const paused = await fetch(`${base}/api/rollouts/r1/pause`, { method: 'POST', headers });
    expect(paused.status).toBe(503);
    expect(((await paused.json()) as { error: string }).error).toMatch(/^UNAVAILABLE: /);
    expect(service.logs.map((line) => JSON.stringify(line)).filter((line) => line.includes('console-token'))).toEqual([]);
  });
});
