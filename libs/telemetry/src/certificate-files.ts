import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';

type CertificateProvider = grpc.experimental.CertificateProvider;
type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

export interface ServerTlsFiles {
  /** PEM certificate chain of the server (FLEETSHIFT_TLS_CERT). */
  certFile: string;
  /** PEM private key of the server (FLEETSHIFT_TLS_KEY). */
  keyFile: string;
  /** PEM CA bundle that client certificates must chain to (FLEETSHIFT_TLS_CLIENT_CA): set = mTLS. */
  clientCaFile?: string;
  /** How often the files are re-read (FLEETSHIFT_TLS_RELOAD_MS). */
  reloadIntervalMs?: number;
}

/** A TLS file that cannot be used, named by the variable that points to it. */
export class TlsFilesError extends Error {}

interface Loaded {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/**
 * The server's certificate, key and (for mTLS) client CA, read once now — a missing or unusable file
 * throws TlsFilesError naming it — then re-read every `reloadIntervalMs` while a server uses them.
 * A change is handed to grpc-js only once the new files form a valid pair (a renewal that writes the
 * certificate before the key must not take the server down); until then the last good files stay.
 * Polling rather than fs.watch: Kubernetes renews a mounted Secret by swapping a symlink, which
 * inotify on the file does not see.
 */
export class CertificateFiles implements CertificateProvider {
  private current: Loaded;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly files: ServerTlsFiles,
    private readonly onReload: (outcome: { reloaded: true } | { reloaded: false; error: string }) => void = () => undefined,
  ) {
    this.current = loadTlsFiles(files);
  }

  get mtls(): boolean {
    return this.files.clientCaFile !== undefined;
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    this.startPolling();
    // grpc-js registers its own watcher right after this call returns: answer on the next tick.
    process.nextTick(listener, this.current.ca ? { caCertificate: this.current.ca } : null);
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
    this.stopPollingWhenUnused();
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    this.startPolling();
    process.nextTick(listener, { certificate: this.current.cert, privateKey: this.current.key });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
    this.stopPollingWhenUnused();
  }

  /** Re-reads the files now; called by the timer, and by tests. */
  refresh(): void {
    let next: Loaded;
    try {
      next = loadTlsFiles(this.files);
    } catch (error) {
      this.onReload({ reloaded: false, error: (error as Error).message });
      return;
    }
    if (sameFiles(next, this.current)) return;
    this.current = next;
    for (const listener of this.identityListeners) listener({ certificate: next.cert, privateKey: next.key });
    for (const listener of this.caListeners) listener(next.ca ? { caCertificate: next.ca } : null);
    this.onReload({ reloaded: true });
  }

  private startPolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.refresh(), this.files.reloadIntervalMs ?? 60_000);
    this.timer.unref();
  }

  private stopPollingWhenUnused(): void {
    if (this.caListeners.size || this.identityListeners.size || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Server credentials over these files: TLS, and client certificates required when a client CA is set. */
export function serverCredentialsFrom(files: CertificateFiles): grpc.ServerCredentials {
  // grpc-js builds its credentials as (identity provider, CA provider, require client certificate);
  // one provider serves both, so the order of its parameter names does not matter.
  return grpc.experimental.createCertificateProviderServerCredentials(files, files.mtls ? files : null, files.mtls);
}

function loadTlsFiles(files: ServerTlsFiles): Loaded {
  const cert = readTlsFile('FLEETSHIFT_TLS_CERT', files.certFile);
  const key = readTlsFile('FLEETSHIFT_TLS_KEY', files.keyFile);
  const ca = files.clientCaFile === undefined ? undefined : readTlsFile('FLEETSHIFT_TLS_CLIENT_CA', files.clientCaFile);
  try {
    createSecureContext({ cert, key, ca });
  } catch (error) {
    throw new TlsFilesError(
      `FLEETSHIFT_TLS_CERT=${files.certFile} / FLEETSHIFT_TLS_KEY=${files.keyFile}${ca ? ` / FLEETSHIFT_TLS_CLIENT_CA=${files.clientCaFile}` : ''}: ` +
        `not a usable certificate and key: ${(error as Error).message}`,
    );
  }
  return { cert, key, ca };
}

function readTlsFile(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new TlsFilesError(`${variable}=${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function sameFiles(a: Loaded, b: Loaded): boolean {
  return a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca === b.ca || (a.ca !== undefined && b.ca !== undefined && a.ca.equals(b.ca)));
}
