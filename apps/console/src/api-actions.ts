import { status, type ServiceError } from '@grpc/grpc-js';
import {
  CancelRolloutRequest,
  GetTenantRequest,
  ListRolloutTenantsRequest,
  ListTenantEventsRequest,
  ListTenantsRequest,
  PauseRolloutRequest,
  ResumeRolloutRequest,
  RetryFailedRequest,
  RolloutTenant,
  Tenant,
  TenantEvent,
  TenantRolloutState,
  unary,
  type Rollout,
} from '@fleetshift/contracts';
import type { Backends } from './backend-clients.js';

/** A request the console refuses itself, or a backend's refusal, as an HTTP status and one line. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const call = { deadline: () => ({ deadline: Date.now() + 15_000 }) };

/** The rollout actions the page offers, each one existing RolloutService RPC. */
export const rolloutActions = ['pause', 'resume', 'cancel', 'retry'] as const;
export type RolloutAction = (typeof rolloutActions)[number];

export async function runRolloutAction(backends: Backends, action: RolloutAction, rolloutId: string): Promise<{ rollout: Rollout; retried?: number }> {
  const client = backends.rollouts;
  const request = { rolloutId };
  const answer = await grpcCall(async () => {
    switch (action) {
      case 'pause':
        return unary(client, client.pauseRollout, PauseRolloutRequest.fromPartial(request), undefined, call.deadline());
      case 'resume':
        return unary(client, client.resumeRollout, ResumeRolloutRequest.fromPartial(request), undefined, call.deadline());
      case 'cancel':
        return unary(client, client.cancelRollout, CancelRolloutRequest.fromPartial(request), undefined, call.deadline());
      case 'retry':
        return unary(client, client.retryFailed, RetryFailedRequest.fromPartial(request), undefined, call.deadline());
    }
  });
  if (!answer.rollout) throw new ApiError(502, `the scheduler answered ${action} without the rollout`);
  return { rollout: answer.rollout, retried: 'retried' in answer ? (answer.retried as number) : undefined };
}

/** The page's names of tenant states (`failed`) → the enum; unknown names are refused naming them. */
export function tenantStatesFrom(names: string[]): TenantRolloutState[] {
  return names.map((name) => {
    const value = TenantRolloutState[`TENANT_ROLLOUT_STATE_${name.toUpperCase()}` as keyof typeof TenantRolloutState];
    if (typeof value !== 'number' || value <= 0) throw new ApiError(400, `state ${JSON.stringify(name)}: expected one of pending, queued, running, succeeded, failed, skipped, cancelled`);
    return value;
  });
}

export async function listRolloutTenants(backends: Backends, rolloutId: string, states: TenantRolloutState[], pageSize: number): Promise<unknown[]> {
  const client = backends.rollouts;
  const response = await grpcCall(() =>
    unary(client, client.listRolloutTenants, ListRolloutTenantsRequest.fromPartial({ rolloutId, states, limit: pageSize }), undefined, call.deadline()),
  );
  return response.tenants.map((tenant) => RolloutTenant.toJSON(tenant));
}

/** One tenant and its history (oldest first), from the scheduler's GetTenant and ListTenantEvents. */
export async function tenantWithHistory(backends: Backends, tenantId: string, pageSize: number): Promise<{ tenant: unknown; events: unknown[] }> {
  const client = backends.tenants;
  const [tenant, history] = await grpcCall(() =>
    Promise.all([
      unary(client, client.getTenant, GetTenantRequest.fromPartial({ tenantId }), undefined, call.deadline()),
      unary(client, client.listTenantEvents, ListTenantEventsRequest.fromPartial({ tenantId, limit: pageSize }), undefined, call.deadline()),
    ]),
  );
  return { tenant: tenant.tenant ? Tenant.toJSON(tenant.tenant) : undefined, events: history.events.map((event) => TenantEvent.toJSON(event)) };
}

export interface TenantSearch {
  blueprint: string;
  clusterId: string;
  labels: Record<string, string>;
  pageSize: number;
}

/** Tenants by blueprint, cluster and labels (all optional, AND), first page, ordered by id. */
export async function searchTenants(backends: Backends, search: TenantSearch): Promise<{ tenants: unknown[]; total: number }> {
  const client = backends.tenants;
  const response = await grpcCall(() =>
    unary(
      client,
      client.listTenants,
      ListTenantsRequest.fromPartial({ blueprint: search.blueprint, clusterId: search.clusterId, labels: search.labels, pageSize: search.pageSize }),
      undefined,
      call.deadline(),
    ),
  );
  return { tenants: response.tenants.map((tenant) => Tenant.toJSON(tenant)), total: response.total };
}

/** A label filter `key=value` → { key: value }; anything else is refused naming it. */
export function labelsFrom(values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new ApiError(400, `label ${JSON.stringify(value)}: expected key=value`);
    labels[value.slice(0, at)] = value.slice(at + 1);
  }
  return labels;
}

const httpStatusOf: Partial<Record<status, number>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.NOT_FOUND]: 404,
  [status.FAILED_PRECONDITION]: 409,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAVAILABLE]: 503,
  [status.DEADLINE_EXCEEDED]: 504,
};

/** Runs gRPC calls; a refusal becomes an ApiError with the service's own words (the caller's fault: 4xx). */
async function grpcCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const failure = error as Partial<ServiceError>;
    if (typeof failure.code !== 'number') throw error;
    // UNAUTHENTICATED from a service means the console's own token is wrong: the operator's fault, not the browser's.
    const code = httpStatusOf[failure.code] ?? 502;
    throw new ApiError(code, `${status[failure.code]}: ${failure.details ?? failure.message}`);
  }
}
