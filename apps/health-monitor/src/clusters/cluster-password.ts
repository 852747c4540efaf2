import { readFile } from 'node:fs/promises';
import type { ClusterSpec } from './cluster-spec.js';

/**
 * The password to connect to a cluster, read when connecting (so a rotated secret is picked up):
 * the inline one, else the environment variable password_env, else the file password_file, else none.
 * Errors name the variable or file, never a value.
 */
export async function clusterPassword(spec: ClusterSpec): Promise<string | undefined> {
  if (spec.password !== undefined) return spec.password;
  if (spec.passwordEnv) {
    const value = process.env[spec.passwordEnv];
    if (value === undefined) throw new Error(`cluster ${spec.id}: environment variable ${spec.passwordEnv} (password_env) is not set`);
    return value;
  }
  if (spec.passwordFile) {
    try {
      return (await readFile(spec.passwordFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      throw new Error(`cluster ${spec.id}: cannot read password_file ${spec.passwordFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  return undefined;
}
