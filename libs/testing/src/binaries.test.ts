import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pgBinary } from './pg-binary.js';
import { squawkBinary } from './squawk-binary.js';

describe('pgBinary', () => {
  it('finds a psql that runs', () => {
    expect(execFileSync(pgBinary('psql'), ['--version'], { encoding: 'utf8' })).toMatch(/^psql \(PostgreSQL\) \d+/);
  });

  it('refuses what is not a program name', () => {
    expect(() => pgBinary('../psql')).toThrow(/^pgBinary: "\.\.\/psql" is not a PostgreSQL program name/);
  });

  describe('where it looks', () => {
    const savedPath = process.env.PATH;
    let root: string;

    afterEach(() => {
      process.env.PATH = savedPath;
      rmSync(root, { recursive: true, force: true });
    });

    /** A fresh module (pgBinary remembers what it found), run with PATH set to `dirs` only. */
    async function lookUp(dirs: string[], name = 'psql'): Promise<string> {
      vi.resetModules();
      const { pgBinary: fresh } = await import('./pg-binary.js');
      process.env.PATH = dirs.join(path.delimiter);
      return fresh(name);
    }

    function program(file: string, body: string): void {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `#!/bin/sh\n${body}\n`);
      chmodSync(file, 0o755);
    }

    function setUp(): { bindir: string; wrapperDir: string; toolDir: string; shDir: string } {
      root = mkdtempSync(path.join(tmpdir(), 'fleetshift-pgbinary-'));
      const bindir = path.join(root, 'lib', 'postgresql', 'bin');
      const wrapperDir = path.join(root, 'usr-bin');
      const toolDir = path.join(root, 'tools');
      program(path.join(toolDir, 'pg_config'), `echo ${bindir}`);
      // The scripts' own sh, alone in a directory (the real /bin has PostgreSQL's programs too).
      mkdirSync(path.join(root, 'sh'));
      symlinkSync('/bin/sh', path.join(root, 'sh', 'sh'));
      return { bindir, wrapperDir, toolDir, shDir: path.join(root, 'sh') };
    }

    it('prefers pg_config --bindir over an earlier psql on the PATH (the Debian wrapper)', async () => {
      const { bindir, wrapperDir, toolDir, shDir } = setUp();
      program(path.join(bindir, 'psql'), 'echo real');
      program(path.join(wrapperDir, 'psql'), 'echo wrapper');
      expect(await lookUp([wrapperDir, toolDir, shDir])).toBe(path.join(bindir, 'psql'));
    });

    it('falls back to the PATH when pg_config is missing or its bindir has no such program', async () => {
      const { bindir, wrapperDir, toolDir, shDir } = setUp();
      program(path.join(wrapperDir, 'psql'), 'echo wrapper');
      mkdirSync(bindir, { recursive: true });
      expect(await lookUp([wrapperDir, toolDir, shDir])).toBe(path.join(wrapperDir, 'psql'));
      expect(await lookUp([wrapperDir])).toBe(path.join(wrapperDir, 'psql'));
    });

    it('says in one line where it looked when the program is nowhere', async () => {
      const { bindir, toolDir, shDir } = setUp();
      mkdirSync(bindir, { recursive: true });
      await expect(lookUp([toolDir, shDir], 'pg_dump')).rejects.toThrow(
        new RegExp(`^pg_dump not found in pg_config --bindir \\(${bindir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) nor on the PATH: install the PostgreSQL client`),
      );
      await expect(lookUp([root])).rejects.toThrow(/^psql not found in the PATH \(and no pg_config there\): install the PostgreSQL client/);
    });
  });
});

describe('squawkBinary', () => {
  it('finds the squawk of the installed platform package, and it runs', () => {
    const squawk = squawkBinary();
    expect(squawk).toContain(path.join('node_modules', '@squawk-cli', `${process.platform}-${process.arch}`));
    expect(execFileSync(squawk, ['--version'], { encoding: 'utf8' })).toMatch(/squawk/i);
  });
});
