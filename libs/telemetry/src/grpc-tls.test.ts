import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { clientTransport, ClientTlsError } from '@fleetshift/contracts';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateFiles, TlsFilesError } from './certificate-files.js';
import { startGrpcServer, type RunningGrpcServer } from './grpc-server.js';
import { echoService } from './testing/echo-service.js';
import { bearer, healthCheck, lint } from './testing/grpc-clients.js';
import { createCa, createTestCertificates, issueCertificate, type TestCertificates } from './testing/test-certificates.js';

const logger = pino({ level: 'silent' });
let certs: TestCertificates;

beforeAll(async () => {
  certs = await createTestCertificates();
});

const tlsClient = (env: Record<string, string>) => clientTransport(env);
const plaintextClient = () => clientTransport({});

describe('a TLS server', () => {
  let server: RunningGrpcServer;
  let address: string;
  beforeAll(async () => {
    const tls = new CertificateFiles({ certFile: certs.server.cert, keyFile: certs.server.key });
    server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [echoService(logger)], tls, apiToken: 'tok' });
    address = `127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.stop(1000);
  });

  it('refuses a plaintext client', async () => {
    await expect(lint(address, 'SELECT 1', bearer('tok'), plaintextClient())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('serves a TLS client that trusts its CA (the token still required, health open)', async () => {
    const transport = tlsClient({ FLEETSHIFT_TLS_CA: certs.ca.cert });
    expect(transport.mode).toBe('tls');
    expect((await lint(address, 'SELECT 1', bearer('tok'), transport)).findings[0]!.message).toBe('SELECT 1');
    await expect(lint(address, 'SELECT 1', bearer(), transport)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(await healthCheck(address, '', transport)).toBe('SERVING');
  });

  it('is refused by a client that trusts another CA', async () => {
    await expect(lint(address, 'SELECT 1', bearer('tok'), tlsClient({ FLEETSHIFT_TLS_CA: certs.otherCa.cert }))).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });
});

describe('an mTLS server (FLEETSHIFT_TLS_CLIENT_CA)', () => {
  let server: RunningGrpcServer;
  let address: string;
  beforeAll(async () => {
    const tls = new CertificateFiles({ certFile: certs.server.cert, keyFile: certs.server.key, clientCaFile: certs.ca.cert });
    expect(tls.mtls).toBe(true);
    server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [echoService(logger)], tls });
    address = `127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.stop(1000);
  });

  it('refuses a TLS client without a client certificate, even for health checks', async () => {
    const transport = tlsClient({ FLEETSHIFT_TLS_CA: certs.ca.cert });
    await expect(lint(address, 'SELECT 1', bearer(), transport)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(healthCheck(address, '', transport)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('refuses a client certificate of another CA', async () => {
    const transport = tlsClient({ FLEETSHIFT_TLS_CA: certs.ca.cert, FLEETSHIFT_TLS_CLIENT_CERT: certs.strangerClient.cert, FLEETSHIFT_TLS_CLIENT_KEY: certs.strangerClient.key });
    await expect(lint(address, 'SELECT 1', bearer(), transport)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('serves a client with a certificate of its client CA', async () => {
    const transport = tlsClient({ FLEETSHIFT_TLS_CA: certs.ca.cert, FLEETSHIFT_TLS_CLIENT_CERT: certs.client.cert, FLEETSHIFT_TLS_CLIENT_KEY: certs.client.key });
    expect(transport.mode).toBe('mtls');
    expect((await lint(address, 'SELECT 1', bearer(), transport)).findings[0]!.message).toBe('SELECT 1');
  });
});

describe('certificate reload', () => {
  it('serves the new certificate once the files change, and keeps the old one while they are unusable', async () => {
    const live = { cert: path.join(certs.dir, 'live.crt'), key: path.join(certs.dir, 'live.key') };
    await copyFile(certs.server.cert, live.cert);
    await copyFile(certs.server.key, live.key);
    const outcomes: Array<{ reloaded: boolean }> = [];
    const tls = new CertificateFiles({ certFile: live.cert, keyFile: live.key, reloadIntervalMs: 100 }, (outcome) => outcomes.push(outcome));
    const server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [echoService(logger)], tls });
    const address = `127.0.0.1:${server.port}`;
    const trustsOld = tlsClient({ FLEETSHIFT_TLS_CA: certs.ca.cert });
    const renewedCa = await createCa(certs.dir, 'renewed-ca');
    const renewed = await issueCertificate(certs.dir, 'renewed', renewedCa);
    const trustsNew = tlsClient({ FLEETSHIFT_TLS_CA: renewedCa.cert });
    try {
      expect((await lint(address, 'old', bearer(), trustsOld)).findings[0]!.message).toBe('old');

      // Half a renewal (the certificate written, the key not yet): the pair does not match, the old one stays.
      await copyFile(renewed.cert, live.cert);
      await expect.poll(() => outcomes.some((o) => !o.reloaded), { timeout: 10_000 }).toBe(true);
      expect((await lint(address, 'still old', bearer(), trustsOld)).findings[0]!.message).toBe('still old');

      await copyFile(renewed.key, live.key);
      await expect.poll(() => outcomes.some((o) => o.reloaded), { timeout: 10_000 }).toBe(true);
      expect((await lint(address, 'new', bearer(), trustsNew)).findings[0]!.message).toBe('new');
      await expect(lint(address, 'old', bearer(), trustsOld)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    } finally {
      await server.stop(1000);
    }
  });
});

describe('TLS configuration errors name the variable', () => {
  it('server files', () => {
    expect(() => new CertificateFiles({ certFile: '/nonexistent/server.crt', keyFile: certs.server.key })).toThrow(
      new TlsFilesError('FLEETSHIFT_TLS_CERT=/nonexistent/server.crt: cannot read: ENOENT'),
    );
    expect(() => new CertificateFiles({ certFile: certs.server.cert, keyFile: certs.client.key })).toThrow(
      /^FLEETSHIFT_TLS_CERT=.* \/ FLEETSHIFT_TLS_KEY=.*: not a usable certificate and key: /,
    );
  });

  it('client files', () => {
    expect(() => clientTransport({ FLEETSHIFT_TLS_CA: '/nonexistent/ca.crt' })).toThrow(new ClientTlsError('FLEETSHIFT_TLS_CA=/nonexistent/ca.crt: cannot read: ENOENT'));
    expect(() => clientTransport({ FLEETSHIFT_TLS_CLIENT_CERT: certs.client.cert, FLEETSHIFT_TLS_CLIENT_KEY: certs.client.key })).toThrow(/need FLEETSHIFT_TLS_CA/);
    expect(() => clientTransport({ FLEETSHIFT_TLS_CA: certs.ca.cert, FLEETSHIFT_TLS_CLIENT_CERT: certs.client.cert })).toThrow(/must be set together/);
    expect(clientTransport({}).mode).toBe('plaintext');
  });
});
