import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { descriptorSet } from '@fleetshift/contracts';
import { bearerAuthInterceptor } from './bearer-auth.js';
import { DescriptorIndex } from './descriptor-index.js';
import { addServerReflection } from './server-reflection.js';
import { serverCredentialsFrom, type CertificateFiles } from './certificate-files.js';

export interface ServiceRegistration {
  /** Fully qualified name, e.g. "fleetshift.v1.PlannerService" (reported by health and reflection). */
  name: string;
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  services: ServiceRegistration[];
  /** When set, every call but health checks needs `authorization: Bearer <apiToken>`. */
  apiToken?: string;
  /** TLS (mTLS when the files hold a client CA), reloaded when the files change; plaintext when unset. */
  tls?: CertificateFiles;
}

export interface RunningGrpcServer {
  port: number;
  health: HealthImplementation;
  /** Reports NOT_SERVING, then drains calls in flight (forced after the grace period). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a gRPC server with the given services, the standard grpc.health.v1.Health service (SERVING for
 * "" and each service) and server reflection (v1 and v1alpha) listing exactly the services served and
 * describing them from the real descriptor set, so that `grpcurl list`, `describe` and calls work.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    interceptors: options.apiToken ? [bearerAuthInterceptor(options.apiToken)] : [],
  });
  for (const service of options.services) server.addService(service.definition, service.implementation);

  const health = new HealthImplementation({ '': 'SERVING' });
  for (const service of options.services) health.setStatus(service.name, 'SERVING');
  health.addToServer(server);
  addServerReflection(server, descriptorIndex(), [...options.services.map((service) => service.name), 'grpc.health.v1.Health']);

  const credentials = options.tls ? serverCredentialsFrom(options.tls) : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, credentials, (error, bound) =>
      error ? reject(new Error(`gRPC cannot listen on ${options.host}:${options.port}: ${error.message}`)) : resolve(bound),
    );
  });

  return {
    port,
    health,
    stop: (graceMs = 5000) => stopServer(server, health, options.services, graceMs),
  };
}

function stopServer(
  server: grpc.Server,
  health: HealthImplementation,
  services: ServiceRegistration[],
  graceMs: number,
): Promise<void> {
  health.setStatus('', 'NOT_SERVING');
  for (const service of services) health.setStatus(service.name, 'NOT_SERVING');
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

let index: DescriptorIndex | undefined;

/** Built once per process: the descriptor set that `npm run proto:gen` wrote, checked as protoc would. */
function descriptorIndex(): DescriptorIndex {
  index ??= new DescriptorIndex(descriptorSet());
  return index;
}
