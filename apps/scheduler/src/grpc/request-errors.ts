/**
 * The request errors are @fleetshift/telemetry's (request-errors.ts there, mapped to gRPC statuses by
 * its requestStatus). This module only keeps the import path of rollouts/*, which another change is
 * editing at the same time; import from '@fleetshift/telemetry' in new code.
 */
export { AlreadyExistsError, InvalidRequestError, NotFoundError, PreconditionError, UnavailableError } from '@fleetshift/telemetry';
