import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { InvalidRequestError } from '@fleetshift/telemetry';
import { allowedSecretFile, secretPolicyFromEnv, type SecretPolicy } from './secret-policy.js';
import { PasswordSourceError } from './password-source.js';

/** The sslmode values a cluster or target may name (libpq's, without allow). */
export const sslModes = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof sslModes)[number];

/** What a TLS setting is made of, as a Cluster or ConnectionTarget carries it. */
export interface TlsSource {
  sslmode?: string;
  sslRootCertFile?: string;
}

/** An sslmode that is not one of sslModes: the request is wrong (INVALID_ARGUMENT). */
export class SslModeError extends InvalidRequestError {
  override readonly name: string = 'SslModeError';
}

/** The sslmode a source names, empty meaning disable; an unknown one throws SslModeError naming the values. */
export function sslModeOf(source: TlsSource, subject: string): SslMode {
  const mode = source.sslmode || 'disable';
  if ((sslModes as readonly string[]).includes(mode)) return mode as SslMode;
  throw new SslModeError(`${subject}: sslmode ${JSON.stringify(mode)} is not one of ${sslModes.join(', ')}`);
}

/**
 * The `ssl` setting of node-pg for a source: disable → false; prefer and require → TLS without checking
 * the certificate (node-pg has no plaintext fallback, so prefer behaves as require); verify-ca → the
 * certificate must chain to the CA (ssl_root_cert_file, else the system's CAs) whatever name it carries;
 * verify-full → it must also name the host connected to. The CA file must be inside the secrets directory
 * (secret-policy.ts), else SecretSourceRefusedError before anything is read; an unreadable one is a
 * PasswordSourceError (a secret the process's setup is missing).
 */
export function tlsOptions(source: TlsSource, subject: string, policy: SecretPolicy = secretPolicyFromEnv()): false | ConnectionOptions {
  const mode = sslModeOf(source, subject);
  if (mode === 'disable') return false;
  if (mode === 'prefer' || mode === 'require') return { rejectUnauthorized: false };
  const ca = source.sslRootCertFile ? readCa(source.sslRootCertFile, subject, policy) : undefined;
  const checked: ConnectionOptions = { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  return mode === 'verify-ca' ? { ...checked, checkServerIdentity: () => undefined } : checked;
}

/** Refuses a CA file outside the secrets directory without reading it; SecretSourceRefusedError. */
export function checkTlsSource(source: TlsSource, subject: string, policy: SecretPolicy = secretPolicyFromEnv()): void {
  sslModeOf(source, subject);
  if (source.sslRootCertFile) allowedSecretFile(source.sslRootCertFile, 'ssl_root_cert_file', subject, policy);
}

function readCa(file: string, subject: string, policy: SecretPolicy): string {
  const allowed = allowedSecretFile(file, 'ssl_root_cert_file', subject, policy);
  try {
    return readFileSync(allowed, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new PasswordSourceError(`${subject}: ssl_root_cert_file ${file} cannot be read: ${code}`, { cause: error });
  }
}
