import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';

/** How a client reaches a Fleetshift service: credentials and the channel options that go with them. */
export interface ClientTransport {
  credentials: ChannelCredentials;
  /** Channel options to merge into the client's (the TLS server name override). */
  options: ChannelOptions;
  /** 'tls' when FLEETSHIFT_TLS_CA is set (with a client certificate: 'mtls'), else 'plaintext'. */
  mode: 'plaintext' | 'tls' | 'mtls';
}

/** A TLS variable that points to no usable file; the message names the variable. */
export class ClientTlsError extends Error {}

/**
 * The transport of every gRPC client (scheduler→planner, monitor→scheduler, the CLI) from the
 * environment: FLEETSHIFT_TLS_CA (PEM CA bundle that the server's certificate must chain to) turns
 * TLS on; FLEETSHIFT_TLS_CLIENT_CERT and FLEETSHIFT_TLS_CLIENT_KEY add a client certificate for
 * mTLS; FLEETSHIFT_TLS_SERVER_NAME checks the server's certificate against that name instead of the
 * address's host. Nothing set: plaintext, as on loopback. The files are read once, when called.
 */
export function clientTransport(env: NodeJS.ProcessEnv = process.env): ClientTransport {
  const caFile = nonEmpty(env.FLEETSHIFT_TLS_CA);
  const certFile = nonEmpty(env.FLEETSHIFT_TLS_CLIENT_CERT);
  const keyFile = nonEmpty(env.FLEETSHIFT_TLS_CLIENT_KEY);
  const serverName = nonEmpty(env.FLEETSHIFT_TLS_SERVER_NAME);
  if (!caFile) {
    if (certFile || keyFile) throw new ClientTlsError('FLEETSHIFT_TLS_CLIENT_CERT / FLEETSHIFT_TLS_CLIENT_KEY need FLEETSHIFT_TLS_CA (the CA of the server)');
    return { credentials: credentials.createInsecure(), options: {}, mode: 'plaintext' };
  }
  if (Boolean(certFile) !== Boolean(keyFile)) throw new ClientTlsError('FLEETSHIFT_TLS_CLIENT_CERT and FLEETSHIFT_TLS_CLIENT_KEY must be set together');
  const ca = readTlsFile('FLEETSHIFT_TLS_CA', caFile);
  const key = keyFile ? readTlsFile('FLEETSHIFT_TLS_CLIENT_KEY', keyFile) : null;
  const cert = certFile ? readTlsFile('FLEETSHIFT_TLS_CLIENT_CERT', certFile) : null;
  let secure: ChannelCredentials;
  try {
    secure = credentials.createSsl(ca, key, cert);
  } catch (error) {
    throw new ClientTlsError(`FLEETSHIFT_TLS_CA=${caFile}${certFile ? ` / FLEETSHIFT_TLS_CLIENT_CERT=${certFile}` : ''}: not usable: ${(error as Error).message}`);
  }
  return {
    credentials: secure,
    options: serverName ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : {},
    mode: cert ? 'mtls' : 'tls',
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readTlsFile(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ClientTlsError(`${variable}=${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
