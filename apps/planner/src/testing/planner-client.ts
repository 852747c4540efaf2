import type * as grpc from '@grpc/grpc-js';
import {
  plannerClient as generatedPlannerClient,
  unary,
  type DiffRequest,
  type IntrospectRequest,
  type LintRequest,
  type PlanRequest,
  type ValidateSchemaRequest,
} from '@fleetshift/contracts';

/** The generated PlannerServiceClient (grpc-js) with promise-returning calls, for tests. */
export function plannerTestClient(address: string) {
  const client = generatedPlannerClient(address);
  return {
    plan: (request: PlanRequest) => unary(client, client.plan, request),
    diff: (request: DiffRequest) => unary(client, client.diff, request),
    lint: (request: LintRequest) => unary(client, client.lint, request),
    introspect: (request: IntrospectRequest) => unary(client, client.introspect, request),
    validateSchema: (request: ValidateSchemaRequest) => unary(client, client.validateSchema, request),
    close: () => client.close(),
  };
}

/** The gRPC error a promise rejects with (fails the test when it resolves). */
export async function grpcError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected the call to fail, it succeeded');
}
