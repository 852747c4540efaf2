import { credentials, Metadata, type CallOptions, type Client, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { HealthMonitorServiceClient } from './gen/fleetshift/v1/health_monitor.js';
import { PlannerServiceClient } from './gen/fleetshift/v1/planner.js';
import { RolloutServiceClient } from './gen/fleetshift/v1/rollout.js';
import { SchemaServiceClient } from './gen/fleetshift/v1/schema.js';
import { TenantServiceClient } from './gen/fleetshift/v1/tenant.js';

/** The metadata every call carries: the bearer token when one is configured. */
export function callMetadata(apiToken?: string): Metadata {
  const metadata = new Metadata();
  if (apiToken) metadata.set('authorization', `Bearer ${apiToken}`);
  return metadata;
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Calls a ts-proto grpc-js unary method as a promise: `await unary(client, client.getRollout, req)`. */
export function unary<Req, Res>(
  client: Client,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata = new Metadata(),
  options: Partial<CallOptions> = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, options, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** Typed clients of the scheduler's three services on one address. */
export function schedulerClients(address: string) {
  const insecure = credentials.createInsecure();
  return {
    schemas: new SchemaServiceClient(address, insecure),
    tenants: new TenantServiceClient(address, insecure),
    rollouts: new RolloutServiceClient(address, insecure),
  };
}

export function plannerClient(address: string): PlannerServiceClient {
  return new PlannerServiceClient(address, credentials.createInsecure());
}

export function healthMonitorClient(address: string): HealthMonitorServiceClient {
  return new HealthMonitorServiceClient(address, credentials.createInsecure());
}
