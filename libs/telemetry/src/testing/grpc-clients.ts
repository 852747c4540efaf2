import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PlannerServiceClient, type LintResponse } from '@fleetshift/contracts';
import { protoPath as healthProtoPath } from 'grpc-health-check';

// Clients for telemetry's own tests. (libs/testing has probes like these, but it depends on telemetry:
// importing it here would make the two projects depend on each other.)

const require = createRequire(import.meta.url);
const reflectionProto = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');

type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

/** Plaintext, or the credentials and options of clientTransport() for TLS tests. */
export interface TestTransport {
  credentials: grpc.ChannelCredentials;
  options?: grpc.ChannelOptions;
}

const plaintext = (): TestTransport => ({ credentials: grpc.credentials.createInsecure() });

function clientFor(protoFile: string, servicePath: string[], address: string, transport = plaintext()): AnyClient {
  let node: unknown = grpc.loadPackageDefinition(protoLoader.loadSync(protoFile, { keepCase: true, defaults: true, enums: String }));
  for (const part of servicePath) node = (node as Record<string, unknown>)[part];
  return new (node as grpc.ServiceClientConstructor)(address, transport.credentials, transport.options) as unknown as AnyClient;
}

/** `authorization: Bearer <token>` metadata, or none. */
export function bearer(token?: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** Calls the echo service's Lint (PlannerService/Lint). */
export function lint(address: string, sql: string, metadata = new grpc.Metadata(), transport = plaintext()): Promise<LintResponse> {
  const client = new PlannerServiceClient(address, transport.credentials, transport.options);
  return new Promise((resolve, reject) => {
    client.lint({ sql, filename: '' }, metadata, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(response);
    });
  });
}

/** grpc.health.v1.Health/Check of one service ("" = the server), without any token. */
export function healthCheck(address: string, service = '', transport = plaintext()): Promise<string> {
  const client = clientFor(healthProtoPath, ['grpc', 'health', 'v1', 'Health'], address, transport);
  return new Promise((resolve, reject) => {
    client.Check({ service }, (error: grpc.ServiceError | null, response: { status: string }) => {
      client.close();
      if (error) reject(error);
      else resolve(response.status);
    });
  });
}

export interface HealthWatch {
  /** Every status the server sent, in order. */
  statuses: string[];
  /** Resolves with the stream's final status (code) when it ends. */
  ended: Promise<grpc.StatusObject>;
  cancel(): void;
}

/** grpc.health.v1.Health/Watch of one service: the current status first, then every change. */
export function healthWatch(address: string, service = ''): HealthWatch {
  const client = clientFor(healthProtoPath, ['grpc', 'health', 'v1', 'Health'], address);
  const call = client.Watch({ service }) as grpc.ClientReadableStream<{ status: string }>;
  const statuses: string[] = [];
  call.on('data', (response: { status: string }) => statuses.push(response.status));
  call.on('error', () => undefined);
  const ended = new Promise<grpc.StatusObject>((resolve) =>
    call.on('status', (status) => {
      client.close();
      resolve(status);
    }),
  );
  return { statuses, ended, cancel: () => call.cancel() };
}

/** The services a server lists through reflection (what `grpcurl list` does). */
export function reflectionList(address: string, metadata = new grpc.Metadata()): Promise<string[]> {
  const client = clientFor(reflectionProto, ['grpc', 'reflection', 'v1', 'ServerReflection'], address);
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo(metadata) as grpc.ClientDuplexStream<unknown, { list_services_response?: { service: { name: string }[] } }>;
    call.on('data', (response) => {
      call.end();
      client.close();
      resolve((response.list_services_response?.service ?? []).map((s: { name: string }) => s.name).sort());
    });
    call.on('error', (error) => {
      client.close();
      reject(error);
    });
    call.write({ list_services: '*' });
  });
}
