import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cluster, ConnectionTarget } from '@fleetshift/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterConnectionConfig, describeClusterDatabase, describeTarget, targetConnectionConfig } from './connection-config.js';
import { PasswordSourceError, readPassword } from './password-source.js';

// Password files must be inside the operator's secrets directory (secret-policy.ts): the temp dir here.
const secretsRoot = mkdtempSync(path.join(tmpdir(), 'fs-secrets-'));
beforeAll(() => {
  process.env.FLEETSHIFT_SECRETS_DIR = secretsRoot;
});
afterAll(() => {
  delete process.env.FLEETSHIFT_SECRETS_DIR;
});

describe('password sources', () => {
  it('reads the password from the variable or the file the target names, never from the message', () => {
    process.env.FLEETSHIFT_PW_TEST_TENANT = 'from-env';
    expect(readPassword(ConnectionTarget.fromPartial({ passwordEnv: 'FLEETSHIFT_PW_TEST_TENANT' }), 'tenant t')).toBe('from-env');
    const file = path.join(mkdtempSync(path.join(secretsRoot, 'fs-pw-')), 'pw');
    writeFileSync(file, 'from-file\n');
    expect(readPassword(ConnectionTarget.fromPartial({ passwordFile: file }), 'tenant t')).toBe('from-file');
    expect(readPassword(ConnectionTarget.fromPartial({}), 'tenant t')).toBeUndefined();
    expect(() => readPassword(ConnectionTarget.fromPartial({ passwordEnv: 'FLEETSHIFT_PW_TEST_UNSET' }), 'tenant t')).toThrow(/FLEETSHIFT_PW_TEST_UNSET is not set/);
    expect(() => readPassword(ConnectionTarget.fromPartial({ passwordFile: `${file}.missing` }), 'tenant t')).toThrow(/cannot be read: ENOENT/);
  });

  it('prefers password_env, keeps a file password without its one trailing newline, and an empty variable is a password', () => {
    const file = path.join(mkdtempSync(path.join(secretsRoot, 'fs-pw-')), 'pw');
    writeFileSync(file, 'two\nlines\r\n');
    process.env.FLEETSHIFT_PW_TEST_EMPTY = '';
    expect(readPassword({ passwordEnv: 'FLEETSHIFT_PW_TEST_TENANT', passwordFile: file }, 'x')).toBe('from-env');
    expect(readPassword({ passwordFile: file }, 'x')).toBe('two\nlines');
    expect(readPassword({ passwordEnv: 'FLEETSHIFT_PW_TEST_EMPTY' }, 'x')).toBe('');
  });

  it('names the subject, the variable or file and the field in the error, never a value', () => {
    process.env.FLEETSHIFT_PW_TEST_TENANT = 'not-a-real-s3cret';
    const unset = () => readPassword({ passwordEnv: 'FLEETSHIFT_PW_TEST_UNSET' }, 'cluster eu-1');
    expect(unset).toThrow(PasswordSourceError);
    expect(unset).toThrow('cluster eu-1: password variable FLEETSHIFT_PW_TEST_UNSET is not set (password_env)');
    expect(() => readPassword({ passwordFile: `${secretsRoot}/nonexistent/fs-pw` }, 'cluster eu-1')).toThrow(
      `cluster eu-1: password_file ${secretsRoot}/nonexistent/fs-pw cannot be read: ENOENT`,
    );
  });

  it('builds pg settings from a target or a cluster, reading the password it names', () => {
    process.env.FLEETSHIFT_PW_TEST_TENANT = 'from-env';
    const target = ConnectionTarget.fromPartial({ host: 'db1', port: 5433, user: 'app', database: 'acme', passwordEnv: 'FLEETSHIFT_PW_TEST_TENANT' });
    expect(targetConnectionConfig(target, { applicationName: 'app-x', connectTimeoutMs: 1234 })).toEqual({
      host: 'db1', port: 5433, user: 'app', database: 'acme', password: 'from-env', ssl: false, application_name: 'app-x', connectionTimeoutMillis: 1234,
    });
    expect(targetConnectionConfig(ConnectionTarget.fromPartial({ database: 'd' }), { applicationName: 'a', connectTimeoutMs: 1 })).toMatchObject({
      host: '127.0.0.1', port: 5432, user: 'postgres', password: undefined,
    });
    const cluster = Cluster.fromPartial({ id: 'c1', host: 'db2', port: 6432, adminUser: 'fleet', passwordEnv: 'FLEETSHIFT_PW_TEST_UNSET' });
    expect(() => clusterConnectionConfig(cluster, 'ops', { applicationName: 'a', connectTimeoutMs: 1 })).toThrow(
      'cluster c1: password variable FLEETSHIFT_PW_TEST_UNSET is not set',
    );
    expect(clusterConnectionConfig({ ...cluster, passwordEnv: '' }, 'ops', { applicationName: 'a', connectTimeoutMs: 1 })).toMatchObject({
      host: 'db2', port: 6432, user: 'fleet', database: 'ops', password: undefined,
    });
  });

  it('describes a target without its password', () => {
    process.env.FLEETSHIFT_PW_TEST_TENANT = 'from-env';
    const target = ConnectionTarget.fromPartial({ host: 'db1', port: 5433, user: 'app', database: 'acme', passwordEnv: 'FLEETSHIFT_PW_TEST_TENANT' });
    expect(describeTarget(target)).toBe('postgresql://app@db1:5433/acme');
    expect(describeTarget({ ...target, schema: 't_42' })).toBe('postgresql://app@db1:5433/acme');
    expect(describeClusterDatabase(Cluster.fromPartial({ id: 'c', host: 'h', port: 1, adminUser: 'a' }), 'db')).toBe('postgresql://a@h:1/db');
  });
});
