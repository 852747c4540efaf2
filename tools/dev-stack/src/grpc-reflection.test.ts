import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { clone, fromJson, toBinary, type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { descriptorSet } from '@fleetshift/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callUnaryByReflection,
  createTestDatabase,
  findNats,
  reflectServer,
  ReflectionStream,
  testNamespace,
  waitFor,
  workspaceRoot,
  type ReflectedServer,
  type ServiceProcess,
  type TestDatabase,
} from '@fleetshift/testing';
import { defaultPorts, startStack, type RunningStack } from './stack.js';

// "grpcurl really works": the four services as real processes (every gRPC service registered as in
// production), seen by a strict client that knows nothing but what server reflection tells it. It fetches
// every service's files (reflection v1 and v1alpha), builds them with @bufbuild/protobuf's
// createFileRegistry (protoc's checks), and calls a method of each service with messages built from that
// registry alone. The grpcurl lines of the documentation are checked against the same registries.

let control: TestDatabase;
let stack: RunningStack | undefined;
const address = (service: ServiceProcess) => `127.0.0.1:${service.grpcPort}`;

beforeAll(async () => {
  control = await createTestDatabase('reflection');
  stack = await startStack({
    ports: 'ephemeral',
    env: {
      FLEETSHIFT_NATS_URL: await findNats(),
      FLEETSHIFT_NATS_NAMESPACE: testNamespace('refl'),
      FLEETSHIFT_CONTROL_DB_URL: control.url,
      FLEETSHIFT_SCRATCH_PG_URL: control.serverUrl,
      FLEETSHIFT_CPU_SOURCE: 'none',
      FLEETSHIFT_CLUSTER_REFRESH_MS: '1000',
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await control?.drop();
});

/** Each process by its app name (the keys of defaultPorts), with the services it must list besides health. */
const servers = () => [
  { name: 'planner', process: stack!.planner, services: ['fleetshift.v1.PlannerService'] },
  { name: 'scheduler', process: stack!.scheduler, services: ['fleetshift.v1.RolloutService', 'fleetshift.v1.SchemaService', 'fleetshift.v1.TenantService'] },
  { name: 'health-monitor', process: stack!.healthMonitor, services: ['fleetshift.v1.HealthMonitorService'] },
  { name: 'executor', process: stack!.executors[0]!, services: [] },
];

describe('server reflection seen by a strict client', () => {
  it('gives every service of every process as valid files under their own paths, with their imports, in v1 and v1alpha', async () => {
    for (const server of servers()) {
      const v1 = await reflectServer(address(server.process), { version: 'v1' });
      const v1alpha = await reflectServer(address(server.process), { version: 'v1alpha' });
      expect(v1.services, server.name).toEqual([...server.services, 'grpc.health.v1.Health'].sort());
      expect(v1alpha.services).toEqual(v1.services);
      expect([...v1alpha.files.keys()].sort()).toEqual([...v1.files.keys()].sort());
      expect(v1.files.has('grpc/health/v1/health.proto')).toBe(true);

      for (const name of v1.services) {
        const service = v1.registry.getService(name);
        expect(service, name).toBeDefined();
        expect(service!.methods.length, name).toBeGreaterThan(0);
        for (const method of service!.methods) {
          expect(v1.registry.getMessage(method.input.typeName), `${name}/${method.name}`).toBe(method.input);
          expect(v1.registry.getMessage(method.output.typeName)).toBe(method.output);
        }
      }
      if (server.services.length > 0) {
        expect([...v1.files.keys()]).toContain('google/protobuf/timestamp.proto');
        expect([...v1.files.keys()].every((file) => file.startsWith('fleetshift/v1/') || file.startsWith('google/protobuf/') || file.startsWith('grpc/'))).toBe(true);
      }
    }
  });

  it('describes map fields with their <Field>Entry types and Timestamp as the well-known type', async () => {
    const { registry } = await reflectServer(address(stack!.scheduler));
    const labels = registry.getMessage('fleetshift.v1.Cluster')!.fields.find((field) => field.name === 'labels')!;
    expect(labels.fieldKind).toBe('map');
    expect(registry.getMessage('fleetshift.v1.Cluster')!.proto.nestedType.map((entry) => entry.name)).toContain('LabelsEntry');
    const createdAt = registry.getMessage('fleetshift.v1.Cluster')!.fields.find((field) => field.name === 'created_at')!;
    expect(createdAt.message?.typeName).toBe('google.protobuf.Timestamp');

    // `grpcurl describe fleetshift.v1.Cluster.LabelsEntry` asks for the file containing the entry type.
    const stream = new ReflectionStream(address(stack!.scheduler));
    try {
      for (const symbol of ['fleetshift.v1.Cluster.LabelsEntry', 'fleetshift.v1.Cluster.LabelsEntry.key']) {
        expect((await stream.files({ file_containing_symbol: symbol }))[0]?.name, symbol).toBe(labels.parent.file.proto.name);
      }
    } finally {
      stream.close();
    }
  });
});

describe('calls with messages built from the reflected descriptors only', () => {
  it('calls a method of each of the five services', async () => {
    const planner = await reflectServer(address(stack!.planner));
    const scheduler = await reflectServer(address(stack!.scheduler));
    const monitor = await reflectServer(address(stack!.healthMonitor));

    const lint = (await callUnaryByReflection(address(stack!.planner), planner.registry, 'fleetshift.v1.PlannerService/Lint', {
      sql: 'CREATE INDEX orders_user_idx ON orders (user_id);',
    })) as JsonObject;
    expect(JSON.stringify(lint.findings)).toMatch(/CONCURRENTLY/i);

    const pushed = (await callUnaryByReflection(address(stack!.scheduler), scheduler.registry, 'fleetshift.v1.SchemaService/PushSchemaVersion', {
      blueprint: 'refl_shop',
      schema: { format: 'SCHEMA_FORMAT_SQL', text: 'CREATE TABLE users (id bigint PRIMARY KEY);' },
    })) as { version: { blueprint: string; version: number; createdAt: string }; created: boolean };
    expect(pushed.created).toBe(true);
    expect(pushed.version).toMatchObject({ blueprint: 'refl_shop', version: 1 });
    expect(Date.parse(pushed.version.createdAt)).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));

    const serverUrl = new URL(control.serverUrl);
    const registered = (await callUnaryByReflection(address(stack!.scheduler), scheduler.registry, 'fleetshift.v1.TenantService/RegisterCluster', {
      cluster: { id: 'refl-a', host: serverUrl.hostname, port: Number(serverUrl.port || 5432), adminUser: decodeURIComponent(serverUrl.username), labels: { region: 'eu', tier: 'gold' } },
    })) as { cluster: { id: string; labels: Record<string, string>; createdAt: string } };
    expect(registered.cluster).toMatchObject({ id: 'refl-a', labels: { region: 'eu', tier: 'gold' } });
    expect(Number.isNaN(Date.parse(registered.cluster.createdAt))).toBe(false);

    const rollouts = (await callUnaryByReflection(address(stack!.scheduler), scheduler.registry, 'fleetshift.v1.RolloutService/ListRollouts', {})) as JsonObject;
    expect(rollouts.rollouts ?? []).toEqual([]);
    await expect(
      callUnaryByReflection(address(stack!.scheduler), scheduler.registry, 'fleetshift.v1.RolloutService/GetRollout', { rolloutId: 'no-such-rollout' }),
    ).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });

    // The monitor learns the cluster from the scheduler (every FLEETSHIFT_CLUSTER_REFRESH_MS) and samples it.
    const health = await waitFor(
      'the monitor to report cluster refl-a',
      async () => {
        const listed = (await callUnaryByReflection(address(stack!.healthMonitor), monitor.registry, 'fleetshift.v1.HealthMonitorService/ListClusterHealth', {})) as {
          clusters?: Array<{ clusterId: string; level?: string; sampledAt?: string }>;
        };
        return listed.clusters?.find((cluster) => cluster.clusterId === 'refl-a' && cluster.sampledAt);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(health.level).toMatch(/^THROTTLE_LEVEL_/);
  });

  it('checks the health of every process, and of each service it serves, through grpc.health.v1 as reflected', async () => {
    for (const server of servers()) {
      const { registry } = await reflectServer(address(server.process));
      for (const service of ['', ...server.services]) {
        const answer = await callUnaryByReflection(address(server.process), registry, 'grpc.health.v1.Health/Check', { service });
        expect(answer, `${server.name} ${service || '(server)'}`).toEqual({ status: 'SERVING' });
      }
      await expect(callUnaryByReflection(address(server.process), registry, 'grpc.health.v1.Health/Check', { service: 'fleetshift.v1.NoSuchService' })).rejects.toMatchObject({
        code: grpc.status.NOT_FOUND,
      });
    }
  });
});

describe('the grpcurl lines of the documentation', () => {
  it('name services, methods and symbols that the process on that port describes, and send bodies of the method input type', async () => {
    const byApp = new Map(servers().map((server) => [server.name, server]));
    const reflected = new Map<string, ReflectedServer>();
    for (const server of servers()) reflected.set(server.name, await reflectServer(address(server.process)));

    const lines = documentedGrpcurlLines();
    // Every grpcurl command the docs show is one the check read (a block the extraction missed would be unchecked).
    const mentioned = documentationFiles().reduce((count, file) => count + (readFileSync(file, 'utf8').match(/^\s*grpcurl\s/gm) ?? []).length, 0);
    expect(lines.length).toBe(mentioned);
    expect(lines.filter((line) => line.file === 'README.md').length).toBeGreaterThanOrEqual(5);

    const seen = { list: 0, describe: 0, parsed: 0, called: 0 };
    for (const { file, text } of lines) {
      const where = `${file}: ${text}`;
      const command = parseGrpcurl(text);
      const app = Object.entries(defaultPorts).find(([, ports]) => ports.grpc === command.port)?.[0];
      expect(app, `${where}: port ${command.port} is no service's default port`).toBeDefined();
      const server = byApp.get(app!)!;
      const { registry, services } = reflected.get(app!)!;
      const target = address(server.process);

      if (command.verb === 'list') {
        if (command.symbol) expect(services, where).toContain(command.symbol);
        else expect(services.length, where).toBeGreaterThan(1);
        seen.list += 1;
        continue;
      }
      if (command.verb === 'describe') {
        const symbol = command.symbol!;
        const owner = symbol.slice(0, symbol.lastIndexOf('.'));
        const described = registry.get(symbol) ?? registry.getService(owner)?.methods.find((method) => `${owner}.${method.name}` === symbol);
        expect(described, `${where}: ${symbol} is not described by the ${app}`).toBeDefined();
        seen.describe += 1;
        continue;
      }

      const [serviceName, methodName] = command.method!.replace(/\.(\w+)$/, '/$1').split('/');
      const method = registry.getService(serviceName!)?.methods.find((each) => each.name === methodName);
      expect(method, `${where}: ${command.method} is not described by the ${app}`).toBeDefined();
      const body = (command.body === undefined ? {} : JSON.parse(command.body)) as JsonValue;
      expect(() => fromJson(method!.input, body, { registry }), where).not.toThrow();
      seen.parsed += 1;
      // A unary call is sent as grpcurl would send it; a stream's documented body is a placeholder ("…").
      if (method!.methodKind === 'unary') {
        await expect(callUnaryByReflection(target, registry, `${serviceName}/${methodName}`, body, command.metadata), where).resolves.toBeDefined();
        seen.called += 1;
      }
    }
    expect(seen.list).toBeGreaterThan(0);
    expect(seen.describe).toBeGreaterThan(0);
    expect(seen.parsed).toBeGreaterThan(0);
    expect(seen.called).toBeGreaterThan(0);
  });

  it('fails a line naming a method the process does not serve, or a body that is not its input type', async () => {
    const { registry } = await reflectServer(address(stack!.scheduler));
    expect(registry.getService('fleetshift.v1.PlannerService')).toBeUndefined();
    const push = registry.getService('fleetshift.v1.SchemaService')!.methods.find((method) => method.name === 'PushSchemaVersion')!;
    expect(() => fromJson(push.input, { blueprint: 'shop', schema: { format: 'SCHEMA_FORMAT_YAML' } }, { registry })).toThrow(/SCHEMA_FORMAT_YAML/);
    expect(() => fromJson(push.input, { blueprnt: 'shop' }, { registry })).toThrow(/blueprnt/);
  });
});

describe('the check itself', () => {
  // What the services served before: @grpc/reflection over proto-loader descriptors (one file
  // "fleetshift_v1.proto" without imports, map entries named after the field). The strict client must
  // refuse them, else the tests above prove nothing.
  it('refuses the proto-loader descriptors that @grpc/reflection serves', async () => {
    const protoDir = path.join(workspaceRoot, 'proto');
    const files = readdirSync(path.join(protoDir, 'fleetshift/v1')).filter((file) => file.endsWith('.proto')).map((file) => `fleetshift/v1/${file}`);
    const server = new grpc.Server();
    new ReflectionService(protoLoader.loadSync(files, { includeDirs: [protoDir], keepCase: true }), {
      services: ['fleetshift.v1.TenantService'],
    }).addToServer(server);
    const port = await bind(server);
    try {
      await expect(reflectServer(`127.0.0.1:${port}`)).rejects.toThrow(/^invalid FieldDescriptorProto: type_name \S+ not found/);
    } finally {
      server.forceShutdown();
    }
  });

  it('refuses files that use a type without importing the file that defines it (and accepts the same files intact)', async () => {
    const intact = await reflectServer(`127.0.0.1:${await bindFixedReflection((files) => files)}`);
    expect(intact.registry.getMessage('fleetshift.v1.Rollout')).toBeDefined();

    const withoutTimestamp = (files: FileDescriptorProto[]) =>
      files
        .filter((file) => file.name !== 'google/protobuf/timestamp.proto')
        .map((file) => {
          const copy = clone(FileDescriptorProtoSchema, file);
          copy.dependency = copy.dependency.filter((name) => name !== 'google/protobuf/timestamp.proto');
          return copy;
        });
    await expect(reflectServer(`127.0.0.1:${await bindFixedReflection(withoutTimestamp)}`)).rejects.toThrow(/google\.protobuf\.Timestamp/);
  });
});

const require = createRequire(import.meta.url);
const started: grpc.Server[] = [];
afterAll(() => started.forEach((server) => server.forceShutdown()));

function bind(server: grpc.Server): Promise<number> {
  return new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
}

/**
 * A reflection server (v1, spoken with the published reflection.proto) listing RolloutService and
 * answering every file question with rollout.proto and its imports from the generated set, passed
 * through `tamper` first.
 */
async function bindFixedReflection(tamper: (files: FileDescriptorProto[]) => FileDescriptorProto[]): Promise<number> {
  const set = descriptorSet().file;
  const wanted = new Set<string>();
  const visit = (name: string) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    set.find((file) => file.name === name)!.dependency.forEach(visit);
  };
  visit('fleetshift/v1/rollout.proto');
  const served = tamper(set.filter((file) => wanted.has(file.name))).map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file)));

  const protoFile = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');
  const definition = grpc.loadPackageDefinition(protoLoader.loadSync(protoFile, { keepCase: true })) as any;
  const server = new grpc.Server();
  server.addService(definition.grpc.reflection.v1.ServerReflection.service, {
    ServerReflectionInfo: (call: grpc.ServerDuplexStream<{ list_services?: string }, object>) => {
      call.on('data', (request) =>
        call.write(
          request.list_services !== undefined
            ? { list_services_response: { service: [{ name: 'fleetshift.v1.RolloutService' }] } }
            : { file_descriptor_response: { file_descriptor_proto: served } },
        ),
      );
      call.on('end', () => call.end());
    },
  });
  started.push(server);
  return bind(server);
}

