import * as grpc from '@grpc/grpc-js';

/**
 * An implementation of every method of a service that answers UNIMPLEMENTED with a message saying
 * what will implement it — never fake data. Real handlers replace these one by one.
 */
export function unimplementedService(
  definition: grpc.ServiceDefinition,
  why: string,
): grpc.UntypedServiceImplementation {
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    const error = { code: grpc.status.UNIMPLEMENTED, details: `${method.path} is not implemented yet: ${why}` };
    implementation[name] = method.responseStream
      ? (call: grpc.ServerWritableStream<unknown, unknown>) => call.emit('error', error)
      : (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(error);
  }
  return implementation;
}
