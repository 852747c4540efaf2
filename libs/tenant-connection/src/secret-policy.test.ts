import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PermissionDeniedError } from '@fleetshift/telemetry';
import { describe, expect, it } from 'vitest';
import { readPassword } from './password-source.js';
import { allowedSecretFile, checkPasswordEnv, secretPolicyFromEnv, SecretSourceRefusedError, type SecretPolicy } from './secret-policy.js';

const root = mkdtempSync(path.join(tmpdir(), 'fs-policy-'));
const secrets = path.join(root, 'secrets');
mkdirSync(secrets);
writeFileSync(path.join(secrets, 'eu1'), 'eu1-password\n');
writeFileSync(path.join(root, 'outside'), 'outside-secret\n');
symlinkSync(path.join(root, 'outside'), path.join(secrets, 'escape'));
symlinkSync(path.join(secrets, 'eu1'), path.join(secrets, 'alias'));
const policy: SecretPolicy = { passwordEnvPrefix: 'FLEETSHIFT_PW_', secretsDir: secrets };

function refusal(read: () => unknown): SecretSourceRefusedError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretSourceRefusedError);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    return error as SecretSourceRefusedError;
  }
  throw new Error('expected a refusal');
}

describe('secret policy', () => {
  it('reads the policy from the environment: prefix FLEETSHIFT_PW_ and no secrets directory by default', () => {
    expect(secretPolicyFromEnv({})).toEqual({ passwordEnvPrefix: 'FLEETSHIFT_PW_', secretsDir: undefined });
    expect(secretPolicyFromEnv({ FLEETSHIFT_PASSWORD_ENV_PREFIX: 'ACME_DB_', FLEETSHIFT_SECRETS_DIR: '/run/secrets/' })).toEqual({
      passwordEnvPrefix: 'ACME_DB_',
      secretsDir: '/run/secrets',
    });
    expect(() => secretPolicyFromEnv({ FLEETSHIFT_PASSWORD_ENV_PREFIX: 'A-B' })).toThrow(/FLEETSHIFT_PASSWORD_ENV_PREFIX "A-B"/);
    expect(() => secretPolicyFromEnv({ FLEETSHIFT_SECRETS_DIR: 'relative/dir' })).toThrow(/must be an absolute path/);
  });

  it('allows only variables named with the prefix, never the API token, and names the field and the rule but no value', () => {
    process.env.FLEETSHIFT_PW_POLICY_TEST = 'allowed-value';
    expect(readPassword({ passwordEnv: 'FLEETSHIFT_PW_POLICY_TEST' }, 'tenant t', policy)).toBe('allowed-value');
    process.env.FLEETSHIFT_API_TOKEN_FOR_POLICY_TEST = 'x';
    for (const name of ['PATH', 'PGPASSWORD', 'FLEETSHIFT_API_TOKEN', 'FLEETSHIFT_PW_', 'fleetshift_pw_x', 'HOME']) {
      const error = refusal(() => readPassword({ passwordEnv: name }, 'tenant t', policy));
      expect(error.message).toBe(
        `tenant t: password_env ${JSON.stringify(name)} is refused: a password variable must be named FLEETSHIFT_PW_<name> (the prefix is set by FLEETSHIFT_PASSWORD_ENV_PREFIX of this service)`,
      );
      expect(error.message).not.toContain(process.env.PATH!);
    }
    expect(() => checkPasswordEnv('FLEETSHIFT_API_TOKEN', 's', { ...policy, passwordEnvPrefix: 'FLEETSHIFT_' })).toThrow(SecretSourceRefusedError);
    expect(() => checkPasswordEnv('ACME_DB_EU1', 's', { ...policy, passwordEnvPrefix: 'ACME_DB_' })).not.toThrow();
  });

  it('allows a file inside the secrets directory, absolute or relative to it, and through a link that stays inside', () => {
    expect(readPassword({ passwordFile: path.join(secrets, 'eu1') }, 'cluster c', policy)).toBe('eu1-password');
    expect(readPassword({ passwordFile: 'eu1' }, 'cluster c', policy)).toBe('eu1-password');
    expect(readPassword({ passwordFile: 'alias' }, 'cluster c', policy)).toBe('eu1-password');
    expect(() => readPassword({ passwordFile: 'missing' }, 'cluster c', policy)).toThrow(/password_file missing cannot be read: ENOENT/);
  });

  it('refuses /etc/shadow, a .. path, a symbolic link out of the directory, and any file without a secrets directory', () => {
    const cases: Array<[string, SecretPolicy, RegExp]> = [
      ['/etc/shadow', policy, /password_file "\/etc\/shadow" is refused: a secret file must be inside .*secrets \(FLEETSHIFT_SECRETS_DIR\)$/],
      [`${secrets}/../outside`, policy, /is refused: '\.\.' is not allowed/],
      ['../outside', policy, /is refused: '\.\.' is not allowed/],
      [`${secrets}-sibling/eu1`, policy, /is refused: a secret file must be inside/],
      [secrets, policy, /is refused: a secret file must be inside/],
      ['escape', policy, /is refused: it leads outside the secrets directory through a symbolic link/],
      [path.join(secrets, 'eu1'), { ...policy, secretsDir: undefined }, /is refused: this service allows no secret files \(FLEETSHIFT_SECRETS_DIR is not set\)/],
    ];
    for (const [file, given, message] of cases) {
      const error = refusal(() => readPassword({ passwordFile: file }, 'cluster c', given));
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('outside-secret');
    }
    expect(() => allowedSecretFile('eu1', 'ssl_root_cert_file', 'cluster c', { ...policy, secretsDir: path.join(root, 'nope') })).toThrow(
      /ssl_root_cert_file "eu1" is refused: the secrets directory .* does not exist/,
    );
  });
});
