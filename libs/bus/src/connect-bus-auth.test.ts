import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestCertificates, type TestCertificates } from '@fleetshift/telemetry/testing/certificates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus } from './connect-bus.js';
import { describeNatsSecurity, natsConnectOptions, natsSecurityFromEnv, NatsSecurityError } from './nats-security.js';

// A real nats-server with JetStream, a user/password and TLS, started by this test on a free port.

const password = 'nats-pass-s3cret';
let dir: string;
let certs: TestCertificates;
let server: ChildProcess;
let url: string;
let passwordFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fleetshift-nats-auth-'));
  certs = await createTestCertificates();
  passwordFile = path.join(dir, 'password');
  await writeFile(passwordFile, `${password}\n`);
  const port = await freePort();
  const config = path.join(dir, 'nats.conf');
  await writeFile(
    config,
    [
      `listen: "127.0.0.1:${port}"`,
      `authorization { users = [ { user: "fleet", password: "${password}" } ] }`,
      `tls { cert_file: "${certs.server.cert}", key_file: "${certs.server.key}", ca_file: "${certs.ca.cert}", timeout: 5 }`,
    ].join('\n'),
  );
  server = spawn('/usr/sbin/nats-server', ['-c', config, '-js', '-sd', path.join(dir, 'store')], { stdio: 'ignore' });
  url = `nats://127.0.0.1:${port}`;
  await waitForPort(port, 20_000);
});

afterAll(() => {
  server?.kill('SIGTERM');
});

const tlsOnly = () => ({ tlsCaFile: certs.ca.cert });

describe('connectBus against a NATS server with a user/password and TLS', () => {
  it('is refused without credentials, with a clear error naming the variables', async () => {
    const failure = await connectBus(url, 'auth-test', tlsOnly()).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^NATS at nats:\/\/127\.0\.0\.1:\d+ refused the connection's credentials \(.*\): set FLEETSHIFT_NATS_USER and FLEETSHIFT_NATS_PASSWORD_FILE/);
  });

  it('is refused with a wrong password, and the password never appears in the error', async () => {
    const wrong = path.join(dir, 'wrong');
    await writeFile(wrong, 'not-it');
    const failure = await connectBus(url, 'auth-test', { ...tlsOnly(), user: 'fleet', passwordFile: wrong }).catch((error: Error) => error);
    expect((failure as Error).message).toMatch(/refused the connection's credentials/);
    expect((failure as Error).message).not.toContain('not-it');
  });

  it('is refused without the CA (the server certificate is not trusted)', async () => {
    const failure = await connectBus(url, 'auth-test', { user: 'fleet', passwordFile }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^NATS not reachable at nats:\/\/127\.0\.0\.1:\d+: .*\(FLEETSHIFT_NATS_TLS_CA: the CA of the server's certificate\)$/);
  });

  it('works with the right user, password file and CA (JetStream included)', async () => {
    const nc = await connectBus(url, 'auth-test', { ...tlsOnly(), user: 'fleet', passwordFile });
    try {
      expect(nc.info?.tls_required).toBe(true);
      const reply = await nc.request('$JS.API.INFO', undefined, { timeout: 5_000 });
      expect(JSON.parse(new TextDecoder().decode(reply.data))).toHaveProperty('type', 'io.nats.jetstream.api.v1.account_info_response');
    } finally {
      await nc.close();
    }
  });

  it('reads the credentials from the FLEETSHIFT_NATS_* variables', async () => {
    const security = natsSecurityFromEnv({ FLEETSHIFT_NATS_USER: 'fleet', FLEETSHIFT_NATS_PASSWORD_FILE: passwordFile, FLEETSHIFT_NATS_TLS_CA: certs.ca.cert });
    expect(describeNatsSecurity(security)).toEqual({ auth: 'user', tls: 'tls' });
    expect(JSON.stringify(describeNatsSecurity(security))).not.toContain(password);
    const nc = await connectBus(url, 'auth-test', security);
    await nc.close();
  });
});

describe('NATS security settings', () => {
  it('name the variable that is wrong', () => {
    expect(() => natsConnectOptions({ user: 'fleet' })).toThrow(new NatsSecurityError('FLEETSHIFT_NATS_USER and FLEETSHIFT_NATS_PASSWORD_FILE must be set together'));
    expect(() => natsConnectOptions({ user: 'fleet', passwordFile: '/nonexistent/pw' })).toThrow('FLEETSHIFT_NATS_PASSWORD_FILE=/nonexistent/pw: cannot read: ENOENT');
    expect(() => natsConnectOptions({ user: 'fleet', passwordFile, credsFile: '/x' })).toThrow(/set one of/);
    expect(() => natsConnectOptions({ tlsCertFile: certs.client.cert, tlsKeyFile: certs.client.key })).toThrow(/need FLEETSHIFT_NATS_TLS_CA/);
    expect(natsConnectOptions({})).toEqual({});
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
