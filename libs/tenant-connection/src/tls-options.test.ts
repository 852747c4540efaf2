import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ConnectionTarget } from '@fleetshift/contracts';
import { findPostgres } from '@fleetshift/testing';
import { InvalidRequestError } from '@fleetshift/telemetry';
import { describe, expect, it } from 'vitest';
import { targetConnectionConfig } from './connection-config.js';
import { SecretSourceRefusedError, type SecretPolicy } from './secret-policy.js';
import { SslModeError, tlsOptions } from './tls-options.js';

const secrets = mkdtempSync(path.join(tmpdir(), 'fs-tls-'));
writeFileSync(path.join(secrets, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nnot-checked-here\n-----END CERTIFICATE-----\n');
const policy: SecretPolicy = { passwordEnvPrefix: 'FLEETSHIFT_PW_', secretsDir: secrets };

describe('TLS of tenant sessions (sslmode)', () => {
  it('maps each sslmode to node-pg ssl options', () => {
    expect(tlsOptions({}, 's', policy)).toBe(false);
    expect(tlsOptions({ sslmode: 'disable' }, 's', policy)).toBe(false);
    expect(tlsOptions({ sslmode: 'prefer' }, 's', policy)).toEqual({ rejectUnauthorized: false });
    expect(tlsOptions({ sslmode: 'require' }, 's', policy)).toEqual({ rejectUnauthorized: false });
    const full = tlsOptions({ sslmode: 'verify-full', sslRootCertFile: 'ca.pem' }, 's', policy);
    expect(full).toEqual({ rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE') });
    expect(tlsOptions({ sslmode: 'verify-full' }, 's', policy)).toEqual({ rejectUnauthorized: true });
    const ca = tlsOptions({ sslmode: 'verify-ca', sslRootCertFile: path.join(secrets, 'ca.pem') }, 's', policy);
    expect(ca).toMatchObject({ rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE') });
    expect((ca as { checkServerIdentity: () => unknown }).checkServerIdentity()).toBeUndefined();
  });

  it('refuses an unknown sslmode (INVALID_ARGUMENT) and a CA file outside the secrets directory (PERMISSION_DENIED)', () => {
    expect(() => tlsOptions({ sslmode: 'allow' }, 'cluster c', policy)).toThrow(
      'cluster c: sslmode "allow" is not one of disable, prefer, require, verify-ca, verify-full',
    );
    expect(() => tlsOptions({ sslmode: 'allow' }, 'cluster c', policy)).toThrow(InvalidRequestError);
    expect(() => tlsOptions({ sslmode: 'verify-full', sslRootCertFile: '/etc/shadow' }, 'cluster c', policy)).toThrow(SecretSourceRefusedError);
    expect(() => tlsOptions({ sslmode: 'verify-full', sslRootCertFile: '../x' }, 'cluster c', policy)).toThrow(/ssl_root_cert_file "\.\.\/x" is refused/);
    expect(new SslModeError('x')).toBeInstanceOf(InvalidRequestError);
  });

  it('asks the server for TLS: require against the local PostgreSQL without TLS fails, disable connects', async () => {
    const url = new URL(await findPostgres());
    const target = ConnectionTarget.fromPartial({ host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), database: 'postgres' });
    const options = { applicationName: 'fleetshift-test', connectTimeoutMs: 5_000 };
    const plain = new pg.Client({ ...targetConnectionConfig({ ...target, sslmode: 'disable' }, options), password: decodeURIComponent(url.password) || undefined });
    await plain.connect();
    const { rows } = await plain.query<{ ssl: string }>('SHOW ssl');
    await plain.end();
    const secured = new pg.Client({ ...targetConnectionConfig({ ...target, sslmode: 'require' }, options), password: decodeURIComponent(url.password) || undefined });
    secured.on('error', () => undefined);
    const outcome = await secured.connect().then(
      async () => {
        const { rows: used } = await secured.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        return used[0]!.ssl ? 'tls' : 'plain';
      },
      (error: Error) => error.message,
    );
    await secured.end().catch(() => undefined);
    // The server decides whether TLS is possible; the client never silently falls back to plaintext.
    expect(outcome).toBe(rows[0]!.ssl === 'on' ? 'tls' : 'The server does not support SSL connections');
  });
});
