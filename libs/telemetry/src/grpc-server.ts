import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { protoFiles, protoRoot } from '@fleetshift/contracts';
import { bearerAuthInterceptor } from './bearer-auth.js';
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
 * "" and each service) and server reflection describing exactly the services served, so `grpcurl list`
 * and `grpcurl describe` work.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    interceptors: options.apiToken ? [bearerAuthInterceptor(options.apiToken)] : [],
  });
  for (const service of options.services) server.addService(service.definition, service.implementation);

  const health = new HealthImplementation({ '': 'SERVING' });
  for (const service of options.services) health.setStatus(service.name, 'SERVING');
  health.addToServer(server);
  new ReflectionService(reflectionPackageDefinition(), {
    services: [...options.services.map((service) => service.name), 'grpc.health.v1.Health'],
  }).addToServer(server);

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

let packageDefinition: protoLoader.PackageDefinition | undefined;

function reflectionPackageDefinition(): protoLoader.PackageDefinition {
  packageDefinition ??= protoLoader.loadSync([...protoFiles, healthProtoPath], {
    includeDirs: [protoRoot],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return packageDefinition;
}
