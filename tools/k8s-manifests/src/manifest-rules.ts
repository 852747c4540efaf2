import { busNames } from '@fleetshift/bus';
import { deployedApps, imageUser } from '@fleetshift/image-build';
import { selects, type LabelSelector } from './label-selector.js';
import { canConnect, type Endpoint } from './network-reach.js';
import type { K8sObject } from './render-kustomization.js';

// What Fleetshift's manifests promise beyond the schemas (deploy/README.md): each rule returns the
// problems it finds, as sentences naming the object; an empty list means the render keeps every promise.

interface Container {
  name: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: unknown;
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
    containers: Container[];
    volumes?: Array<{ name: string; emptyDir?: unknown; configMap?: unknown; secret?: unknown }>;
  };
}
interface Workload extends K8sObject {
  spec: { replicas?: number; selector: LabelSelector; template: PodTemplate; serviceName?: string; volumeClaimTemplates?: Array<{ metadata: { name: string } }> };
}

const workloadKinds = new Set(['Deployment', 'StatefulSet']);
const name = (o: K8sObject) => `${o.kind} ${o.metadata.name}`;
const configData = (objects: K8sObject[], configMap: string) =>
  (objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMap)?.data ?? {}) as Record<string, string>;
const workloadsOf = (objects: K8sObject[]) => objects.filter((o): o is Workload => workloadKinds.has(o.kind));
/** The Fleetshift services (not NATS): labelled app.kubernetes.io/component: service. */
const servicesOf = (objects: K8sObject[]) => workloadsOf(objects).filter((w) => w.spec.template.metadata.labels['app.kubernetes.io/component'] === 'service');

/** Every promise at once. */
export function manifestProblems(objects: K8sObject[]): string[] {
  return [
    ...hardeningProblems(objects),
    ...serviceProblems(objects),
    ...optionalSecretProblems(objects),
    ...disruptionBudgetProblems(objects),
    ...serviceSelectorProblems(objects),
    ...autoscalerProblems(objects),
    ...natsProblems(objects),
    ...networkProblems(objects),
  ];
}

/** Non-root, read-only root filesystem, no privilege escalation, readiness and liveness probes. */
export function hardeningProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const w of workloadsOf(objects)) {
    const pod = w.spec.template.spec;
    if (pod.securityContext?.runAsNonRoot !== true || !(Number(pod.securityContext.runAsUser) > 0)) {
      problems.push(`${name(w)}: the pod must set runAsNonRoot: true and a numeric runAsUser other than 0`);
    }
    for (const c of pod.containers) {
      if (c.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${name(w)} container ${c.name}: readOnlyRootFilesystem must be true`);
      if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${name(w)} container ${c.name}: allowPrivilegeEscalation must be false`);
      if (!c.readinessProbe || !c.livenessProbe) problems.push(`${name(w)} container ${c.name}: needs a readiness and a liveness probe`);
    }
  }
  return problems;
}

/**
 * The services: the image's built entry point (dist/<app>/main.js) and user, gRPC health probes on the gRPC port,
 * the API token from the Secret, and /tmp (an emptyDir) as the only writable mount.
 */
export function serviceProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const services = servicesOf(objects);
  const apps = services.map((w) => w.metadata.name.replace(/^fleetshift-/, ''));
  for (const app of deployedApps) if (!apps.includes(app)) problems.push(`no Deployment runs the service ${app}`);
  for (const w of services) {
    const app = w.metadata.name.replace(/^fleetshift-/, '');
    const volumes = new Map((w.spec.template.spec.volumes ?? []).map((v) => [v.name, v]));
    const runAs = w.spec.template.spec.securityContext?.runAsUser;
    if (runAs !== imageUser) problems.push(`${name(w)}: runs as user ${runAs}, the image's user is ${imageUser}`);
    for (const c of w.spec.template.spec.containers) {
      const where = `${name(w)} container ${c.name}`;
      if (c.args?.[0] !== `dist/${app}/main.js`) problems.push(`${where}: runs ${JSON.stringify(c.args)}, not the built dist/${app}/main.js`);
      const grpcPort = c.ports?.find((p) => p.name === 'grpc')?.containerPort;
      if (grpcPort === undefined) problems.push(`${where}: no port named grpc`);
      for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        if (c[kind]?.grpc?.port !== grpcPort) problems.push(`${where}: ${kind} must be a grpc probe on the gRPC port ${grpcPort}`);
      }
      const token = c.env?.find((e) => e.name === 'FLEETSHIFT_API_TOKEN')?.valueFrom?.secretKeyRef;
      if (token?.name !== 'fleetshift-secrets' || token.key !== 'FLEETSHIFT_API_TOKEN') problems.push(`${where}: FLEETSHIFT_API_TOKEN must come from the Secret fleetshift-secrets`);
      for (const mount of c.volumeMounts ?? []) {
        const volume = volumes.get(mount.name);
        if (mount.readOnly) continue;
        if (mount.mountPath !== '/tmp' || !volume?.emptyDir) problems.push(`${where}: writable mount ${mount.mountPath}; only /tmp (an emptyDir) may be written`);
      }
      if (!(c.volumeMounts ?? []).some((m) => m.mountPath === '/tmp' && volumes.get(m.name)?.emptyDir)) problems.push(`${where}: no emptyDir at /tmp`);
    }
  }
  return problems;
}

