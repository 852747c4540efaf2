import * as grpc from '@grpc/grpc-js';
import { allPages, callMetadata, TenantServiceClient, unary, type ClientTransport } from '@fleetshift/contracts';
import type { ClusterSource } from './cluster-source.js';
import { clusterSpecFromRegistration } from './cluster-registration.js';

export interface SchedulerClusterSourceOptions {
  /** host:port of the scheduler's gRPC server (FLEETSHIFT_SCHEDULER_ADDR). */
  address: string;
  /** Sent as `authorization: Bearer …` when set (FLEETSHIFT_API_TOKEN). */
  apiToken?: string;
  /** TLS to the scheduler (FLEETSHIFT_TLS_CA…); plaintext when unset. */
  transport?: ClientTransport;
  /** Deadline of one ListClusters call. */
  callTimeoutMs?: number;
}

/** Codes that mean "the scheduler cannot be reached right now", as opposed to a refusal. */
const unreachable = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);

/**
 * The clusters registered with the scheduler, from its TenantService.ListClusters: the scheduler owns the
 * control-plane database, the monitor asks its API. A failed call throws (the monitor keeps its current
 * list and asks again); the error's message names the scheduler's address and the status only, so one
 * outage reads as one message however the transport words each attempt (that wording is its cause).
 */
export function schedulerClusterSource(options: SchedulerClusterSourceOptions): ClusterSource {
  const { address, apiToken, transport, callTimeoutMs = 5_000 } = options;
  // Reconnect within seconds of the scheduler coming back, not after grpc-js's default backoff (up to 2 min).
  const client = new TenantServiceClient(address, transport?.credentials ?? grpc.credentials.createInsecure(), {
    ...transport?.options,
    'grpc.initial_reconnect_backoff_ms': 500,
    'grpc.max_reconnect_backoff_ms': 5_000,
  });
  return {
    kind: 'scheduler',
    async list() {
      try {
        // Every page (ListClusters answers at most 1000 clusters per call), each call with its own deadline.
        const clusters = await allPages(
          (pageToken) => unary(client, client.listClusters, { pageSize: 0, pageToken }, callMetadata(apiToken), { deadline: Date.now() + callTimeoutMs }),
          (page) => page.clusters,
        );
        return clusters.map((cluster) => clusterSpecFromRegistration(cluster));
      } catch (error) {
        throw listError(address, error as Partial<grpc.ServiceError>);
      }
    },
    close: async () => client.close(),
  };
}

function listError(address: string, error: Partial<grpc.ServiceError>): Error {
  if (typeof error.code !== 'number') return new Error(`cannot list clusters from the scheduler at ${address}: ${error.message}`, { cause: error });
  const status = grpc.status[error.code] ?? String(error.code);
  if (unreachable.has(error.code)) {
    return new Error(`cannot list clusters: the scheduler at ${address} is unreachable (${status})`, { cause: error });
  }
  return new Error(`cannot list clusters: the scheduler at ${address} answered ${status}: ${error.details}`, { cause: error });
}
