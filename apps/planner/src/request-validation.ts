import { SchemaFormat, type ConnectionTarget, type PlannerServiceServer, type SchemaSource } from '@fleetshift/contracts';
import { InvalidRequestError } from '@fleetshift/telemetry';
import {
  assertCleanStrings,
  assertEnum,
  assertId,
  assertStringList,
  assertUint,
  maxTextLength,
  type ServiceValidators,
} from '@fleetshift/telemetry/request-fields';
import { desiredSchemaCacheMaxTextChars } from './desired-schema.js';

/**
 * The planner's checks of every request field of every RPC, run before the handler (validatedService):
 * schema sources (a known format, a bounded text), connection targets (host, port, names), schema names,
 * hazard lists, and no NUL anywhere. A refused request answers INVALID_ARGUMENT naming the field. The
 * handlers keep their own checks (required target fields, the password source the operator allows …).
 */

const hostPattern = /^[A-Za-z0-9._:%/[\]-]{1,253}$/;
const namePattern = /^[A-Za-z0-9_.@$-]{1,63}$/;
const nameRule = "letters, digits, '_', '.', '@', '$' and '-' (at most 63)";
const schemaNamePattern = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const schemaNameRule = "a PostgreSQL schema name: letters, digits, '_' and '$', not starting with a digit (at most 63)";

/** The fields that carry a whole schema or SQL text may be large; every other string is short. */
function stringBounds(path: string): number {
  if (/^(schema|from|to)\.text$/.test(path) || path === 'sql') return desiredSchemaCacheMaxTextChars;
  if (/password_file|ssl_root_cert_file/.test(path)) return 4096;
  return maxTextLength;
}

function clean(request: object): void {
  assertCleanStrings(request, '', stringBounds);
}

function source(field: string, value: SchemaSource | undefined): void {
  if (!value) return;
  assertEnum(`${field}.format`, value.format, SchemaFormat, { allowUnspecified: true });
}

function target(field: string, value: ConnectionTarget | undefined): void {
  if (!value) return;
  if (value.host && !hostPattern.test(value.host)) throw new InvalidRequestError(`${field}.host ${JSON.stringify(value.host)}: a host name or IP address`);
  assertUint(`${field}.port`, value.port, 65535);
  assertId(`${field}.user`, value.user, namePattern, nameRule);
  assertId(`${field}.database`, value.database, namePattern, nameRule);
  assertId(`${field}.schema`, value.schema, schemaNamePattern, schemaNameRule);
}

function schemaName(field: string, value: string): void {
  assertId(field, value, schemaNamePattern, schemaNameRule);
}

export function plannerServiceValidators(): ServiceValidators<PlannerServiceServer> {
  return {
    plan(request) {
      clean(request);
      source('schema', request.schema);
      target('tenant', request.tenant);
      assertStringList('allow_hazards', request.allowHazards, 100);
    },
    diff(request) {
      clean(request);
      source('from', request.from);
      source('to', request.to);
      schemaName('schema', request.schema);
      assertStringList('allow_hazards', request.allowHazards, 100);
    },
    lint(request) {
      clean(request);
    },
    introspect(request) {
      clean(request);
      target('tenant', request.tenant);
    },
    validateSchema(request) {
      clean(request);
      source('schema', request.schema);
      schemaName('schema_name', request.schemaName);
    },
  };
}
