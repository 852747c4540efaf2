import * as grpc from '@grpc/grpc-js';
import { RolloutServiceClient, SchemaServiceClient, TenantServiceClient } from '@fleetshift/contracts';
import { badInput } from '../cli-error.js';

/** The scheduler's address when FLEETSHIFT_SCHEDULER_ADDR is unset (its default gRPC port). */
export const defaultSchedulerAddress = '127.0.0.1:50052';

export interface SchedulerConnection {
  address: string;
  schemas: InstanceType<typeof SchemaServiceClient>;
  tenants: InstanceType<typeof TenantServiceClient>;
  rollouts: InstanceType<typeof RolloutServiceClient>;
  /** Closes every client's channel; call it before the command returns. */
  close(): void;
}

/**
 * Clients for the scheduler's services, for commands such as rollout, watch and tenants. Reads
 * FLEETSHIFT_SCHEDULER_ADDR (host:port) and FLEETSHIFT_API_TOKEN (sent as `authorization: Bearer …` on
 * every call when set). The channel is plaintext, like the services.
 */
export function connectScheduler(env: NodeJS.ProcessEnv = process.env): SchedulerConnection {
  const address = serviceAddress('FLEETSHIFT_SCHEDULER_ADDR', defaultSchedulerAddress, env);
  const options: Partial<grpc.ClientOptions> = { interceptors: bearerInterceptors(env.FLEETSHIFT_API_TOKEN) };
  const credentials = grpc.credentials.createInsecure();
  const schemas = new SchemaServiceClient(address, credentials, options);
  const tenants = new TenantServiceClient(address, credentials, options);
  const rollouts = new RolloutServiceClient(address, credentials, options);
  return {
    address,
    schemas,
    tenants,
    rollouts,
    close: () => [schemas, tenants, rollouts].forEach((client) => client.close()),
  };
}

/** The host:port in `variable`, else `fallback`; anything but host:port is bad input naming the variable. */
export function serviceAddress(variable: string, fallback: string, env: NodeJS.ProcessEnv): string {
  const address = env[variable] || fallback;
  if (!/^[^\s:/]+:\d{1,5}$/.test(address) && !/^\[[0-9a-f:]+\]:\d{1,5}$/i.test(address)) {
    throw badInput(`${variable}=${JSON.stringify(address)}: expected host:port`);
  }
  return address;
}

/** Adds `authorization: Bearer <token>` to every call when a token is set. */
export function bearerInterceptors(token: string | undefined): grpc.Interceptor[] {
  if (!token) return [];
  const interceptor: grpc.Interceptor = (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
  return [interceptor];
}
