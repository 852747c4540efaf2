/**
 * The unary handler and the status mapping are @fleetshift/telemetry's (unaryHandler, requestStatus).
 * This module only keeps the import path of rollouts/*, which another change is editing at the same
 * time; import from '@fleetshift/telemetry' in new code.
 */
export { unaryHandler, requestStatus as statusOf } from '@fleetshift/telemetry';
