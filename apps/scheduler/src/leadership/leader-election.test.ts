import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@fleetshift/telemetry';
import { createTestDatabase, waitFor, type TestDatabase } from '@fleetshift/testing';
import { LeaderElection, leaderLockKey } from './leader-election.js';

// A new leader's start may wait a long time (its first step on row locks a frozen predecessor still
// holds); the election session must keep its heartbeats meanwhile, or the server ends it as idle and
// the leadership just won is lost again.
let database: TestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase('leader_election');
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

const lockHolders = async () =>
  (await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2`,
    [...leaderLockKey],
  )).rows[0].n;

describe('leader election', () => {
  it('keeps the leadership while a slow start outlasts the session timeout, and start() resolves once it has started', async () => {
    const events: string[] = [];
    let release!: () => void;
    const slowStart = new Promise<void>((resolve) => (release = resolve));
    const election = new LeaderElection(database.url, 'slow', { heartbeatMs: 100, sessionTimeoutMs: 400 }, createLogger('test', 'silent'), {
      elected: async () => {
        events.push('elected');
        await slowStart;
        events.push('started');
      },
      deposed: async (reason) => void events.push(`deposed: ${reason}`),
    });
    let startResolved = false;
    const started = election.start().then(() => (startResolved = true));
    await waitFor('elected', () => events.includes('elected'));
    // Three session timeouts with the start still waiting: the lock stays held, nothing is deposed.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(events).toEqual(['elected']);
    expect(election.isLeader).toBe(true);
    expect(await lockHolders()).toBe(1);
    expect(startResolved).toBe(false);
    release();
    await started;
    expect(events).toEqual(['elected', 'started']);
    await election.stop();
    expect(events).toEqual(['elected', 'started', 'deposed: stopping']);
    expect(await lockHolders()).toBe(0);
  });

  it('a start that fails gives the leadership up and campaigns again', async () => {
    const events: string[] = [];
    let attempts = 0;
    const election = new LeaderElection(database.url, 'failing', { heartbeatMs: 100, sessionTimeoutMs: 400 }, createLogger('test', 'silent'), {
      elected: async () => {
        attempts++;
        events.push(`elected ${attempts}`);
        if (attempts === 1) throw new Error('engine did not start');
      },
      deposed: async (reason) => void events.push(`deposed: ${reason}`),
    });
    await election.start();
    await waitFor('elected again', () => attempts >= 2, { timeoutMs: 10_000 });
    expect(events.slice(0, 3)).toEqual(['elected 1', 'deposed: election session failed: engine did not start', 'elected 2']);
    expect(election.isLeader).toBe(true);
    await election.stop();
  });
});
