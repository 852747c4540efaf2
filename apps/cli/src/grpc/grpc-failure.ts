import * as grpc from '@grpc/grpc-js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

/**
 * A failed call to a Fleetshift service as one CLI error line. The caller's input (INVALID_ARGUMENT,
 * NOT_FOUND, FAILED_PRECONDITION, ALREADY_EXISTS, PERMISSION_DENIED, a missing or wrong API token) exits BAD_INPUT;
 * anything else FAILURE — an unreachable service too, named with its address.
 */
export function grpcFailure(what: string, address: string, error: grpc.ServiceError, service = 'scheduler'): CliError {
  if (error.code === grpc.status.UNAVAILABLE) {
    return new CliError(`${what}: the ${service} at ${address} is unreachable: ${oneLine(error.details)}`, ExitCode.FAILURE);
  }
  if (error.code === grpc.status.UNAUTHENTICATED) {
    return new CliError(`${what}: ${error.details} (set FLEETSHIFT_API_TOKEN)`, ExitCode.BAD_INPUT);
  }
  const callerFault: number[] = [grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND, grpc.status.FAILED_PRECONDITION, grpc.status.ALREADY_EXISTS, grpc.status.PERMISSION_DENIED];
  return new CliError(`${what}: ${oneLine(error.details)}`, callerFault.includes(error.code) ? ExitCode.BAD_INPUT : ExitCode.FAILURE);
}

/** True for an error a grpc-js call rejects with (a numeric status code and details). */
export function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'details' in error;
}

/** grpc-js details on one line, without the empty "Resolution note:" it appends to connection failures. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\s*Resolution note:\s*$/, '').trim();
}
