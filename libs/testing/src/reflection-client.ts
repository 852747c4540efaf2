import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { create, createFileRegistry, fromBinary, fromJson, toBinary, toJson, type FileRegistry, type JsonValue } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

// A strict reflection client, as grpcurl is: it learns a server's services only through server reflection,
// builds what it fetched with @bufbuild/protobuf's createFileRegistry (which checks the files as protoc
// does: every import present, every type name resolved, map entries named <Field>Entry), then calls
// methods with messages built from that registry. The reflection stream itself is spoken with the
// published reflection.proto through proto-loader, a codec independent of the server's.

const require = createRequire(import.meta.url);
const reflectionProtoDir = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto');

export type ReflectionVersion = 'v1' | 'v1alpha';

interface RawResponse {
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  list_services_response?: { service: Array<{ name: string }> };
  all_extension_numbers_response?: { base_type_name: string; extension_number: number[] };
  error_response?: { error_code: number; error_message: string };
}

/** One ServerReflectionInfo stream: questions asked one at a time, each answered in order. */
export class ReflectionStream {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<object, RawResponse>;
  private readonly waiting: Array<{ resolve: (response: RawResponse) => void; reject: (error: Error) => void }> = [];
  private failure: Error | undefined;

  constructor(address: string, version: ReflectionVersion = 'v1', metadata = new grpc.Metadata()) {
    const definition = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, {
      includeDirs: [reflectionProtoDir],
      keepCase: true,
    });
    const Client = (grpc.loadPackageDefinition(definition).grpc as any).reflection[version].ServerReflection as grpc.ServiceClientConstructor;
    this.client = new Client(address, grpc.credentials.createInsecure());
    this.call = (this.client as any).ServerReflectionInfo(metadata);
    this.call.on('data', (response: RawResponse) => this.waiting.shift()?.resolve(response));
    this.call.on('error', (error: Error) => {
      this.failure = error;
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    });
  }

  ask(request: object): Promise<RawResponse> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.call.write(request);
    });
  }

  async listServices(): Promise<string[]> {
    const response = await this.ask({ list_services: '*' });
    return (response.list_services_response?.service ?? []).map((service) => service.name).sort();
  }

  /** The files of the answer (file_by_filename / file_containing_symbol…), decoded; an error answer throws. */
  async files(request: object): Promise<FileDescriptorProto[]> {
    const response = await this.ask(request);
    if (response.error_response) {
      throw Object.assign(new Error(response.error_response.error_message), { code: response.error_response.error_code });
    }
    return (response.file_descriptor_response?.file_descriptor_proto ?? []).map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
  }

  close(): void {
    this.call.end();
    this.client.close();
  }
}

export interface ReflectedServer {
  services: string[];
  /** Every file fetched, by path. */
  files: Map<string, FileDescriptorProto>;
  registry: FileRegistry;
}

/**
 * What grpcurl does before `describe` or a call: lists the services, asks for the file of each, then asks
 * by file name for every import not yet sent, and builds the whole with createFileRegistry (which throws
 * on descriptors a strict client refuses).
 */
export async function reflectServer(address: string, options: { version?: ReflectionVersion; metadata?: grpc.Metadata } = {}): Promise<ReflectedServer> {
  const stream = new ReflectionStream(address, options.version, options.metadata);
  try {
    const services = await stream.listServices();
    const files = new Map<string, FileDescriptorProto>();
    const keep = (fetched: FileDescriptorProto[]) => fetched.forEach((file) => files.set(file.name, file));
    for (const service of services) keep(await stream.files({ file_containing_symbol: service }));
    for (let missing = missingImports(files); missing.length > 0; missing = missingImports(files)) {
      for (const name of missing) keep(await stream.files({ file_by_filename: name }));
    }
    return { services, files, registry: createFileRegistry(create(FileDescriptorSetSchema, { file: importsFirst(files) })) };
  } finally {
    stream.close();
  }
}

function missingImports(files: Map<string, FileDescriptorProto>): string[] {
  return [...new Set([...files.values()].flatMap((file) => file.dependency))].filter((name) => !files.has(name));
}

/** The files ordered so that each comes after its imports, as a FileDescriptorSet must be. */
function importsFirst(files: Map<string, FileDescriptorProto>): FileDescriptorProto[] {
  const ordered: FileDescriptorProto[] = [];
  const placed = new Set<string>();
  const place = (name: string) => {
    const file = files.get(name);
    if (!file || placed.has(name)) return;
    placed.add(name);
    file.dependency.forEach(place);
    ordered.push(file);
  };
  [...files.keys()].forEach(place);
  return ordered;
}

/**
 * Calls a unary method named `package.Service/Method` with a request given as proto JSON, using only the
 * registry's descriptors (fromJson → toBinary on the way out, fromBinary → toJson on the way back): the
 * request path grpcurl takes. Rejects with the grpc-js ServiceError on a non-OK status.
 */
export function callUnaryByReflection(
  address: string,
  registry: FileRegistry,
  method: string,
  requestJson: JsonValue,
  metadata = new grpc.Metadata(),
): Promise<JsonValue> {
  const [serviceName, methodName] = method.split('/');
  const service = registry.getService(serviceName!);
  const descriptor = service?.methods.find((each) => each.name === methodName);
  if (!service || !descriptor) return Promise.reject(new Error(`${method} is not in the reflected descriptors`));
  if (descriptor.methodKind !== 'unary') return Promise.reject(new Error(`${method} is ${descriptor.methodKind}, not unary`));
  const path = `/${service.typeName}/${descriptor.name}`;
  const serialize = (message: object) => Buffer.from(toBinary(descriptor.input, message as never));
  const deserialize = (bytes: Buffer) => fromBinary(descriptor.output, bytes);
  const Client = grpc.makeGenericClientConstructor(
    {
      [descriptor.name]: {
        path,
        requestStream: false,
        responseStream: false,
        requestSerialize: serialize,
        requestDeserialize: (bytes: Buffer) => fromBinary(descriptor.input, bytes),
        responseSerialize: (message: object) => Buffer.from(toBinary(descriptor.output, message as never)),
        responseDeserialize: deserialize,
      },
    },
    service.typeName,
  );
  let request;
  try {
    request = fromJson(descriptor.input, requestJson, { registry });
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const client = new Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(path, serialize, deserialize, request, metadata, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(toJson(descriptor.output, response!, { registry }));
    });
  });
}
