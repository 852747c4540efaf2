import type { Plan } from '@fleetshift/contracts';
import type pg from 'pg';
import { catalogDifferences } from '../catalog/catalog-differences.js';
import { fingerprint } from '../catalog/fingerprint.js';
import type { Catalog } from '../catalog/model.js';
import { UnsupportedChangeError } from '../changes/support/unsupported-change.js';
import { introspect } from '../introspect/introspect.js';
import type { ParsedSchema } from '../parse/parsed-schema.js';
import { withScratchDatabase } from '../load/scratch-database.js';
import type { SandboxOptions } from '../load/sandbox.js';
import { quoteIdent } from '@fleetshift/sql-quote';
import { buildPlan } from './build-plan.js';
import { PlanDidNotConvergeError, type NonConvergenceStage } from './plan-did-not-converge.js';
import { runPlan, StepFailed } from '@fleetshift/plan-runner';

export interface VerifyPlanOptions {
  /** A server where a scratch database may be created and dropped (as for loadDesiredSchema). */
  scratchServerUrl: string;
  /** Schema scope: the catalogs were read with this schema, and the plan is schema-relative. */
  schema?: string;
  /** Tag for the scratch database's name (default "verify"). */
  scratchTag?: string;
  /**
   * Schema scope only: the desired schema's CREATE EXTENSION statements (`extensionStatements(parsed)`).
   * Run as loading runs them (search_path = the schema) before the copy is built; those that land in a
   * shared schema (`… SCHEMA public`: outside the catalog) stay, so the copy has the types and functions
   * the schema's objects use; those that land in the schema itself are removed again (the from-state
   * says whether it has them).
   */
  prelude?: readonly string[];
  /**
   * Replay in the sandbox (docs/security.md), as loading does: the from-state's DDL (read from a tenant)
   * and the plan's steps (from the desired text) are caller-controlled code. Its size and statement
   * policies apply to texts, not here; its role, statement_timeout and session bound do.
   */
  sandbox?: SandboxOptions;
  /** Aborting stops the replay: the running statement is cancelled and the scratch database dropped. */
  signal?: AbortSignal;
}

/** Differences named in the error message; the error's `differences` holds them all. */
const NAMED_DIFFERENCES = 5;

/**
 * Proves a plan before it leaves the planner (docs/architecture.md, "Plan verification"): in a scratch
 * database, builds a copy of the from-state (schema only) with the planner's own DDL
 * (`buildPlan(<empty>, from)`), checks the copy reads back as `from`, replays the plan's steps as the
 * executor runs them (runPlan from libs/plan-runner), introspects, and requires the result to be `to`.
 * Throws PlanDidNotConvergeError naming the first differing objects, or the failing step; the scratch
 * database is always dropped.
 *
 * The copy has no rows and no INVALID index leftovers (PostgreSQL cannot create an index INVALID on
 * purpose): those leftovers are left out of the check, and the plan drops them with IF EXISTS.
 * In schema scope, objects of extensions installed outside the schema must come from `prelude`.
 * Cost: one scratch database, the from-state's DDL, the plan and two introspections — PostgreSQL's DDL
 * speed, roughly twice what loading the desired schema costs.
 */
