import { selects, type LabelSelector } from './label-selector.js';
import type { K8sObject } from './render-kustomization.js';

/** One end of a connection: a pod's labels and its namespace (name and labels). */
export interface Endpoint {
  labels: Record<string, string>;
  namespace: string;
  namespaceLabels?: Record<string, string>;
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}
interface Rule {
  ports?: Array<{ protocol?: string; port?: number | string; endPort?: number }>;
  to?: Peer[];
  from?: Peer[];
}
interface PolicySpec {
  podSelector: LabelSelector;
  policyTypes?: Array<'Ingress' | 'Egress'>;
  ingress?: Rule[];
  egress?: Rule[];
}

/**
 * Whether the NetworkPolicies among `objects` let `from` open a TCP connection to `to` on `port`, with the
 * API's semantics: a pod selected by no policy of a direction is open in that direction; a selected pod
 * admits only what some rule of a selecting policy allows (rules add up, nothing subtracts). A peer with a
 * podSelector alone is in the policy's own namespace. Named ports are not resolved (the manifests use numbers).
 */
export function canConnect(objects: K8sObject[], from: Endpoint, to: Endpoint, port: number): boolean {
  return allowed(objects, 'Egress', from, to, port) && allowed(objects, 'Ingress', to, from, port);
}

function allowed(objects: K8sObject[], direction: 'Ingress' | 'Egress', pod: Endpoint, peer: Endpoint, port: number): boolean {
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy' && (o.metadata.namespace ?? 'default') === pod.namespace)
    .map((o) => o.spec as PolicySpec)
    .filter((spec) => selects(spec.podSelector, pod.labels) && typesOf(spec).includes(direction));
  if (policies.length === 0) return true;
  return policies.some((spec) =>
    (direction === 'Egress' ? spec.egress : spec.ingress)?.some((rule) => {
      const peers = direction === 'Egress' ? rule.to : rule.from;
      const peerMatches = !peers || peers.length === 0 || peers.some((p) => peerSelects(p, peer, pod.namespace));
      const portMatches =
        !rule.ports || rule.ports.length === 0 || rule.ports.some((p) => (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || (typeof p.port === 'number' && port >= p.port && port <= (p.endPort ?? p.port))));
      return peerMatches && portMatches;
    }) ?? false,
  );
}

/** policyTypes as the API server defaults them: Ingress always, Egress when the policy has egress rules. */
function typesOf(spec: PolicySpec): Array<'Ingress' | 'Egress'> {
  return spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
}

function peerSelects(peer: Peer, endpoint: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) return false;
  const namespaceLabels = { 'kubernetes.io/metadata.name': endpoint.namespace, ...endpoint.namespaceLabels };
  const inNamespace = peer.namespaceSelector ? selects(peer.namespaceSelector, namespaceLabels) : endpoint.namespace === policyNamespace;
  return inNamespace && (peer.podSelector ? selects(peer.podSelector, endpoint.labels) : true);
}
