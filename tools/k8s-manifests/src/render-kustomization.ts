import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** A rendered Kubernetes object, as plain JSON. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * Renders a kustomization directory with `kubectl kustomize` — the kustomize built into kubectl, i.e. what
 * `kubectl apply -k` applies — and parses the objects. kubectl renders without a cluster. A missing
 * kubectl is an error, not a skip: Debian's package `kubectl` provides it (the CI machines have it).
 */
export async function renderKustomization(directory: string): Promise<K8sObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('kubectl', ['kustomize', directory], { maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw new Error('kubectl is not installed: it renders the kustomizations (apt-get install kubectl)');
    throw new Error(`kubectl kustomize ${directory} failed: ${failure.stderr?.trim() || failure.message}`);
  }
  return parseAllDocuments(stdout).map((document) => {
    if (document.errors.length > 0) throw new Error(`kubectl kustomize ${directory} printed invalid YAML: ${document.errors[0]!.message}`);
    return document.toJSON() as K8sObject;
  });
}
