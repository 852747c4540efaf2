import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type Authenticator, type NodeConnectionOptions } from '@nats-io/transport-node';

/**
 * How a connection proves who it is to NATS and protects the traffic: at most one of user/password,
 * a creds (JWT) file or an nkey seed file, and TLS. Batch jobs carry plans that executors run on every
 * tenant, so outside a laptop NATS must demand both.
 */
export interface NatsSecurity {
  user?: string;
  /** File holding the user's password (a trailing newline is ignored). */
  passwordFile?: string;
  /** A NATS creds file (JWT and nkey seed), as `nsc` writes it. */
  credsFile?: string;
  /** A file holding an nkey seed (SU…). */
  nkeySeedFile?: string;
  /** PEM CA bundle the server's certificate must chain to: set = TLS required. */
  tlsCaFile?: string;
  /** Client certificate and key, when the server verifies clients. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

/** A NATS security variable that is inconsistent or points to no usable file; the message names it. */
export class NatsSecurityError extends Error {}

/**
 * NatsSecurity from the environment: FLEETSHIFT_NATS_USER with FLEETSHIFT_NATS_PASSWORD_FILE,
 * FLEETSHIFT_NATS_CREDS_FILE, FLEETSHIFT_NATS_NKEY_SEED_FILE; FLEETSHIFT_NATS_TLS_CA,
 * FLEETSHIFT_NATS_TLS_CERT, FLEETSHIFT_NATS_TLS_KEY. Nothing set: no credentials, plaintext (a local
 * nats-server). Credentials come from files only, so that none sits in the environment or a log.
 */
export function natsSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): NatsSecurity {
  const value = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  return {
    user: value('FLEETSHIFT_NATS_USER'),
    passwordFile: value('FLEETSHIFT_NATS_PASSWORD_FILE'),
    credsFile: value('FLEETSHIFT_NATS_CREDS_FILE'),
    nkeySeedFile: value('FLEETSHIFT_NATS_NKEY_SEED_FILE'),
    tlsCaFile: value('FLEETSHIFT_NATS_TLS_CA'),
    tlsCertFile: value('FLEETSHIFT_NATS_TLS_CERT'),
    tlsKeyFile: value('FLEETSHIFT_NATS_TLS_KEY'),
  };
}

/** The nats.js connection options for `security`; throws NatsSecurityError naming a bad variable. */
export function natsConnectOptions(security: NatsSecurity): Partial<NodeConnectionOptions> {
  const options: Partial<NodeConnectionOptions> = {};
  const ways = [security.user || security.passwordFile ? 'user' : undefined, security.credsFile, security.nkeySeedFile].filter(Boolean);
  if (ways.length > 1) {
    throw new NatsSecurityError('set one of FLEETSHIFT_NATS_USER (with FLEETSHIFT_NATS_PASSWORD_FILE), FLEETSHIFT_NATS_CREDS_FILE, FLEETSHIFT_NATS_NKEY_SEED_FILE');
  }
  if (security.user || security.passwordFile) {
    if (!security.user || !security.passwordFile) throw new NatsSecurityError('FLEETSHIFT_NATS_USER and FLEETSHIFT_NATS_PASSWORD_FILE must be set together');
    options.user = security.user;
    options.pass = readSecretFile('FLEETSHIFT_NATS_PASSWORD_FILE', security.passwordFile).toString('utf8').replace(/\r?\n$/, '');
  }
  if (security.credsFile) options.authenticator = credsFrom(security.credsFile);
  if (security.nkeySeedFile) options.authenticator = nkeyFrom(security.nkeySeedFile);
  if (security.tlsCertFile || security.tlsKeyFile) {
    if (!security.tlsCertFile || !security.tlsKeyFile) throw new NatsSecurityError('FLEETSHIFT_NATS_TLS_CERT and FLEETSHIFT_NATS_TLS_KEY must be set together');
    if (!security.tlsCaFile) throw new NatsSecurityError('FLEETSHIFT_NATS_TLS_CERT / FLEETSHIFT_NATS_TLS_KEY need FLEETSHIFT_NATS_TLS_CA');
  }
  if (security.tlsCaFile) {
    options.tls = {
      ca: readSecretFile('FLEETSHIFT_NATS_TLS_CA', security.tlsCaFile).toString('utf8'),
      ...(security.tlsCertFile && security.tlsKeyFile
        ? {
            cert: readSecretFile('FLEETSHIFT_NATS_TLS_CERT', security.tlsCertFile).toString('utf8'),
            key: readSecretFile('FLEETSHIFT_NATS_TLS_KEY', security.tlsKeyFile).toString('utf8'),
          }
        : {}),
    };
  }
  return options;
}

/** What a log line may say about the security in use: kinds, never values. */
export function describeNatsSecurity(security: NatsSecurity): { auth: string; tls: string } {
  const auth = security.user ? 'user' : security.credsFile ? 'creds' : security.nkeySeedFile ? 'nkey' : 'none';
  const tls = security.tlsCaFile ? (security.tlsCertFile ? 'mtls' : 'tls') : 'off';
  return { auth, tls };
}

function credsFrom(file: string): Authenticator {
  return credsAuthenticator(readSecretFile('FLEETSHIFT_NATS_CREDS_FILE', file));
}

function nkeyFrom(file: string): Authenticator {
  const seed = readSecretFile('FLEETSHIFT_NATS_NKEY_SEED_FILE', file).toString('utf8').trim();
  return nkeyAuthenticator(new TextEncoder().encode(seed));
}

function readSecretFile(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new NatsSecurityError(`${variable}=${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
