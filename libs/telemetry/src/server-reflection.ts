import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import type { DescriptorIndex } from './descriptor-index.js';

/**
 * gRPC server reflection (grpc.reflection.v1 and the older v1alpha, which grpcurl and other clients still
 * ask first) answered from a real FileDescriptorSet: each file under its own path with its imports, so
 * strict clients (grpcurl, the C++/Go/Python runtimes, @bufbuild/protobuf) can describe and call every
 * method. The two versions have the same messages; each is decoded with its own descriptors.
 */
export function addServerReflection(server: grpc.Server, index: DescriptorIndex, services: readonly string[]): void {
  const missing = services.filter((name) => !index.hasService(name));
  if (missing.length > 0) {
    throw new Error(`server reflection: the descriptor set does not describe ${missing.join(', ')} (run npm run proto:gen)`);
  }
  const listed = [...services].sort();
  for (const version of ['v1', 'v1alpha']) {
    const requestType = reflectionMessage(index, `grpc.reflection.${version}.ServerReflectionRequest`);
    const responseType = reflectionMessage(index, `grpc.reflection.${version}.ServerReflectionResponse`);
    const definition: grpc.ServiceDefinition = {
      ServerReflectionInfo: {
        path: `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
        requestStream: true,
        responseStream: true,
        requestSerialize: (message: ReflectionRequest) => Buffer.from(toBinary(requestType, create(requestType, message as never))),
        requestDeserialize: (bytes: Buffer) => fromBinary(requestType, bytes) as unknown as ReflectionRequest,
        responseSerialize: (message: ReflectionResponse) => Buffer.from(toBinary(responseType, create(responseType, message as never))),
        responseDeserialize: (bytes: Buffer) => fromBinary(responseType, bytes) as unknown as ReflectionResponse,
      },
    };
    server.addService(definition, {
      ServerReflectionInfo: (call: grpc.ServerDuplexStream<ReflectionRequest, ReflectionResponse>) => {
        call.on('data', (request: ReflectionRequest) => call.write(answerReflection(index, listed, request)));
        call.on('end', () => call.end());
        call.on('error', () => undefined);
      },
    });
  }
}

function reflectionMessage(index: DescriptorIndex, typeName: string): DescMessage {
  const message = index.registry.getMessage(typeName);
  if (!message) throw new Error(`server reflection: the descriptor set has no ${typeName} (run npm run proto:gen)`);
  return message;
}

/** ServerReflectionRequest as @bufbuild/protobuf decodes it (field names in lowerCamelCase). */
export interface ReflectionRequest {
  host: string;
  messageRequest:
    | { case: 'fileByFilename' | 'fileContainingSymbol' | 'allExtensionNumbersOfType' | 'listServices'; value: string }
    | { case: 'fileContainingExtension'; value: { containingType: string; extensionNumber: number } }
    | { case: undefined; value?: undefined };
}

export interface ReflectionResponse {
  validHost: string;
  originalRequest: ReflectionRequest;
  messageResponse:
    | { case: 'fileDescriptorResponse'; value: { fileDescriptorProto: Uint8Array[] } }
    | { case: 'allExtensionNumbersResponse'; value: { baseTypeName: string; extensionNumber: number[] } }
    | { case: 'listServicesResponse'; value: { service: Array<{ name: string }> } }
    | { case: 'errorResponse'; value: { errorCode: number; errorMessage: string } };
}

/** One answer of the ServerReflectionInfo stream; an unknown name is NOT_FOUND, naming it. */
export function answerReflection(index: DescriptorIndex, services: readonly string[], request: ReflectionRequest): ReflectionResponse {
  const reply = (messageResponse: ReflectionResponse['messageResponse']): ReflectionResponse => ({
    validHost: request.host,
    originalRequest: request,
    messageResponse,
  });
  const files = (file: ReturnType<DescriptorIndex['fileByName']>, what: string) =>
    file
      ? reply({ case: 'fileDescriptorResponse', value: { fileDescriptorProto: index.withDependencies(file) } })
      : reply({ case: 'errorResponse', value: { errorCode: grpc.status.NOT_FOUND, errorMessage: `${what} not found` } });

  const asked = request.messageRequest;
  switch (asked.case) {
    case 'listServices':
      return reply({ case: 'listServicesResponse', value: { service: services.map((name) => ({ name })) } });
    case 'fileByFilename':
      return files(index.fileByName(asked.value), `file ${JSON.stringify(asked.value)}`);
    case 'fileContainingSymbol':
      return files(index.fileContainingSymbol(asked.value), `symbol ${JSON.stringify(asked.value)}`);
    case 'fileContainingExtension': {
      const { containingType, extensionNumber } = asked.value;
      return files(index.fileContainingExtension(containingType, extensionNumber), `extension ${extensionNumber} of ${JSON.stringify(containingType)}`);
    }
    case 'allExtensionNumbersOfType': {
      const numbers = index.extensionNumbersOf(asked.value);
      return numbers
        ? reply({ case: 'allExtensionNumbersResponse', value: { baseTypeName: asked.value, extensionNumber: numbers } })
        : reply({ case: 'errorResponse', value: { errorCode: grpc.status.NOT_FOUND, errorMessage: `message type ${JSON.stringify(asked.value)} not found` } });
    }
    default:
      return reply({
        case: 'errorResponse',
        value: { errorCode: grpc.status.INVALID_ARGUMENT, errorMessage: 'the request names no question (file_by_filename, file_containing_symbol, list_services…)' },
      });
  }
}
