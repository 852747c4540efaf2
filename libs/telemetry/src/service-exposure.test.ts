import { afterEach, describe, expect, it } from 'vitest';
import { exposureRefusal, insecureRequested, isLoopbackHost } from './bind-exposure.js';
import { startEchoProcess, type EchoProcess } from './testing/echo-process.js';
import { bearer, lint } from './testing/grpc-clients.js';

const soon = { timeout: 30_000 };
const refusal =
  'refusing to serve gRPC on 0.0.0.0 without authentication: set FLEETSHIFT_API_TOKEN (or mTLS: FLEETSHIFT_TLS_CERT, FLEETSHIFT_TLS_KEY and ' +
  'FLEETSHIFT_TLS_CLIENT_CA), bind FLEETSHIFT_GRPC_HOST=127.0.0.1, or accept an open API with --insecure / FLEETSHIFT_INSECURE=true\n';

describe('which bind addresses are loopback', () => {
  it('127.0.0.0/8, ::1 and localhost only', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '[::]', '10.0.0.5', '192.168.1.1', 'fleetshift-planner', '127.0.0.1.example.com']) expect(isLoopbackHost(host)).toBe(false);
  });

  it('outside loopback: a token, mTLS or an explicit insecure is required', () => {
    const open = { host: '0.0.0.0', mtls: false, insecure: false };
    expect(exposureRefusal(open)).toBe(refusal.trimEnd());
    expect(exposureRefusal({ ...open, apiToken: 't' })).toBeUndefined();
    expect(exposureRefusal({ ...open, mtls: true })).toBeUndefined();
    expect(exposureRefusal({ ...open, insecure: true })).toBeUndefined();
    expect(exposureRefusal({ ...open, host: '127.0.0.1' })).toBeUndefined();
    const console = { what: 'the web console', hostVariable: 'FLEETSHIFT_CONSOLE_HOST', mtls: false };
    expect(exposureRefusal({ ...open, host: '::', served: console })).toBe(
      'refusing to serve the web console on :: without authentication: set FLEETSHIFT_API_TOKEN, bind FLEETSHIFT_CONSOLE_HOST=127.0.0.1, ' +
        'or accept an open API with --insecure / FLEETSHIFT_INSECURE=true',
    );
    expect(exposureRefusal({ ...open, host: '::', served: console, apiToken: 't' })).toBeUndefined();
    expect(insecureRequested(false, ['node', 'main.ts', '--insecure'])).toBe(true);
    expect(insecureRequested(false, ['node', 'main.ts'])).toBe(false);
    expect(insecureRequested(true, ['node', 'main.ts'])).toBe(true);
  });
});

describe('a service process and its bind address', () => {
  let service: EchoProcess | undefined;
  afterEach(() => service?.kill());

  it('refuses to start on 0.0.0.0 without a token: exit 2, one line', async () => {
    service = startEchoProcess({ FLEETSHIFT_GRPC_HOST: '0.0.0.0' });
    expect((await service.exited).code).toBe(2);
    expect(service.stderr()).toBe(refusal);
    expect(service.logs.some((l) => l.msg === 'listening')).toBe(false);
  });

  it('refuses unusable TLS files in one line naming the variable', async () => {
    service = startEchoProcess({ FLEETSHIFT_TLS_CERT: '/nonexistent/tls.crt', FLEETSHIFT_TLS_KEY: '/nonexistent/tls.key' });
    expect((await service.exited).code).toBe(2);
    expect(service.stderr()).toBe('invalid configuration: FLEETSHIFT_TLS_CERT=/nonexistent/tls.crt: cannot read: ENOENT\n');
  });

  it('starts on loopback by default without a token', async () => {
    service = startEchoProcess({});
    await expect.poll(() => service!.logs.find((l) => l.msg === 'listening'), soon).toMatchObject({ host: '127.0.0.1', auth: false, tls: 'off' });
    const port = service.logs.find((l) => l.msg === 'listening')!.grpcPort;
    expect((await lint(`127.0.0.1:${port}`, 'SELECT 1')).findings[0]!.message).toBe('SELECT 1');
  });

  for (const [how, env, args] of [
    ['with a token', { FLEETSHIFT_API_TOKEN: 's3cret-token' }, []],
    ['with --insecure', {}, ['--insecure']],
    ['with FLEETSHIFT_INSECURE=true', { FLEETSHIFT_INSECURE: 'true' }, []],
  ] as const) {
    it(`starts on 0.0.0.0 ${how}`, async () => {
      service = startEchoProcess({ FLEETSHIFT_GRPC_HOST: '0.0.0.0', ...env }, [...args]);
      await expect.poll(() => service!.logs.find((l) => l.msg === 'listening'), soon).toMatchObject({ host: '0.0.0.0' });
      expect(service.stderr()).toBe('');
    });
  }
});

describe('an unhandled rejection in a service', () => {
  it('logs one line without secrets and exits 1', async () => {
    const service = startEchoProcess({ FLEETSHIFT_API_TOKEN: 'tok-s3cret' });
    try {
      await expect.poll(() => service.logs.find((l) => l.msg === 'listening'), soon).toBeDefined();
      const port = service.logs.find((l) => l.msg === 'listening')!.grpcPort;
      await lint(`127.0.0.1:${port}`, 'reject', bearer('tok-s3cret')).catch(() => undefined);
      expect((await service.exited).code).toBe(1);
      const fatal = service.logs.filter((l) => l.level === 60);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatchObject({ msg: 'unhandled promise rejection: exiting', failure: { type: 'Error' } });
      const line = JSON.stringify(fatal[0]);
      expect(line).toContain('lost connection to postgresql://fleet:***@db:5432/x');
      expect(line).not.toContain('pg-s3cret');
      expect(line).not.toContain('tok-s3cret');
    } finally {
      service.kill();
    }
  });
});
