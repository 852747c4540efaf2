import { Isolation, type Tenant, type TenantEvent } from '@fleetshift/contracts';
import { enumName, labelText, when } from '../../output/format.js';

export const tenantHead = ['id', 'blueprint', 'version', 'cluster', 'isolation', 'database', 'schema', 'labels'];

export function tenantRow(tenant: Tenant): string[] {
  return [
    tenant.id,
    tenant.blueprint,
    String(tenant.version),
    tenant.clusterId,
    enumName(Isolation, tenant.isolation, 'ISOLATION_'),
    tenant.database,
    tenant.schema || '-',
    labelText(tenant.labels),
  ];
}

export function tenantFields(tenant: Tenant): Array<[string, string]> {
  return [
    ['blueprint', tenant.blueprint],
    ['version', String(tenant.version)],
    ['fingerprint', tenant.fingerprint || '-'],
    ['cluster', tenant.clusterId],
    ['isolation', enumName(Isolation, tenant.isolation, 'ISOLATION_')],
    ['database', tenant.database],
    ['schema', tenant.schema || '-'],
    ['labels', labelText(tenant.labels)],
    ['created', when(tenant.createdAt)],
    ['updated', when(tenant.updatedAt)],
  ];
}

export const eventHead = ['at', 'event', 'from', 'to', 'rollout', 'steps', 'executor', 'error'];

export function eventRow(event: TenantEvent): string[] {
  return [
    when(event.at),
    event.kind,
    String(event.fromVersion),
    String(event.toVersion),
    event.rolloutId || '-',
    String(event.stepsApplied),
    event.executorId || '-',
    event.error || '-',
  ];
}
