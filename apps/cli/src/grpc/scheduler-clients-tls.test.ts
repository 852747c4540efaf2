import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaServiceService, unary } from '@fleetshift/contracts';
import { CertificateFiles, startGrpcServer, unimplementedService, type RunningGrpcServer } from '@fleetshift/telemetry';
import { createTestCertificates, type TestCertificates } from '@fleetshift/telemetry/testing/certificates';
import { CliError } from '../cli-error.js';
import { connectScheduler } from './scheduler-clients.js';

let certs: TestCertificates;
let server: RunningGrpcServer;
let address: string;

beforeAll(async () => {
  certs = await createTestCertificates();
  server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    tls: new CertificateFiles({ certFile: certs.server.cert, keyFile: certs.server.key, clientCaFile: certs.ca.cert }),
    services: [{ name: 'fleetshift.v1.SchemaService', definition: SchemaServiceService, implementation: unimplementedService(SchemaServiceService, 'test server') }],
  });
  address = `localhost:${server.port}`;
});

afterAll(async () => {
  await server?.stop(100);
});

async function statusOf(env: NodeJS.ProcessEnv): Promise<grpc.status> {
  const scheduler = connectScheduler({ FLEETSHIFT_SCHEDULER_ADDR: address, ...env });
  try {
    await unary(scheduler.schemas, scheduler.schemas.getSchemaVersion, { blueprint: 'shop', version: 0 });
    return grpc.status.OK;
  } catch (error) {
    return (error as grpc.ServiceError).code;
  } finally {
    scheduler.close();
  }
}

describe('the CLI against an mTLS scheduler', () => {
  it('reaches it with FLEETSHIFT_TLS_CA and a client certificate, not without', async () => {
    const tls = { FLEETSHIFT_TLS_CA: certs.ca.cert };
    const mtls = { ...tls, FLEETSHIFT_TLS_CLIENT_CERT: certs.client.cert, FLEETSHIFT_TLS_CLIENT_KEY: certs.client.key };
    expect(await statusOf(mtls)).toBe(grpc.status.UNIMPLEMENTED);
    expect(await statusOf(tls)).toBe(grpc.status.UNAVAILABLE);
    expect(await statusOf({})).toBe(grpc.status.UNAVAILABLE);
  });

  it('names an unreadable TLS file as bad input', () => {
    expect(() => connectScheduler({ FLEETSHIFT_TLS_CA: '/nonexistent/ca.crt' })).toThrow(CliError);
    expect(() => connectScheduler({ FLEETSHIFT_TLS_CA: '/nonexistent/ca.crt' })).toThrow('FLEETSHIFT_TLS_CA=/nonexistent/ca.crt: cannot read: ENOENT');
  });
});
