import { isLoopbackHost } from '@fleetshift/telemetry';

/**
 * Whether this executor may run the tenant stand-in instead of plans (see README "Simulation mode").
 * Every condition must hold, so that a production executor cannot enter it by one stray variable:
 * - FLEETSHIFT_EXECUTOR_SIMULATE is exactly "1";
 * - NODE_ENV is not "production";
 * - the executor serves gRPC on a loopback address only (FLEETSHIFT_GRPC_HOST), and NATS is on loopback
 *   (FLEETSHIFT_NATS_URL): a simulation runs on one machine;
 * and, tenant by tenant, the stand-in touches only a database that carries the simulation marker
 * (simulated-fleet.ts): any other tenant fails NOT_SIMULATED, nothing reported as done.
 * Returns undefined when simulation is off, { simulate: true } when allowed, or the refusal to print.
 */
export function simulationMode(env: Record<string, string | undefined>): { simulate: boolean; refusal?: string } {
  const asked = env.FLEETSHIFT_EXECUTOR_SIMULATE;
  if (asked === undefined || asked === '' || asked === '0') return { simulate: false };
  const problems: string[] = [];
  if (asked !== '1') problems.push(`FLEETSHIFT_EXECUTOR_SIMULATE=${JSON.stringify(asked)}: only "1" turns simulation on`);
  if ((env.NODE_ENV ?? '').toLowerCase() === 'production') problems.push('NODE_ENV=production');
  const grpcHost = env.FLEETSHIFT_GRPC_HOST ?? '127.0.0.1';
  if (!isLoopbackHost(grpcHost)) problems.push(`FLEETSHIFT_GRPC_HOST=${grpcHost} is not a loopback address`);
  const natsUrl = env.FLEETSHIFT_NATS_URL ?? 'nats://127.0.0.1:4222';
  let natsHost = '';
  try {
    natsHost = new URL(natsUrl).hostname;
  } catch {
    natsHost = natsUrl;
  }
  if (!isLoopbackHost(natsHost)) problems.push(`FLEETSHIFT_NATS_URL host ${natsHost} is not a loopback address`);
  if (problems.length) return { simulate: false, refusal: `refusing simulation mode (FLEETSHIFT_EXECUTOR_SIMULATE): ${problems.join('; ')}` };
  return { simulate: true };
}
