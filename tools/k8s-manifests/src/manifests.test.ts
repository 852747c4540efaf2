import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workspaceRoot } from '@fleetshift/testing';
import { manifestProblems } from './manifest-rules.js';
import { renderKustomization, type K8sObject } from './render-kustomization.js';
import { schemaProblems } from './validate-object.js';

// The overlays as `kubectl apply -k` would apply them: rendered by kubectl's kustomize, every object
// checked against its Kubernetes (or KEDA) schema, and the whole against what deploy/README.md promises.
const overlays = ['production', 'local'] as const;
const rendered = new Map<string, K8sObject[]>();
const clone = <T>(value: T): T => structuredClone(value);
const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)! as K8sObject & { spec: any };

beforeAll(async () => {
  for (const overlay of overlays) rendered.set(overlay, await renderKustomization(path.join(workspaceRoot, 'deploy', 'k8s', 'overlays', overlay)));
});

describe.each(overlays)('deploy/k8s/overlays/%s', (overlay) => {
  it('renders, every object valid against its schema', () => {
    const objects = rendered.get(overlay)!;
    expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name).sort()).toEqual(
      ['fleetshift-executor', 'fleetshift-health-monitor', 'fleetshift-planner', 'fleetshift-scheduler'],
    );
    expect(objects.every((o) => o.metadata.namespace === 'fleetshift')).toBe(true);
    expect(objects.flatMap(schemaProblems)).toEqual([]);
  });

  it('keeps every promise of deploy/README.md', () => {
    expect(manifestProblems(rendered.get(overlay)!)).toEqual([]);
  });
});

describe('the overlays differ only where they say so', () => {
  it('production scales executors with KEDA on the batch backlog, local with the CPU fallback', () => {
    const autoscalers = (overlay: string) => rendered.get(overlay)!.filter((o) => o.kind === 'ScaledObject' || o.kind === 'HorizontalPodAutoscaler').map((o) => o.kind);
    expect(autoscalers('production')).toEqual(['ScaledObject']);
    expect(autoscalers('local')).toEqual(['HorizontalPodAutoscaler']);
    const trigger = find(rendered.get('production')!, 'ScaledObject', 'fleetshift-executor').spec.triggers[0];
    expect(trigger).toMatchObject({ type: 'nats-jetstream', metadata: { stream: 'FLEETSHIFT_BATCHES', consumer: 'fleetshift-executors-main' } });
  });
});

describe('the checks refuse what breaks a promise', () => {
  const production = () => clone(rendered.get('production')!);

  it('a schema violation', () => {
    const objects = production();
    find(objects, 'Deployment', 'fleetshift-planner').spec.replicas = 'two';
    find(objects, 'ScaledObject', 'fleetshift-executor').spec.minReplicaCount = 'none';
    const problems = objects.flatMap(schemaProblems);
    expect(problems).toEqual([
      expect.stringMatching(/^Deployment fleetshift-planner: .*replicas must be integer/),
      expect.stringMatching(/^ScaledObject fleetshift-executor: .*minReplicaCount must be integer/),
    ]);
    expect(schemaProblems({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loose' } })).toEqual(['Pod loose: no schema for v1 Pod']);
  });

  it('an optional Secret, a writable root filesystem, an HTTP probe, a service run through tsx', () => {
    const objects = production();
    const executor = find(objects, 'Deployment', 'fleetshift-executor').spec.template.spec.containers[0];
    executor.envFrom.find((e: any) => e.secretRef).secretRef.optional = true;
    executor.securityContext.readOnlyRootFilesystem = false;
    executor.readinessProbe = { httpGet: { path: '/healthz', port: 9453 } };
    executor.args = ['apps/executor/src/main.ts'];
    expect(manifestProblems(objects)).toEqual([
      'Deployment fleetshift-executor container executor: readOnlyRootFilesystem must be true',
      'Deployment fleetshift-executor container executor: runs ["apps/executor/src/main.ts"], not the built dist/executor/main.js',
      'Deployment fleetshift-executor container executor: readinessProbe must be a grpc probe on the gRPC port 50053',
      'Deployment fleetshift-executor: .spec.template.spec.containers[0].envFrom[1].secretRef is optional; the Secret must be required',
    ]);
  });

  it('a workload without its disruption budget, and two autoscalers on the executors', () => {
    const objects = production().filter((o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === 'fleetshift-scheduler'));
    objects.push(clone(rendered.get('local')!.find((o) => o.kind === 'HorizontalPodAutoscaler')!));
    expect(manifestProblems(objects)).toEqual([
      'Deployment fleetshift-scheduler: 0 PodDisruptionBudgets select its pods (want 1)',
      'fleetshift-executor has 2 autoscalers (ScaledObject fleetshift-executor, HorizontalPodAutoscaler fleetshift-executor): they would fight',
    ]);
  });

  it('a KEDA trigger on the wrong stream, a replica count fighting it, and NATS on one server', () => {
    const objects = production();
    find(objects, 'ScaledObject', 'fleetshift-executor').spec.triggers[0].metadata.stream = 'FLEETSHIFT_RESULTS';
    find(objects, 'Deployment', 'fleetshift-executor').spec.replicas = 2;
    find(objects, 'StatefulSet', 'nats').spec.replicas = 1;
    expect(manifestProblems(objects)).toEqual([
      'Deployment fleetshift-executor: sets replicas, which every apply would reset under ScaledObject fleetshift-executor',
      'ScaledObject fleetshift-executor: trigger reads stream FLEETSHIFT_RESULTS, the batches are in FLEETSHIFT_BATCHES',
      'StatefulSet nats: 1 replicas, want 3 (a JetStream quorum that survives one server)',
      'nats.conf: 3 routes for 1 servers',
    ]);
  });

  it('the planner let through to the control database, and the default deny removed', () => {
    const withPlanner = production();
    find(withPlanner, 'NetworkPolicy', 'fleetshift-scheduler-to-control-db').spec.podSelector = {
      matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['fleetshift-scheduler', 'fleetshift-planner'] }],
    };
    expect(manifestProblems(withPlanner)).toEqual(['planner → control database must be denied (port 5432)']);

    const open = production().filter((o) => o.kind !== 'NetworkPolicy');
    const problems = manifestProblems(open);
    expect(problems).toContain('executor → control database must be denied (port 5432)');
    expect(problems).toContain('a pod outside Fleetshift → planner must be denied (port 50051)');
  });
});