interface DocumentedLine {
  file: string;
  text: string;
}

/** The Markdown files that may show grpcurl commands: the READMEs of the repository and of each app, lib and tool, and docs/. */
function documentationFiles(): string[] {
  const inside = (dir: string, pick: (name: string) => boolean) =>
    existsSync(path.join(workspaceRoot, dir)) ? readdirSync(path.join(workspaceRoot, dir)).filter(pick).map((name) => path.join(workspaceRoot, dir, name)) : [];
  return [
    path.join(workspaceRoot, 'README.md'),
    ...['apps', 'libs', 'tools'].flatMap((dir) => inside(dir, () => true).map((each) => path.join(each, 'README.md')).filter((file) => existsSync(file))),
    ...inside('docs', (name) => name.endsWith('.md')),
    ...inside('docs/adr', (name) => name.endsWith('.md')),
  ];
}

/** The grpcurl commands of the fenced code blocks of the documentation, continuation lines joined. */
function documentedGrpcurlLines(): DocumentedLine[] {
  return documentationFiles().flatMap((file) => {
    const blocks = [...readFileSync(file, 'utf8').matchAll(/^\s*```[^\n]*\n([\s\S]*?)^\s*```/gm)].map((match) => match[1]!);
    return blocks.flatMap((block) =>
      block
        .replace(/\\\n\s*/g, ' ')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.startsWith('grpcurl '))
        .map((text) => ({ file: path.relative(workspaceRoot, file), text })),
    );
  });
}

