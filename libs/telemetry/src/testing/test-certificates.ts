import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// Certificates for TLS tests, made by the openssl command (Debian's is on every machine that runs the
// tests): a CA, and leaf certificates it signs. Test-only; nothing in production imports this.

const run = promisify(execFile);

export interface KeyPair {
  cert: string;
  key: string;
}

export interface TestCertificates {
  dir: string;
  ca: KeyPair;
  /** Signed by `ca`, for localhost / 127.0.0.1 / ::1 (server and client use). */
  server: KeyPair;
  /** Signed by `ca`, for client use. */
  client: KeyPair;
  /** Another CA, that signed nothing the servers trust. */
  otherCa: KeyPair;
  /** Signed by `otherCa`: a client certificate the servers must refuse. */
  strangerClient: KeyPair;
}

const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A fresh directory with a CA, a server and a client certificate, and a stranger's pair. */
export async function createTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fleetshift-tls-'));
  const ca = await createCa(dir, 'ca');
  const otherCa = await createCa(dir, 'other-ca');
  return {
    dir,
    ca,
    otherCa,
    server: await issueCertificate(dir, 'server', ca),
    client: await issueCertificate(dir, 'client', ca),
    strangerClient: await issueCertificate(dir, 'stranger', otherCa),
  };
}

export async function createCa(dir: string, name: string): Promise<KeyPair> {
  const pair = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  await run('openssl', ['req', '-x509', ...curve, '-keyout', pair.key, '-out', pair.cert, '-days', '2', '-subj', `/CN=fleetshift test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return pair;
}

/** A leaf certificate signed by `ca` for localhost, 127.0.0.1 and ::1, usable by servers and clients. */
export async function issueCertificate(dir: string, name: string, ca: KeyPair): Promise<KeyPair> {
  const pair = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  const csr = path.join(dir, `${name}.csr`);
  const extensions = path.join(dir, `${name}.ext`);
  await writeFile(extensions, 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n');
  await run('openssl', ['req', ...curve, '-keyout', pair.key, '-out', csr, '-subj', `/CN=${name}`]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', pair.cert, '-days', '2', '-extfile', extensions]);
  return pair;
}
