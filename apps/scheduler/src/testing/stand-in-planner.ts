import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import {
  PlannerServiceService,
  type Hazard,
  type Plan,
  type PlannerServiceServer,
  type SchemaSource,
} from '@fleetshift/contracts';
import { parseSchemaSource, SchemaInputError } from '@fleetshift/schema';

/**
 * A small PlannerService for scheduler tests that must not depend on the real planner's progress: it
 * validates with the real parser (libs/schema), and "diffs" by statement: the steps are the statements of
 * `to` missing from `from`; a statement of `from` missing from `to` is a DELETES_DATA hazard. Fingerprints
 * hash the sorted statements (not the live catalog), so it is fit for the scheduler's bookkeeping, not for
 * an executor's drift check. Plan connects to the tenant (UNAVAILABLE when it cannot) and plans from empty.
 */
export async function startStandInPlanner(): Promise<{ address: string; calls: Record<string, number>; stop(): Promise<void> }> {
  const calls: Record<string, number> = { validateSchema: 0, diff: 0, plan: 0 };
  const server = new grpc.Server();
  const implementation: PlannerServiceServer = {
    validateSchema: (call, callback) => {
      calls.validateSchema++;
      statements(call.request.schema!).then(
        (list) => callback(null, { fingerprint: fingerprintOf(list), tables: list.filter((s) => /^create table/i.test(s)).length, indexes: 0 }),
        (error: Error) => callback({ code: grpc.status.INVALID_ARGUMENT, details: error.message }),
      );
    },
    diff: (call, callback) => {
      calls.diff++;
      const { from, to, schema, allowHazards } = call.request;
      Promise.all([statements(from!), statements(to!)]).then(
        ([a, b]) => callback(null, planResponse(a, b, Boolean(schema), allowHazards)),
        (error: Error) => callback({ code: grpc.status.INVALID_ARGUMENT, details: error.message }),
      );
    },
    plan: (call, callback) => {
      calls.plan++;
      const { tenant, schema, allowHazards } = call.request;
      const client = new pg.Client({
        host: tenant!.host,
        port: tenant!.port,
        user: tenant!.user,
        database: tenant!.database,
        password: tenant!.passwordEnv ? process.env[tenant!.passwordEnv] : undefined,
        connectionTimeoutMillis: 3000,
      });
      client
        .connect()
        .then(() => client.end())
        .then(
          () => statements(schema!).then((b) => callback(null, planResponse([], b, Boolean(tenant!.schema), allowHazards))),
          (error: Error) => callback({ code: grpc.status.UNAVAILABLE, details: `cannot connect to tenant ${tenant!.database}: ${error.message}` }),
        );
    },
    lint: (_call, callback) => callback(null, { findings: [] }),
    introspect: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'stand-in planner' }),
  };
  server.addService(PlannerServiceService, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { address: `127.0.0.1:${port}`, calls, stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

async function statements(source: SchemaSource): Promise<string[]> {
  if (!source.text.trim()) return [];
  try {
    return (await parseSchemaSource(source)).statements.map((s) => s.sql.trim());
  } catch (error) {
    if (error instanceof SchemaInputError) throw error;
    throw new Error(`stand-in planner: ${(error as Error).message}`);
  }
}

function fingerprintOf(list: string[]): string {
  return createHash('sha256').update([...list].sort().join(';\n')).digest('hex');
}

function planResponse(from: string[], to: string[], schemaRelative: boolean, allow: string[]): { plan: Plan | undefined; refusedHazards: Hazard[] } {
  const dropped = from.filter((s) => !to.includes(s));
  const hazards: Hazard[] = dropped.map((s) => ({ code: 'DELETES_DATA', message: `drops what "${s.slice(0, 40)}" created` }));
  const refused = hazards.filter((h) => !allow.includes(h.code) && !allow.includes('all'));
  if (refused.length) return { plan: undefined, refusedHazards: refused };
  const steps = to
    .filter((s) => !from.includes(s))
    .map((sql) => ({
      sql,
      change: 'stand-in',
      description: sql.slice(0, 60),
      transactional: true,
      group: 1,
      lock: 0,
      lockTarget: '',
      rewritesTable: false,
      scansTable: false,
      hazards: [],
      lockTimeoutMs: 2000,
      statementTimeoutMs: 60_000,
      cleanupSql: '',
    }));
  return {
    plan: { fromFingerprint: fingerprintOf(from), toFingerprint: fingerprintOf(to), steps, hazards, schemaRelative },
    refusedHazards: [],
  };
}
