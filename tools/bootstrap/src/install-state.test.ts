import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installProblem, pinnedNodeVersion } from './install-state.mjs';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

const lock = {
  name: 'x',
  lockfileVersion: 3,
  packages: {
    '': { name: 'x', devDependencies: { node: '22.23.3' } },
    'libs/a': { name: '@x/a' },
    'node_modules/@x/a': { resolved: 'libs/a', link: true },
    'node_modules/pg': { version: '8.23.1', resolved: 'https://registry.example/pg-8.23.1.tgz', integrity: 'sha512-pg' },
    'node_modules/node': { version: '22.23.3', resolved: 'https://registry.example/node-22.23.3.tgz', integrity: 'sha512-node', dev: true },
    'node_modules/@esbuild/darwin-arm64': { version: '0.25.0', integrity: 'sha512-darwin', optional: true, os: ['darwin'] },
  },
};

/** A project whose package-lock.json is `lock`, and whose node_modules npm recorded as `installed`. */
function project(installed?: Record<string, unknown>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'install-state-'));
  roots.push(root);
  writeFileSync(path.join(root, 'package-lock.json'), JSON.stringify(lock));
  if (installed) {
    mkdirSync(path.join(root, 'node_modules'));
    writeFileSync(path.join(root, 'node_modules', '.package-lock.json'), JSON.stringify({ name: 'x', lockfileVersion: 3, packages: installed }));
  }
  return root;
}

const { '': _root, 'node_modules/@esbuild/darwin-arm64': _otherPlatform, ...installedHere } = lock.packages;

describe('installProblem', () => {
  it('is undefined when node_modules holds what the lock file names (an optional package for another platform may be absent)', () => {
    expect(installProblem(project(installedHere))).toBeUndefined();
  });

  it('says node_modules is missing, or that npm left no record of an install', () => {
    expect(installProblem(project())).toBe('node_modules is missing');
    const root = project();
    mkdirSync(path.join(root, 'node_modules'));
    expect(installProblem(root)).toMatch(/^node_modules has no record of an npm install/);
  });

  it('names a package the lock file wants that is not installed', () => {
    const { 'node_modules/pg': _pg, ...withoutPg } = installedHere;
    expect(installProblem(project(withoutPg))).toBe('node_modules/pg is not installed');
  });

  it('names a package installed at another version or from another source than the lock file says', () => {
    const older = { ...installedHere, 'node_modules/pg': { ...lock.packages['node_modules/pg'], version: '8.11.0' } };
    expect(installProblem(project(older))).toBe('node_modules/pg is installed as 8.11.0, package-lock.json wants 8.23.1 (version)');
    const otherBytes = { ...installedHere, 'node_modules/pg': { ...lock.packages['node_modules/pg'], integrity: 'sha512-other' } };
    expect(installProblem(project(otherBytes))).toMatch(/^node_modules\/pg is installed as sha512-other, package-lock\.json wants sha512-pg \(integrity\)/);
  });

  it('names a package still installed that the lock file no longer has', () => {
    const extra = { ...installedHere, 'node_modules/left-pad': { version: '1.3.0' } };
    expect(installProblem(project(extra))).toBe('node_modules/left-pad is installed but package-lock.json no longer has it');
  });
});

describe('pinnedNodeVersion', () => {
  it('is the version of the node devDependency in the lock file', () => {
    expect(pinnedNodeVersion(project())).toBe('22.23.3');
  });
});
