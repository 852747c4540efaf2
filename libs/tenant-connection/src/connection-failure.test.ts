import pg from 'pg';
import { ConnectionTarget } from '@fleetshift/contracts';
import { findPostgres } from '@fleetshift/testing';
import { describe, expect, it } from 'vitest';
import { describeTarget, targetConnectionConfig } from './connection-config.js';
import { connectFailedError, connectionFailureReason, isConnectionFailure } from './connection-failure.js';

async function connectError(target: ConnectionTarget): Promise<unknown> {
  const client = new pg.Client(targetConnectionConfig(target, { applicationName: 'fleetshift-test', connectTimeoutMs: 5_000 }));
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => undefined);
  }
  throw new Error(`connected to ${describeTarget(target)}`);
}

async function localTarget(database: string): Promise<ConnectionTarget> {
  const url = new URL(await findPostgres());
  return ConnectionTarget.fromPartial({ host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), database });
}

describe('connection failures (real PostgreSQL)', () => {
  it('an unreachable port: a connection failure, described by host:port/database and the errno, without the password', async () => {
    process.env.FLEETSHIFT_PW_TEST_SECRET = 's3cret-value';
    const target = ConnectionTarget.fromPartial({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'nowhere', passwordEnv: 'FLEETSHIFT_PW_TEST_SECRET' });
    const error = await connectError(target);
    expect(isConnectionFailure(error)).toBe(true);
    expect(connectionFailureReason(error)).toMatch(/ECONNREFUSED/);
    const failure = connectFailedError(describeTarget(target), error);
    expect(failure.message).toMatch(/^cannot connect to postgresql:\/\/postgres@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/);
    expect(failure.code).toBe('ECONNREFUSED');
    expect(failure.message).not.toContain('s3cret-value');
    expect(isConnectionFailure(new Error('wrapped', { cause: error }))).toBe(true);
  });

  it('a database that does not exist: a connection failure (3D000) naming the database', async () => {
    const target = await localTarget('fs_test_no_such_database');
    const error = await connectError(target);
    expect(isConnectionFailure(error)).toBe(true);
    expect((error as { code?: string }).code).toBe('3D000');
    const failure = connectFailedError(describeTarget(target), error);
    expect(failure.message).toContain(`${target.host}:${target.port}/fs_test_no_such_database: database "fs_test_no_such_database" does not exist`);
    expect(failure.code).toBe('3D000');
  });

  it('an error inside a working session is not a connection failure', async () => {
    const client = new pg.Client(targetConnectionConfig(await localTarget('postgres'), { applicationName: 'fleetshift-test', connectTimeoutMs: 5_000 }));
    await client.connect();
    try {
      const error = await client.query('SELECT * FROM fs_no_such_table').catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe('42P01');
      expect(isConnectionFailure(error)).toBe(false);
    } finally {
      await client.end();
    }
  });

  it('the first of an AggregateError and the innermost cause give the reason', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' });
    const aggregate = new AggregateError([refused, new Error('other')], '');
    expect(isConnectionFailure(aggregate)).toBe(true);
    expect(connectionFailureReason(aggregate)).toBe('connect ECONNREFUSED ::1:5432');
    expect(connectionFailureReason(new Error('outer', { cause: new Error('inner') }))).toBe('inner');
    expect(connectFailedError('x', aggregate).code).toBe('ECONNREFUSED');
  });
});
