import { realpathSync } from 'node:fs';
import path from 'node:path';
import { PermissionDeniedError } from '@fleetshift/telemetry';

/**
 * Where this process may take secrets from, as its operator configured it. A password source or a CA
 * file arrives in requests (RegisterCluster, Introspect, Plan, batches); whoever sends one also chooses
 * the host, so a source outside this allow-list would send that secret (PATH, the API token, /etc/shadow)
 * to the caller's server.
 */
export interface SecretPolicy {
  /** password_env must start with this (and be longer than it). */
  passwordEnvPrefix: string;
  /** password_file and CA files must resolve inside this directory; undefined: no file is allowed. */
  secretsDir: string | undefined;
}

export const defaultPasswordEnvPrefix = 'FLEETSHIFT_PW_';
/** The variables that configure the policy. */
export const secretPolicyVariables = { prefix: 'FLEETSHIFT_PASSWORD_ENV_PREFIX', secretsDir: 'FLEETSHIFT_SECRETS_DIR' } as const;

/** Never a password source, whatever the prefix: the services' own API token. */
const neverPasswords = new Set(['FLEETSHIFT_API_TOKEN']);
const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A request named a secret source the operator has not allowed: PERMISSION_DENIED, never naming a value. */
export class SecretSourceRefusedError extends PermissionDeniedError {
  override readonly name: string = 'SecretSourceRefusedError';
}

/**
 * The policy from the environment, read at each call so a test or a restarted process sees its current
 * setting: FLEETSHIFT_PASSWORD_ENV_PREFIX (default FLEETSHIFT_PW_), FLEETSHIFT_SECRETS_DIR (default unset).
 */
export function secretPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): SecretPolicy {
  const prefix = env[secretPolicyVariables.prefix] || defaultPasswordEnvPrefix;
  if (!variableName.test(prefix)) {
    throw new Error(`${secretPolicyVariables.prefix} ${JSON.stringify(prefix)} is not the start of a variable name`);
  }
  const dir = env[secretPolicyVariables.secretsDir];
  if (dir !== undefined && dir !== '' && !path.isAbsolute(dir)) {
    throw new Error(`${secretPolicyVariables.secretsDir} ${JSON.stringify(dir)} must be an absolute path`);
  }
  return { passwordEnvPrefix: prefix, secretsDir: dir ? path.resolve(dir) : undefined };
}

/** Refuses a password_env outside the allowed prefix (or the API token). `subject` starts the message. */
export function checkPasswordEnv(name: string, subject: string, policy: SecretPolicy = secretPolicyFromEnv()): void {
  const { passwordEnvPrefix } = policy;
  if (!neverPasswords.has(name) && name.startsWith(passwordEnvPrefix) && name.length > passwordEnvPrefix.length && variableName.test(name)) return;
  throw new SecretSourceRefusedError(
    `${subject}: password_env ${JSON.stringify(name)} is refused: a password variable must be named ${passwordEnvPrefix}<name> ` +
      `(the prefix is set by ${secretPolicyVariables.prefix} of this service)`,
  );
}

/**
 * The path to read for a secret file a request names (`field`: password_file, ssl_root_cert_file), or
 * SecretSourceRefusedError unless it lies inside the secrets directory: no `..` segment, inside the
 * directory as written (a relative path is taken relative to it), and — when it exists — its real path
 * (symbolic links followed) still inside the directory's real path. A missing file inside the directory
 * is returned as is: reading it fails with ENOENT, while a path outside is refused without looking at it.
 */
export function allowedSecretFile(file: string, field: string, subject: string, policy: SecretPolicy = secretPolicyFromEnv()): string {
  const refuse = (rule: string) =>
    new SecretSourceRefusedError(`${subject}: ${field} ${JSON.stringify(file)} is refused: ${rule}`);
  if (!policy.secretsDir) {
    throw refuse(`this service allows no secret files (${secretPolicyVariables.secretsDir} is not set)`);
  }
  const inside = `a secret file must be inside ${policy.secretsDir} (${secretPolicyVariables.secretsDir})`;
  if (file.split(/[\\/]/).includes('..')) throw refuse(`'..' is not allowed; ${inside}`);
  const resolved = path.resolve(policy.secretsDir, file);
  if (!isInside(policy.secretsDir, resolved)) throw refuse(inside);
  let realDir: string;
  try {
    realDir = realpathSync(policy.secretsDir);
  } catch {
    throw refuse(`the secrets directory ${policy.secretsDir} does not exist`);
  }
  let real: string;
  try {
    real = realpathSync(resolved);
  } catch {
    return resolved;
  }
  if (!isInside(realDir, real)) throw refuse(`it leads outside the secrets directory through a symbolic link; ${inside}`);
  return real;
}

/** Refuses each source a password source names that the policy does not allow; reads nothing. */
export function checkPasswordSource(
  source: { passwordEnv?: string; passwordFile?: string },
  subject: string,
  policy: SecretPolicy = secretPolicyFromEnv(),
): void {
  if (source.passwordEnv) checkPasswordEnv(source.passwordEnv, subject, policy);
  if (source.passwordFile) allowedSecretFile(source.passwordFile, 'password_file', subject, policy);
}

function isInside(dir: string, candidate: string): boolean {
  const relative = path.relative(dir, candidate);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
