import { readPassword } from '@fleetshift/tenant-connection';
import type { ClusterSpec } from './cluster-spec.js';

/**
 * The password to connect to a cluster, read when connecting (so a rotated secret is picked up): the
 * inline one of a static cluster URL, else what password_env / password_file name (readPassword of
 * @fleetshift/tenant-connection: errors name the variable or file, never a value), else none.
 */
export async function clusterPassword(spec: ClusterSpec): Promise<string | undefined> {
  if (spec.password !== undefined) return spec.password;
  return readPassword(spec, `cluster ${spec.id}`);
}
