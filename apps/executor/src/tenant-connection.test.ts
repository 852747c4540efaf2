import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConnectionTarget } from '@fleetshift/contracts';
import { describe, expect, it } from 'vitest';
import { describeTarget, executorApplicationName, readPassword } from './tenant-connection.js';

describe('tenant connection', () => {
  it('reads the password from the variable or the file the target names, never from the message', () => {
    process.env.FLEETSHIFT_TEST_TENANT_PW = 'from-env';
    expect(readPassword(ConnectionTarget.fromPartial({ passwordEnv: 'FLEETSHIFT_TEST_TENANT_PW' }))).toBe('from-env');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'fs-pw-')), 'pw');
    writeFileSync(file, 'from-file\n');
    expect(readPassword(ConnectionTarget.fromPartial({ passwordFile: file }))).toBe('from-file');
    expect(readPassword(ConnectionTarget.fromPartial({}))).toBeUndefined();
    expect(() => readPassword(ConnectionTarget.fromPartial({ passwordEnv: 'FLEETSHIFT_TEST_UNSET_PW' }))).toThrow(/FLEETSHIFT_TEST_UNSET_PW is not set/);
    expect(() => readPassword(ConnectionTarget.fromPartial({ passwordFile: `${file}.missing` }))).toThrow(/cannot be read: ENOENT/);
  });

  it('describes a target without its password and names its sessions', () => {
    process.env.FLEETSHIFT_TEST_TENANT_PW = 'from-env';
    const target = ConnectionTarget.fromPartial({ host: 'db1', port: 5433, user: 'app', database: 'acme', passwordEnv: 'FLEETSHIFT_TEST_TENANT_PW' });
    expect(describeTarget(target)).toBe('postgresql://app@db1:5433/acme');
    expect(executorApplicationName('exec-1')).toBe('fleetshift-executor:exec-1');
    expect(executorApplicationName('x'.repeat(80))).toHaveLength(63);
  });
});
