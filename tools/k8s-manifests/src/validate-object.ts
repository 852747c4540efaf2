import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import type { K8sObject } from './render-kustomization.js';

interface Model {
  validate(): void;
}

/**
 * The kinds the manifests may hold, each with its schema (the Kubernetes OpenAPI schemas, and KEDA's CRD
 * schema, compiled by kubernetes-models). A kind not listed is refused, so a new kind comes with its schema.
 */
const models: Record<string, new (data: never) => Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

/**
 * Schema problems of one object (empty when it is valid): types, required fields, enums and formats.
 * The schemas admit unknown fields (as the API server's non-strict mode does); manifest-rules.ts checks
 * the fields Fleetshift relies on by name.
 */
export function schemaProblems(object: K8sObject): string[] {
  const where = `${object.kind ?? '?'} ${object.metadata?.name ?? '?'}`;
  const Model = models[`${object.apiVersion}/${object.kind}`];
  if (!Model) return [`${where}: no schema for ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object as never).validate();
    return [];
  } catch (error) {
    return [`${where}: ${(error as Error).message}`];
  }
}