export async function verifyPlan(from: Catalog, plan: Plan, to: Catalog, opts: VerifyPlanOptions): Promise<void> {
  const fromFingerprint = plan.fromFingerprint || fingerprint(from);
  const toFingerprint = plan.toFingerprint || fingerprint(to);
  if (plan.fromFingerprint && plan.fromFingerprint !== fingerprint(from)) {
    throw new Error(`verifyPlan: the plan was computed from ${plan.fromFingerprint}, not from the given from-state ${fingerprint(from)}`);
  }
  const schema = opts.schema || undefined;
  const fail = (stage: NonConvergenceStage, differences: string[], detail: string, step?: number, cause?: unknown) =>
    new PlanDidNotConvergeError(stage, fromFingerprint, toFingerprint, differences, detail, step, cause === undefined ? undefined : { cause });

  await withScratchDatabase(
    opts.scratchServerUrl,
    async (client) => {
      if (schema) {
        await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
        await installSharedExtensions(client, schema, opts.prelude ?? []);
      }
      const expectedFrom = withoutInvalidIndexes(from);
      await buildFromState(client, expectedFrom, schema, fail);
      const copy = await introspect(client, { schema });
      const copyDifferences = catalogDifferences(copy, expectedFrom);
      if (copyDifferences.length > 0) {
        throw fail('from-state', copyDifferences, `the scratch copy of the from-state differs from it: ${named(copyDifferences)}`);
      }

      try {
        await runPlan(client, plan, { schema });
      } catch (error) {
        if (!(error instanceof StepFailed)) throw error;
        throw fail('apply', [], `on a scratch copy of the from-state, ${withSql(error)}`, error.stepNumber, error);
      }
      const result = await introspect(client, { schema });
      const differences = catalogDifferences(result, to);
      if (differences.length > 0) {
        throw fail('result', differences, `after its ${plan.steps.length} step(s) the schema differs from the desired one: ${named(differences)}`);
      }
    },
    { tag: opts.scratchTag ?? 'verify', sandbox: opts.sandbox, signal: opts.signal },
  );
}

async function buildFromState(
  client: pg.ClientBase,
  from: Catalog,
  schema: string | undefined,
  fail: (stage: NonConvergenceStage, differences: string[], detail: string, step?: number, cause?: unknown) => PlanDidNotConvergeError,
): Promise<void> {
  const nothing = await introspect(client, { schema });
  let setup: Plan;
  try {
    setup = buildPlan(nothing, from);
  } catch (error) {
    if (!(error instanceof UnsupportedChangeError)) throw error;
    throw fail('from-state', [], `the from-state cannot be created from an empty database: ${error.message}`, undefined, error);
  }
  try {
    await runPlan(client, setup, { schema });
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
    throw fail('from-state', [], `creating the from-state in a scratch database failed at ${withSql(error)}`, undefined, error);
  }
}

async function installSharedExtensions(client: pg.ClientBase, schema: string, statements: readonly string[]): Promise<void> {
  if (statements.length === 0) return;
  await client.query(`SET search_path = ${quoteIdent(schema)}`);
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.query('RESET search_path');
  }
  const { rows } = await client.query<{ extname: string }>(
    'SELECT e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname = $1',
    [schema],
  );
  for (const { extname } of rows) await client.query(`DROP EXTENSION ${quoteIdent(extname)}`);
}

/** A failed step's message with its SQL on one line: a non-converging plan is a planner bug to report. */
function withSql(error: StepFailed): string {
  return `${error.message} (SQL: ${error.step.sql.replace(/\s+/g, ' ')})`;
}

function named(differences: readonly string[]): string {
  const shown = differences.slice(0, NAMED_DIFFERENCES).join('; ');
  return differences.length > NAMED_DIFFERENCES ? `${shown}; and ${differences.length - NAMED_DIFFERENCES} more` : shown;
}

/** The from-state without INVALID indexes (leftovers of failed concurrent builds), which a copy cannot have. */
function withoutInvalidIndexes(catalog: Catalog): Catalog {
  return {
    ...catalog,
    tables: catalog.tables.map((t) => ({ ...t, indexes: t.indexes.filter((i) => i.valid) })),
    views: catalog.views.map((v) => (v.indexes ? { ...v, indexes: v.indexes.filter((i) => i.valid) } : v)),
  };
}

/** The CREATE EXTENSION statements of a parsed desired schema, as VerifyPlanOptions.prelude. */
export function extensionStatements(parsed: ParsedSchema): string[] {
  return parsed.statements.filter((s) => s.kind === 'CREATE EXTENSION').map((s) => s.sql);
}
