import * as grpc from '@grpc/grpc-js';
import {
  callMetadata,
  PlannerServiceClient,
  unary,
  type ClientTransport,
  type DiffRequest,
  type DiffResponse,
  type PlanRequest,
  type PlanResponse,
  type ValidateSchemaRequest,
  type ValidateSchemaResponse,
} from '@fleetshift/contracts';
import { InvalidRequestError, UnavailableError } from '@fleetshift/telemetry';

/** The planner calls the scheduler makes, as promises. */
export interface Planner {
  validateSchema(request: ValidateSchemaRequest): Promise<ValidateSchemaResponse>;
  diff(request: DiffRequest): Promise<DiffResponse>;
  plan(request: PlanRequest): Promise<PlanResponse>;
  close(): void;
}

/** Planner calls time out after this long (a Plan introspects a live tenant). */
const plannerDeadlineMs = 60_000;

/**
 * A client of the planner's gRPC PlannerService at `address`, plaintext unless `transport` says TLS.
 * INVALID_ARGUMENT answers become InvalidRequestError (the planner's message is the caller's),
 * UNAVAILABLE ones UnavailableError.
 */
export function connectPlanner(address: string, apiToken?: string, transport?: ClientTransport): Planner {
  const client = new PlannerServiceClient(address, transport?.credentials ?? grpc.credentials.createInsecure(), transport?.options);
  const call = async <Req, Res>(method: Parameters<typeof unary<Req, Res>>[1], request: Req): Promise<Res> => {
    try {
      return await unary(client, method, request, callMetadata(apiToken), { deadline: Date.now() + plannerDeadlineMs });
    } catch (error) {
      throw translate(error as grpc.ServiceError, address);
    }
  };
  return {
    validateSchema: (request) => call(client.validateSchema, request),
    diff: (request) => call(client.diff, request),
    plan: (request) => call(client.plan, request),
    close: () => client.close(),
  };
}

function translate(error: grpc.ServiceError, address: string): Error {
  if (error.code === grpc.status.INVALID_ARGUMENT) return new InvalidRequestError(error.details);
  if (error.code === grpc.status.UNAVAILABLE) return new UnavailableError(`planner at ${address}: ${error.details}`);
  return new Error(`planner at ${address}: ${grpc.status[error.code] ?? error.code}: ${error.details}`);
}
