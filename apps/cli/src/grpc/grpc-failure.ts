import * as grpc from '@grpc/grpc-js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

/**
 * A failed call to a Fleetshift service as one CLI error: the caller's input (INVALID_ARGUMENT,
 * NOT_FOUND, FAILED_PRECONDITION, an unreachable server) exits BAD_INPUT, anything else FAILURE.
 */
export function grpcFailure(what: string, address: string, error: grpc.ServiceError): CliError {
  if (error.code === grpc.status.UNAVAILABLE) {
    return new CliError(`${what}: the scheduler at ${address} is unreachable: ${error.details}`, ExitCode.BAD_INPUT);
  }
  if (error.code === grpc.status.UNAUTHENTICATED) {
    return new CliError(`${what}: ${error.details} (set FLEETSHIFT_API_TOKEN)`, ExitCode.BAD_INPUT);
  }
  const callerFault: number[] = [grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND, grpc.status.FAILED_PRECONDITION, grpc.status.ALREADY_EXISTS];
  return new CliError(`${what}: ${error.details}`, callerFault.includes(error.code) ? ExitCode.BAD_INPUT : ExitCode.FAILURE);
}