interface GrpcurlCommand {
  port: number;
  verb: 'list' | 'describe' | 'call';
  symbol?: string;
  method?: string;
  body?: string;
  metadata: grpc.Metadata;
}

// grpcurl's flags that take a value, and those that do not; any other flag fails the check, so that a
// line is never half understood (-proto / -protoset would mean the line does not use reflection at all).
const valueFlags = new Set(['-d', '-H', '-rpc-header', '-cacert', '-cert', '-key', '-servername', '-authority', '-max-time', '-connect-timeout']);
const plainFlags = new Set(['-plaintext', '-insecure', '-v', '-emit-defaults']);

/** `grpcurl [flags] host:port (list [service] | describe [symbol] | service/method)`, as grpcurl reads it. */
function parseGrpcurl(line: string): GrpcurlCommand {
  const words = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2]!).slice(1);
  const metadata = new grpc.Metadata();
  let body: string | undefined;
  let at = 0;
  for (; at < words.length && words[at]!.startsWith('-'); at += 1) {
    const flag = words[at]!;
    if (plainFlags.has(flag)) continue;
    if (!valueFlags.has(flag)) throw new Error(`${line}: flag ${flag} is not one this check understands`);
    const value = words[(at += 1)]!;
    if (flag === '-d') body = value;
    if (flag === '-H' || flag === '-rpc-header') {
      const colon = value.indexOf(':');
      metadata.add(value.slice(0, colon).trim(), value.slice(colon + 1).trim());
    }
  }
  const [target, verb, argument, ...rest] = words.slice(at);
  if (rest.length > 0 || !target || !verb) throw new Error(`${line}: not grpcurl [flags] address verb`);
  const port = Number(target.split(':').at(-1));
  if (verb === 'list' || verb === 'describe') return { port, verb, symbol: argument, metadata };
  if (argument !== undefined) throw new Error(`${line}: more than one method`);
  return { port, verb: 'call', method: verb, body, metadata };
}
