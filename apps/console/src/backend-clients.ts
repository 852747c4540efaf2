import * as grpc from '@grpc/grpc-js';
import { HealthMonitorServiceClient, RolloutServiceClient, TenantServiceClient, type ClientTransport } from '@fleetshift/contracts';

export interface BackendOptions {
  /** host:port of the scheduler (RolloutService, TenantService). */
  schedulerAddress: string;
  /** host:port of the health monitor (HealthMonitorService). */
  healthMonitorAddress: string;
  /** Sent as `authorization: Bearer …` on every call when set. */
  apiToken?: string;
  transport: ClientTransport;
}

/** The console's gRPC clients: it reads and steers through the services' APIs, never their databases. */
export interface Backends {
  rollouts: RolloutServiceClient;
  tenants: TenantServiceClient;
  monitor: HealthMonitorServiceClient;
  close(): void;
}

export function connectBackends(options: BackendOptions): Backends {
  const channelOptions: Partial<grpc.ClientOptions> = {
    ...options.transport.options,
    interceptors: bearerInterceptors(options.apiToken),
    // A restarted service is followed again within seconds, not after grpc-js's default backoff (up to 2 min).
    'grpc.initial_reconnect_backoff_ms': 500,
    'grpc.max_reconnect_backoff_ms': 5_000,
  };
  const rollouts = new RolloutServiceClient(options.schedulerAddress, options.transport.credentials, channelOptions);
  const tenants = new TenantServiceClient(options.schedulerAddress, options.transport.credentials, channelOptions);
  const monitor = new HealthMonitorServiceClient(options.healthMonitorAddress, options.transport.credentials, channelOptions);
  return { rollouts, tenants, monitor, close: () => [rollouts, tenants, monitor].forEach((client) => client.close()) };
}

/** Adds `authorization: Bearer <token>` to every call (unary and streaming) when a token is set. */
function bearerInterceptors(token: string | undefined): grpc.Interceptor[] {
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
