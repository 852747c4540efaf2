import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChangeKind } from './change.js';
import { stageId } from './ordering.js';
import { changeKinds } from './registry.js';

const kindsDir = new URL('./kinds/', import.meta.url).pathname;
const srcDir = new URL('../', import.meta.url).pathname;
const kindFiles = readdirSync(kindsDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
const registered = changeKinds.map((k) => k.name);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const isChangeKind = (v: unknown): v is ChangeKind =>
  typeof v === 'object' && v !== null && typeof (v as ChangeKind).name === 'string' && typeof (v as ChangeKind).plan === 'function';

describe('the registry is the one list of change kinds', () => {
  it('each file of kinds/ defines one kind, named like the file, and the registry lists it', async () => {
    const found: Array<{ file: string; names: string[]; listed: boolean[] }> = [];
    for (const file of kindFiles) {
      const mod = (await import(join(kindsDir, file))) as Record<string, unknown>;
      const kinds = Object.values(mod).filter(isChangeKind);
      found.push({ file, names: kinds.map((k) => k.name), listed: kinds.map((k) => changeKinds.includes(k)) });
    }
    expect(found).toEqual(kindFiles.map((file) => ({ file, names: [file.replace(/\.ts$/, '')], listed: [true] })));
  });

  it('every registered kind has its file in kinds/, and no name is registered twice', () => {
    expect([...registered].sort()).toEqual(kindFiles.map((f) => f.replace(/\.ts$/, '')).sort());
    expect(new Set(registered).size).toBe(registered.length);
  });

  it('order constraints name registered kinds and declared stages only', () => {
    const ids = new Set(changeKinds.flatMap((k) => [k.name, ...Object.keys(k.stages ?? {}).map((s) => stageId(k.name, s))]));
    const unknown = changeKinds.flatMap((k) =>
      [k.order, ...Object.values(k.stages ?? {})].flatMap((o) => [...(o.after ?? []), ...(o.before ?? [])]).filter((ref) => !ids.has(ref)).map((ref) => `${k.name} → ${ref}`),
    );
    expect(unknown).toEqual([]);
  });

  it('only the registry imports a kind: kinds share code through support/, never through each other', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(srcDir)) {
      const rel = relative(srcDir, file);
      const inKinds = rel.startsWith('changes/kinds/');
      for (const [, path] of readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)) {
        const importsKind = inKinds ? path!.startsWith('./') : /(^|\/)kinds\//.test(path!);
        const allowed = rel === 'changes/registry.ts' || (inKinds && rel.endsWith('.test.ts'));
        if (importsKind && !allowed) offenders.push(`${rel} imports ${path}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('tests in kinds/ belong to a registered kind (<kind>.test.ts or <kind>.<topic>.test.ts)', () => {
    const tests = readdirSync(kindsDir).filter((f) => f.endsWith('.test.ts'));
    expect(tests.length).toBeGreaterThan(0);
    expect(tests.filter((f) => !registered.includes(f.split('.')[0]!))).toEqual([]);
  });
});
