import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteIdent } from '@fleetshift/sql-quote';
import { redactUrl } from '@fleetshift/telemetry/redact';
import { databaseUrlFor } from './database-url.js';
import type { SandboxOptions } from './sandbox.js';
import { createLoadRole, dropLoadRole, ensureSandboxGroup, giveDatabaseTo, type LoadRole } from './sandbox-role.js';
import { guardSession } from './sandbox-session.js';

/** Every scratch database's name starts with this, so a leftover is recognisable (and droppable) by name. */
export const SCRATCH_DATABASE_PREFIX = 'fleetshift_scratch_';

export interface ScratchDatabaseOptions {
  /**
   * Goes into the name (fleetshift_scratch_<tag>_<random>), so one caller's scratch databases can be told
   * from another's on a shared server (a planner pod, a test file). Letters, digits and _ only.
   */
  tag?: string;
  /**
   * Run `fn`'s connection in the sandbox (see SandboxOptions): the database is owned by a login role made
   * for it, `fn`'s client connects as that role, under the sandbox's statement_timeout and session bound.
   * Without it `fn` connects as `serverUrl`'s user: only for text the caller trusts.
   */
  sandbox?: SandboxOptions;
  /** Aborting cancels the statement `fn` is running (then terminates its backend) and drops the database. */
  signal?: AbortSignal;
}

/** fleetshift_scratch_[<tag>_]<16 hex digits>. */
export function scratchDatabaseName(tag?: string): string {
  if (tag !== undefined && !/^[a-z0-9_]{1,20}$/.test(tag)) {
    throw new Error(`scratch database tag ${JSON.stringify(tag)} must be 1-20 of a-z, 0-9, _`);
  }
  return `${SCRATCH_DATABASE_PREFIX}${tag ? `${tag}_` : ''}${randomBytes(8).toString('hex')}`;
}

/**
 * Runs `fn` against a fresh, empty database on the server at `serverUrl` (a connection URL to any
 * database there, usually `postgres`), created from template0, and drops it afterwards — also when
 * `fn` throws — with WITH (FORCE) so a session left open cannot keep it alive.
 * `fn` gets a connected client and the database's URL (for tools that open their own connections; in
 * the sandbox that URL carries the load role and its password).
 *
 * With `sandbox`, the connection at `serverUrl` stays the privileged one (it creates the role and the
 * database, hands the database over, watches the session, drops both) and never runs `fn`'s SQL.
 * Why a separate login role rather than `SET ROLE` on the privileged session: the caller's text can run
 * `RESET ROLE` / `SET SESSION AUTHORIZATION` in a PL/pgSQL function's dynamic SQL (the parser never sees
 * those strings), which takes a `SET ROLE` session back to the privileged user; a session that logged in
 * as the sandbox role has nothing to go back to.
 */
export async function withScratchDatabase<T>(
  serverUrl: string,
  fn: (client: pg.Client, url: string) => Promise<T>,
  opts: ScratchDatabaseOptions = {},
): Promise<T> {
  opts.signal?.throwIfAborted();
  const name = scratchDatabaseName(opts.tag);
  const admin = new pg.Client({ connectionString: serverUrl, application_name: 'fleetshift-scratch' });
  await admin.connect().catch((error: unknown) => {
    throw new Error(`cannot connect to the scratch PostgreSQL server ${redactUrl(serverUrl)}: ${(error as Error).message}`, {
      cause: error,
    });
  });
  let role: LoadRole | undefined;
  try {
    if (opts.sandbox) await ensureSandboxGroup(admin, redactUrl(serverUrl), opts.sandbox.group);
    await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
    const drop = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      if (role) await dropLoadRole(admin, role.name);
    };
    let result: T;
    try {
      if (opts.sandbox) {
        role = await createLoadRole(admin, opts.sandbox.group);
        await giveDatabaseTo(admin, name, role.name, opts.sandbox.statementTimeoutMs);
      }
      result = await runIn(admin, databaseUrlFor(serverUrl, name, role), fn, opts);
    } catch (error) {
      // The callback's error is the one worth reporting; a failing drop must not replace it.
      await drop().catch(() => undefined);
      throw error;
    }
    await drop();
    return result;
  } finally {
    await admin.end().catch(() => undefined);
  }
}

async function runIn<T>(
  admin: pg.Client,
  url: string,
  fn: (client: pg.Client, url: string) => Promise<T>,
  opts: ScratchDatabaseOptions,
): Promise<T> {
  const { sandbox, signal } = opts;
  const client = new pg.Client({
    connectionString: url,
    application_name: 'fleetshift-scratch',
    // A startup option: RESET statement_timeout (as the plan runner does after each step) returns to it.
    ...(sandbox ? { options: `-c statement_timeout=${Math.trunc(sandbox.statementTimeoutMs)}` } : {}),
  });
  await client.connect();
  const guard = sandbox || signal ? guardSession(admin, client, { timeoutMs: sandbox?.sessionTimeoutMs ?? 2 ** 31 - 1, signal }) : undefined;
  try {
    // A scratch database is thrown away: durability of its commits buys nothing.
    await client.query('SET client_min_messages = warning; SET synchronous_commit = off');
    return await fn(client, url);
  } catch (error) {
    // Stopped from outside: whatever the interrupted query reported, the reason is the stop.
    throw guard?.stopped ?? error;
  } finally {
    guard?.dispose();
    await client.end().catch(() => undefined);
  }
}
