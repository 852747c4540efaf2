import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One NATS server of the StatefulSet, run on this machine as its pod would run. */
export interface NatsPod {
  name: string;
  /** The pod's address: a loopback address of its own. */
  ip: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface NatsPodsSpec {
  /** nats.conf from the ConfigMap, as rendered. */
  config: string;
  replicas: number;
  /** The StatefulSet's governing (headless) Service: pod names resolve as <pod>.<service>. */
  serviceName: string;
  /** Where the pod mounts its volume (the JetStream store is under it). */
  dataMountPath: string;
  workDir: string;
}

/**
 * Starts the StatefulSet's servers with the manifest's own nats.conf. What a pod has and this machine
 * lacks is mapped, nothing else: each pod gets a loopback address of its own (127.77.0.<n+1>) for
 * "0.0.0.0" (a pod's wildcard is its own address), a directory for its volume, and — through a mount
 * namespace with its own /etc/hosts — the DNS names the headless Service gives the pods. Needs root
 * (unshare, mount), as CI has; nats-server is Debian's.
 */
export async function startNatsPods(spec: NatsPodsSpec): Promise<NatsPod[]> {
  const binary = natsServerBinary();
  const pods = Array.from({ length: spec.replicas }, (_, i) => ({ name: `nats-${i}`, ip: `127.77.0.${i + 1}` }));
  const hosts = path.join(spec.workDir, 'hosts');
  await writeFile(hosts, ['127.0.0.1 localhost', ...pods.map((p) => `${p.ip} ${p.name}.${spec.serviceName}`)].join('\n') + '\n');
  return Promise.all(
    pods.map(async ({ name, ip }) => {
      const volume = path.join(spec.workDir, name);
      await mkdir(volume, { recursive: true });
      const config = path.join(spec.workDir, `${name}.conf`);
      await writeFile(config, spec.config.replaceAll('0.0.0.0', ip).replaceAll(`${spec.dataMountPath}/`, `${volume}/`));
      const child = spawn(
        'unshare',
        ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$1" /etc/hosts && exec "$2" --config "$3"', 'sh', hosts, binary, config],
        { env: { ...process.env, POD_NAME: name }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      void exited.then(() => {
        if (child.exitCode !== 0 && child.signalCode === null) console.error(`${name} exited with ${child.exitCode}: ${stderr}`);
      });
      return {
        name,
        ip,
        process: child,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          return exited;
        },
      };
    }),
  );
}

function natsServerBinary(): string {
  const onPath = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  throw new Error("nats-server is not installed (Debian's nats-server package)");
}
