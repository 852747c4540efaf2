import { readFileSync } from 'node:fs';
import { allowedSecretFile, checkPasswordSource, secretPolicyFromEnv, type SecretPolicy } from './secret-policy.js';

/** Where a password comes from: the name of an environment variable, or a file. Never the password itself. */
export interface PasswordSource {
  passwordEnv?: string;
  passwordFile?: string;
}

/** A named password source that cannot be read: the process's setup is missing the secret. */
export class PasswordSourceError extends Error {
  override readonly name = 'PasswordSourceError';
}

/**
 * The password a source names, read when called (so a rotated secret is picked up), only from where the
 * operator allows (secret-policy.ts: a FLEETSHIFT_PW_ variable, a file inside FLEETSHIFT_SECRETS_DIR) —
 * anything else throws SecretSourceRefusedError before anything is read. Then: the environment
 * variable `password_env` names, else the file `password_file` names (one trailing newline removed), else
 * undefined (trust, peer or ~/.pgpass authentication). A named source that is missing throws
 * PasswordSourceError, prefixed with `subject` (e.g. `cluster eu-1`), naming the variable or the file and
 * the field — never a value.
 */
export function readPassword(source: PasswordSource, subject: string, policy: SecretPolicy = secretPolicyFromEnv()): string | undefined {
  checkPasswordSource(source, subject, policy);
  if (source.passwordEnv) {
    const value = process.env[source.passwordEnv];
    if (value === undefined) throw new PasswordSourceError(`${subject}: password variable ${source.passwordEnv} is not set (password_env)`);
    return value;
  }
  if (source.passwordFile) {
    const file = allowedSecretFile(source.passwordFile, 'password_file', subject, policy);
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new PasswordSourceError(`${subject}: password_file ${source.passwordFile} cannot be read: ${code}`, { cause: error });
    }
  }
  return undefined;
}
