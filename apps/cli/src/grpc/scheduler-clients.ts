import * as grpc from '@grpc/grpc-js';
import { clientTransport, ClientTlsError, RolloutServiceClient, SchemaServiceClient, TenantServiceClient, type ClientTransport } from '@fleetshift/contracts';
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
 * every call when set). The channel is plaintext unless FLEETSHIFT_TLS_CA is set (then TLS, with
 * FLEETSHIFT_TLS_CLIENT_CERT / FLEETSHIFT_TLS_CLIENT_KEY for mTLS; see cliTransport).
 */
export function connectScheduler(env: NodeJS.ProcessEnv = process.env): SchedulerConnection {
  const address = serviceAddress('FLEETSHIFT_SCHEDULER_ADDR', defaultSchedulerAddress, env);
  const transport = cliTransport(env);
  const options: Partial<grpc.ClientOptions> = { ...transport.options, interceptors: bearerInterceptors(env.FLEETSHIFT_API_TOKEN) };
  const credentials = transport.credentials;
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

/** The TLS settings of the environment (FLEETSHIFT_TLS_CA…); an unusable file is bad input naming its variable. */
export function cliTransport(env: NodeJS.ProcessEnv): ClientTransport {
  try {
    return clientTransport(env);
  } catch (error) {
    if (error instanceof ClientTlsError) throw badInput(error.message);
    throw error;
  }
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
