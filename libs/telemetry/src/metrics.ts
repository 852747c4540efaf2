import { collectDefaultMetrics, Registry } from 'prom-client';

/** A prom-client registry for one service: default process metrics, every name prefixed `fleetshift_`. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'fleetshift_' });
  return registry;
}
