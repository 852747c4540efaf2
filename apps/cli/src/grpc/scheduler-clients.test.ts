import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaServiceService, unary } from '@fleetshift/contracts';
import { startGrpcServer, unimplementedService, type RunningGrpcServer } from '@fleetshift/telemetry';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { grpcFailure } from './grpc-failure.js';
import { connectScheduler } from './scheduler-clients.js';

const token = 'cli-test-token';
let server: RunningGrpcServer;
let address: string;

beforeAll(async () => {
  server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    apiToken: token,
    services: [{ name: 'fleetshift.v1.SchemaService', definition: SchemaServiceService, implementation: unimplementedService(SchemaServiceService, 'test server') }],
  });
  address = `127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.stop(100);
});

async function getVersion(env: NodeJS.ProcessEnv): Promise<grpc.ServiceError> {
  const scheduler = connectScheduler(env);
  try {
    await unary(scheduler.schemas, scheduler.schemas.getSchemaVersion, { blueprint: 'shop', version: 0 });
  } catch (error) {
    return error as grpc.ServiceError;
  } finally {
    scheduler.close();
  }
  throw new Error('expected the test server to refuse the call');
}

describe('connectScheduler', () => {
  it('sends FLEETSHIFT_API_TOKEN as a bearer token on every call', async () => {
    const withToken = await getVersion({ FLEETSHIFT_SCHEDULER_ADDR: address, FLEETSHIFT_API_TOKEN: token });
    expect(withToken.code).toBe(grpc.status.UNIMPLEMENTED);
    const without = await getVersion({ FLEETSHIFT_SCHEDULER_ADDR: address });
    expect(without.code).toBe(grpc.status.UNAUTHENTICATED);
    const failure = grpcFailure('get schema version', address, without);
    expect(failure.exitCode).toBe(ExitCode.BAD_INPUT);
    expect(failure.message).toContain('FLEETSHIFT_API_TOKEN');
  });

  it('refuses a FLEETSHIFT_SCHEDULER_ADDR that is not host:port', () => {
    expect(() => connectScheduler({ FLEETSHIFT_SCHEDULER_ADDR: 'http://scheduler' })).toThrow(CliError);
    expect(() => connectScheduler({ FLEETSHIFT_SCHEDULER_ADDR: 'http://scheduler' })).toThrow(/expected host:port/);
  });

  it('maps an unreachable scheduler to a failure naming the address', async () => {
    const error = await getVersion({ FLEETSHIFT_SCHEDULER_ADDR: '127.0.0.1:1' });
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    const failure = grpcFailure('get schema version', '127.0.0.1:1', error);
    expect(failure.exitCode).toBe(ExitCode.FAILURE);
    expect(failure.message).toContain('the scheduler at 127.0.0.1:1 is unreachable');
  });
});
