import type { Cluster } from '@fleetshift/contracts';
import { labelText, when } from '../../output/format.js';

export const clusterHead = ['id', 'address', 'user', 'password from', 'budget', 'labels'];

function passwordSource(cluster: Cluster): string {
  if (cluster.passwordEnv) return `env ${cluster.passwordEnv}`;
  if (cluster.passwordFile) return `file ${cluster.passwordFile}`;
  return '-';
}

export function clusterRow(cluster: Cluster): string[] {
  return [cluster.id, `${cluster.host}:${cluster.port}`, cluster.adminUser, passwordSource(cluster), String(cluster.connectionBudget), labelText(cluster.labels)];
}

export function clusterFields(cluster: Cluster): Array<[string, string]> {
  return [
    ['address', `${cluster.host}:${cluster.port}`],
    ['user', cluster.adminUser],
    ['password from', passwordSource(cluster)],
    ['sslmode', `${cluster.sslmode || 'disable'}${cluster.sslRootCertFile ? ` (CA ${cluster.sslRootCertFile})` : ''}`],
    ['maintenance database', cluster.maintenanceDatabase || 'postgres'],
    ['connection budget', String(cluster.connectionBudget)],
    ['labels', labelText(cluster.labels)],
    ['created', when(cluster.createdAt)],
  ];
}
