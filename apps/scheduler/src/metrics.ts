import { Counter, Gauge, type Registry } from 'prom-client';

export interface SchedulerMetrics {
  rolloutTenants: Gauge<'rollout_id' | 'state'>;
  batchesPublished: Counter<'cluster_id'>;
  results: Counter<'state'>;
  duplicateResults: Counter;
  tenantsProvisioned: Counter<'isolation'>;
  rolloutsCreated: Counter;
  batchesRepublished: Counter<'cluster_id'>;
  batchesDeadLettered: Counter<'cluster_id'>;
  staleResults: Counter;
  controlPublished: Counter;
  controlBacklog: Gauge;
  controlBacklogAge: Gauge;
  leader: Gauge;
  leadershipChanges: Counter<'change'>;
}

/** The scheduler's metrics, registered on the service registry (names prefixed fleetshift_). */
export function createSchedulerMetrics(registry: Registry): SchedulerMetrics {
  return {
    rolloutTenants: new Gauge({
      name: 'fleetshift_rollout_tenants',
      help: 'Tenants of each active rollout by state',
      labelNames: ['rollout_id', 'state'],
      registers: [registry],
    }),
    batchesPublished: new Counter({
      name: 'fleetshift_batches_published_total',
      help: 'Batch jobs published on JetStream',
      labelNames: ['cluster_id'],
      registers: [registry],
    }),
    results: new Counter({
      name: 'fleetshift_tenant_results_total',
      help: 'Tenant results consumed from executors, by reported state',
      labelNames: ['state'],
      registers: [registry],
    }),
    duplicateResults: new Counter({
      name: 'fleetshift_tenant_results_duplicate_total',
      help: 'Tenant results delivered more than once (ignored)',
      registers: [registry],
    }),
    tenantsProvisioned: new Counter({
      name: 'fleetshift_tenants_provisioned_total',
      help: 'Tenants provisioned (database or schema created and brought to the latest version)',
      labelNames: ['isolation'],
      registers: [registry],
    }),
    rolloutsCreated: new Counter({ name: 'fleetshift_rollouts_created_total', help: 'Rollouts created', registers: [registry] }),
    batchesRepublished: new Counter({
      name: 'fleetshift_batches_republished_total',
      help: 'Overdue batches the reaper published again because no publication of them was left in JetStream',
      labelNames: ['cluster_id'],
      registers: [registry],
    }),
    batchesDeadLettered: new Counter({
      name: 'fleetshift_batches_dead_lettered_total',
      help: 'Batches JetStream gave up on after max_deliver deliveries, copied to the dead-letter stream',
      labelNames: ['cluster_id'],
      registers: [registry],
    }),
    staleResults: new Counter({
      name: 'fleetshift_tenant_results_stale_total',
      help: 'Tenant results of an earlier batch or attempt than the tenant is queued in (kept in history, state unchanged)',
      registers: [registry],
    }),
    controlPublished: new Counter({
      name: 'fleetshift_control_published_total',
      help: 'Rollout control states the outbox relay published to the rollouts KV bucket',
      registers: [registry],
    }),
    controlBacklog: new Gauge({
      name: 'fleetshift_control_outbox_unpublished',
      help: 'Control outbox rows not yet published to the bus (seen by the leader)',
      registers: [registry],
    }),
    controlBacklogAge: new Gauge({
      name: 'fleetshift_control_outbox_oldest_seconds',
      help: 'Age of the oldest unpublished control outbox row (how far executors lag PostgreSQL)',
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'fleetshift_scheduler_leader',
      help: '1 while this replica holds the scheduler leadership (runs publishing, relay, reaper, results), else 0',
      registers: [registry],
    }),
    leadershipChanges: new Counter({
      name: 'fleetshift_scheduler_leadership_changes_total',
      help: 'Times this replica acquired or lost the leadership',
      labelNames: ['change'],
      registers: [registry],
    }),
  };
}
