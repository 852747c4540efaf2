import { readFile } from 'node:fs/promises';
import type { ConnectionTarget } from '@fleetshift/contracts';
import { PreconditionError } from '../request-errors.js';

/**
 * The tenant's password, read by the planner process: from the environment variable `password_env`
 * names, or the file `password_file` names (trailing newline removed). Neither set: no password
 * (trust, peer or ~/.pgpass). A named source that is missing is a precondition failure of the planner's
 * deployment, reported without the secret.
 */
export async function tenantPassword(target: ConnectionTarget): Promise<string | undefined> {
  if (target.passwordEnv) return passwordFromEnv(target.passwordEnv);
  if (target.passwordFile) return passwordFromFile(target.passwordFile);
  return undefined;
}

function passwordFromEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined) {
    throw new PreconditionError(`tenant password_env ${name} is not set in the planner's environment`);
  }
  return value;
}

async function passwordFromFile(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw new PreconditionError(`tenant password_file ${path} cannot be read by the planner (${code})`);
  }
}
