import { describe, expect, it } from 'vitest';
import { packageOf, packagesMissingAtRuntime } from './runtime-packages.js';

describe('packagesMissingAtRuntime', () => {
  it('names the imported packages that are not production dependencies, by package', () => {
    const dependencies = { pg: '8.0.0', '@grpc/grpc-js': '1.0.0' };
    expect(packagesMissingAtRuntime(['pg', '@grpc/grpc-js/build/src/x.js', 'node:fs', 'crypto', 'yaml', 'yaml/util', '@kubernetes-models/keda/x'], dependencies)).toEqual([
      '@kubernetes-models/keda',
      'yaml',
    ]);
    expect(packagesMissingAtRuntime(['pg', 'node:path'], dependencies)).toEqual([]);
  });

  it('reads a scoped package name from a deep import', () => {
    expect(packageOf('@nats-io/jetstream/internal')).toBe('@nats-io/jetstream');
    expect(packageOf('pino/file')).toBe('pino');
  });
});