/** No Secret reference anywhere may be optional: a missing Secret must stop the pod, not start it without. */
export function optionalSecretProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const visit = (value: unknown, owner: K8sObject, path: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, owner, `${path}[${i}]`));
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (['secretRef', 'secretKeyRef', 'secret'].includes(key) && (child as { optional?: boolean })?.optional === true) {
          problems.push(`${name(owner)}: ${path}.${key} is optional; the Secret must be required`);
        }
        visit(child, owner, `${path}.${key}`);
      }
    }
  };
  for (const o of objects) visit(o, o, '');
  return problems;
}

/** Every workload has exactly one PodDisruptionBudget selecting its pods. */
export function disruptionBudgetProblems(objects: K8sObject[]): string[] {
  const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  return workloadsOf(objects).flatMap((w) => {
    const matching = budgets.filter((b) => selects((b.spec as { selector: LabelSelector }).selector, w.spec.template.metadata.labels));
    return matching.length === 1 ? [] : [`${name(w)}: ${matching.length} PodDisruptionBudgets select its pods (want 1)`];
  });
}

/** Every Service selects a workload's pods, on ports those pods name. */
export function serviceSelectorProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const s of objects.filter((o) => o.kind === 'Service')) {
    const spec = s.spec as { selector: Record<string, string>; ports: Array<{ name: string; targetPort?: string | number }> };
    const target = workloadsOf(objects).find((w) => selects({ matchLabels: spec.selector }, w.spec.template.metadata.labels));
    if (!target) {
      problems.push(`${name(s)}: selects no workload's pods`);
      continue;
    }
    const named = new Set(target.spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)));
    for (const port of spec.ports) {
      if (typeof port.targetPort === 'string' && !named.has(port.targetPort)) problems.push(`${name(s)}: port ${port.name} targets ${port.targetPort}, which ${name(target)} does not name`);
    }
  }
  return problems;
}

/**
 * One autoscaler per Deployment, aimed at one that exists and sets no replicas (an apply would reset
 * them); KEDA's nats-jetstream triggers read the executors' batch stream and a cluster consumer by the
 * names the bus uses, through a headless Service.
 */
export function autoscalerProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const names = busNames(configData(objects, 'fleetshift-config').FLEETSHIFT_NATS_NAMESPACE ?? 'fleetshift');
  const consumerPrefix = names.clusterConsumer('x').slice(0, -1);
  const targets = new Map<string, string[]>();
  for (const o of objects.filter((x) => x.kind === 'ScaledObject' || x.kind === 'HorizontalPodAutoscaler')) {
    const target = (o.spec as { scaleTargetRef: { kind?: string; name: string } }).scaleTargetRef;
    const scaled = objects.find((x) => x.kind === (target.kind ?? 'Deployment') && x.metadata.name === target.name);
    if (!scaled) problems.push(`${name(o)}: scales ${target.name}, which is not in the manifests`);
    else if ((scaled.spec as { replicas?: number }).replicas !== undefined) problems.push(`${name(scaled)}: sets replicas, which every apply would reset under ${name(o)}`);
    targets.set(target.name, [...(targets.get(target.name) ?? []), name(o)]);
    if (o.kind !== 'ScaledObject') continue;
    const triggers = (o.spec as { triggers: Array<{ type: string; metadata: Record<string, string> }> }).triggers;
    if (!triggers.some((t) => t.type === 'nats-jetstream')) problems.push(`${name(o)}: no nats-jetstream trigger`);
    for (const t of triggers.filter((x) => x.type === 'nats-jetstream')) {
      if (t.metadata.stream !== names.batchStream) problems.push(`${name(o)}: trigger reads stream ${t.metadata.stream}, the batches are in ${names.batchStream}`);
      if (!t.metadata.consumer?.startsWith(consumerPrefix)) problems.push(`${name(o)}: trigger reads consumer ${t.metadata.consumer}, cluster consumers are ${consumerPrefix}<cluster>`);
      const [host = '', port] = (t.metadata.natsServerMonitoringEndpoint ?? '').split(':');
      const [service, namespace] = host.split('.');
      const headless = objects.find((x) => x.kind === 'Service' && x.metadata.name === service && (x.spec as { clusterIP?: string }).clusterIP === 'None');
      if (!headless || port !== '8222') problems.push(`${name(o)}: natsServerMonitoringEndpoint ${t.metadata.natsServerMonitoringEndpoint} is not a headless NATS Service's port 8222`);
      else if (o.metadata.namespace && namespace !== o.metadata.namespace) problems.push(`${name(o)}: natsServerMonitoringEndpoint names namespace ${namespace}, the manifests are in ${o.metadata.namespace}`);
    }
  }
  for (const [target, scalers] of targets) if (scalers.length > 1) problems.push(`${target} has ${scalers.length} autoscalers (${scalers.join(', ')}): they would fight`);
  return problems;
}

