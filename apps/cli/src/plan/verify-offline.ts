import type { Plan, SchemaSource } from '@fleetshift/contracts';
import { extensionStatements, parseSchemaSource, PlanDidNotConvergeError, verifyPlan, type Catalog } from '@fleetshift/schema';
import { redactUrl } from '@fleetshift/telemetry';
import { connectionFailureReason, isConnectionFailure } from '@fleetshift/tenant-connection';
import { CliError, badInput } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

/**
 * `plan --verify`: replays the plan on a scratch copy of the from-state (schema only) and requires the
 * result to be the desired state, as the planner service does before it answers a plan. A plan that does
 * not converge is a planner bug: exit 1 with what differs (not a stack).
 */
export async function verifyOffline(
  from: Catalog,
  plan: Plan,
  to: Catalog,
  opts: { scratchServerUrl: string; schema: string | undefined; sources: SchemaSource[] },
): Promise<void> {
  const { scratchServerUrl, schema } = opts;
  try {
    // Schema scope: extensions the files install in a shared schema (… SCHEMA public) are outside both catalogs.
    const prelude = schema ? (await Promise.all(opts.sources.map(async (s) => extensionStatements(await parseSchemaSource(s))))).flat() : [];
    await verifyPlan(from, plan, to, { scratchServerUrl, schema, scratchTag: 'cli', prelude });
  } catch (error) {
    if (error instanceof PlanDidNotConvergeError) throw new CliError(`--verify: ${error.message}`, ExitCode.FAILURE);
    if (isConnectionFailure(error)) {
      throw badInput(`--verify: the scratch server ${redactUrl(scratchServerUrl)} is unreachable: ${connectionFailureReason(error)} (set FLEETSHIFT_SCRATCH_PG_URL or PG_URL)`);
    }
    throw error;
  }
}
