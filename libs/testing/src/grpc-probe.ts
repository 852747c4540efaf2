import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

const require = createRequire(import.meta.url);
const reflectionProto = path.join(
  path.dirname(require.resolve('@grpc/reflection/package.json')),
  'build/proto/grpc/reflection/v1/reflection.proto',
);

type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

function clientFor(protoFile: string, servicePath: string[], address: string): AnyClient {
  const definition = grpc.loadPackageDefinition(protoLoader.loadSync(protoFile, { keepCase: true, defaults: true, enums: String }));
  let node: unknown = definition;
  for (const part of servicePath) node = (node as Record<string, unknown>)[part];
  const Constructor = node as grpc.ServiceClientConstructor;
  return new Constructor(address, grpc.credentials.createInsecure()) as unknown as AnyClient;
}

/** Lists the services of a gRPC server through its server-reflection service (what `grpcurl list` does). */
export function listServicesByReflection(address: string, metadata = new grpc.Metadata()): Promise<string[]> {
  const client = clientFor(reflectionProto, ['grpc', 'reflection', 'v1', 'ServerReflection'], address);
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo(metadata) as grpc.ClientDuplexStream<unknown, { list_services_response?: { service: { name: string }[] }; error_response?: { error_message: string } }>;
    call.on('data', (response) => {
      call.end();
      client.close();
      if (response.error_response) reject(new Error(response.error_response.error_message));
      else resolve((response.list_services_response?.service ?? []).map((s: { name: string }) => s.name).sort());
    });
    call.on('error', (error) => {
      client.close();
      reject(error);
    });
    call.write({ list_services: '*' });
  });
}

/** Asks the standard grpc.health.v1.Health service for a service's status ("" = the whole server). */
export function checkHealth(address: string, service = ''): Promise<string> {
  const client = clientFor(healthProtoPath, ['grpc', 'health', 'v1', 'Health'], address);
  return new Promise((resolve, reject) => {
    client.Check({ service }, (error: grpc.ServiceError | null, response: { status: string }) => {
      client.close();
      if (error) reject(error);
      else resolve(response.status);
    });
  });
}