/** NATS: a JetStream cluster of three servers, each on its own volume, routed to each other. */
export function natsProblems(objects: K8sObject[]): string[] {
  const nats = workloadsOf(objects).find((w) => w.kind === 'StatefulSet' && w.metadata.name === 'nats');
  if (!nats) return ['no StatefulSet nats'];
  const problems: string[] = [];
  const replicas = nats.spec.replicas ?? 1;
  if (replicas !== 3) problems.push(`StatefulSet nats: ${replicas} replicas, want 3 (a JetStream quorum that survives one server)`);
  const config = configData(objects, 'nats-config')['nats.conf'];
  if (!config) return [...problems, 'no ConfigMap nats-config with nats.conf'];
  const storeDir = /store_dir:\s*(\S+)/.exec(config)?.[1];
  const dataMount = nats.spec.template.spec.containers[0]?.volumeMounts?.find((m) => nats.spec.volumeClaimTemplates?.some((t) => t.metadata.name === m.name));
  if (!storeDir || !dataMount || !storeDir.startsWith(dataMount.mountPath)) problems.push(`nats.conf: JetStream store_dir ${storeDir} is not on the StatefulSet's volume (${dataMount?.mountPath ?? 'none'})`);
  const routes = config.match(/nats:\/\/nats-\d+\.[a-z-]+:6222/g) ?? [];
  if (routes.length !== replicas) problems.push(`nats.conf: ${routes.length} routes for ${replicas} servers`);
  for (const route of routes) if (!route.includes(`.${nats.spec.serviceName}:`)) problems.push(`nats.conf: route ${route} is not through the governing Service ${nats.spec.serviceName}`);
  return problems;
}

/**
 * The network: everything denied by default; NATS reachable by every service; the control database by
 * the scheduler alone, the scratch server by the planner alone, the tenants' clusters by the executors
 * (and the services whose work needs them, network-policies.yaml); nothing else between the services
 * than the calls they make.
 */
export function networkProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const namespace = objects.find((o) => o.kind === 'NetworkPolicy')?.metadata.namespace ?? 'default';
  const pod = (w: Workload): Endpoint => ({ labels: w.spec.template.metadata.labels, namespace: w.metadata.namespace ?? 'default' });
  const database = (role: string): Endpoint => ({ labels: { 'fleetshift.io/database': role }, namespace: 'databases' });
  const elsewhere: Endpoint = { labels: { app: 'something-else' }, namespace: 'other' };
  const byApp = new Map(servicesOf(objects).map((w) => [w.metadata.name.replace(/^fleetshift-/, ''), pod(w)]));
  const nats = workloadsOf(objects).find((w) => w.metadata.name === 'nats');
  const must = (what: string, from: Endpoint, to: Endpoint, port: number, expected: boolean) => {
    if (canConnect(objects, from, to, port) !== expected) problems.push(`${what} ${expected ? 'must be allowed' : 'must be denied'} (port ${port})`);
  };
  for (const [app, from] of byApp) {
    must(`${app} → control database`, from, database('control'), 5432, app === 'scheduler');
    must(`${app} → scratch database`, from, database('scratch'), 5432, app === 'planner');
    if (nats) must(`${app} → NATS`, from, { ...pod(nats), namespace }, 4222, true);
    must(`${app} → a pod outside Fleetshift`, from, elsewhere, 443, false);
    must(`a pod outside Fleetshift → ${app}`, elsewhere, from, 50051, false);
  }
  const executor = byApp.get('executor');
  if (executor) {
    must('executor → tenant database', executor, database('tenant'), 5432, true);
    must('executor → tenant database on another port', executor, database('tenant'), 22, false);
    if (byApp.get('planner')) must('executor → planner', executor, byApp.get('planner')!, 50051, false);
  }
  if (byApp.get('scheduler') && byApp.get('planner')) must('scheduler → planner', byApp.get('scheduler')!, byApp.get('planner')!, 50051, true);
  if (byApp.get('health-monitor') && byApp.get('scheduler')) must('health monitor → scheduler', byApp.get('health-monitor')!, byApp.get('scheduler')!, 50052, true);
  if (nats) {
    for (const role of ['control', 'tenant', 'scratch']) must(`NATS → ${role} database`, pod(nats), database(role), 5432, false);
    must('NATS → NATS routes', pod(nats), pod(nats), 6222, true);
    must('KEDA → NATS monitoring', { labels: {}, namespace: 'keda' }, pod(nats), 8222, true);
  }
  return problems;
}
