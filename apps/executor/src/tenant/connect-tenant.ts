import type { ConnectionTarget } from '@fleetshift/contracts';
import type { ConnectionSlot } from './connection-slot.js';
import type { TenantConnection } from './tenant-connection.js';
import type { TenantOutcome, TenantReporter } from './tenant-report.js';

/** SQLSTATEs of a server that is up but refuses sessions for now (too many connections, starting up). */
const refusesForNow = new Set(['53300', '57P03']);

/**
 * The tenant's connection, from the worker's slot (reused when it already serves the tenant's database).
 * A server that refuses sessions for now defers the tenant; an unreachable one fails it (UNREACHABLE).
 */
export async function connectTenant(
  slot: ConnectionSlot,
  target: ConnectionTarget,
  reporter: TenantReporter,
): Promise<{ connection: TenantConnection } | { outcome: TenantOutcome }> {
  try {
    return { connection: await slot.acquire(target) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = (error as Error).message;
    if (code && refusesForNow.has(code)) {
      reporter.log.warn({ sqlstate: code, reason }, 'tenant database refuses connections for now: deferred');
      return { outcome: reporter.defer(reason) };
    }
    return { outcome: await reporter.fail('UNREACHABLE', reason) };
  }
}
