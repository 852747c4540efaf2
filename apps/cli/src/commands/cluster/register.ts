import type { Command } from 'commander';
import { Cluster, unary } from '@fleetshift/contracts';
import { badInput } from '../../cli-error.js';
import { withScheduler } from '../../grpc/call.js';
import { collect, parseInteger, parseLabels } from '../../options.js';
import { formatOption, printObject, type OutputFormat } from '../../output/format.js';
import { clusterFields } from './rows.js';

interface RegisterOptions {
  id: string;
  host: string;
  port: string;
  user: string;
  passwordEnv?: string;
  passwordFile?: string;
  budget?: string;
  maintenanceDatabase?: string;
  label: string[];
  sslmode?: string;
  sslRootCertFile?: string;
  replace?: boolean;
  format: OutputFormat;
}

const sslModes = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

export function registerClusterRegister(group: Command): void {
  group
    .command('register')
    .description('register a database cluster (the password itself is never sent: name a variable or a file)')
    .requiredOption('--id <id>', 'cluster id (lowercase letters, digits, - and _)')
    .requiredOption('--host <host>', 'PostgreSQL host')
    .requiredOption('--port <port>', 'PostgreSQL port')
    .requiredOption('--user <user>', 'admin user')
    .option('--password-env <var>', 'environment variable holding the admin password, named FLEETSHIFT_PW_<name> (read by the services)')
    .option('--password-file <path>', "file holding the admin password, inside the services' FLEETSHIFT_SECRETS_DIR (read by the services)")
    .option('--sslmode <mode>', `TLS of every session on the cluster: ${sslModes.join(', ')} (default disable)`)
    .option('--ssl-root-cert-file <path>', "CA certificate for verify-ca / verify-full, inside the services' FLEETSHIFT_SECRETS_DIR")
    .option('--replace', 'allow moving an existing cluster to another host or port (recorded in its history)')
    .option('--budget <n>', 'most connections all executors together hold on this cluster (default 10)')
    .option('--maintenance-database <name>', 'database for CREATE DATABASE and health sampling (default postgres)')
    .option('--label <k=v>', 'label (repeatable)', collect, [])
    .addOption(formatOption())
    .action(async (options: RegisterOptions) => {
      if (options.passwordEnv && options.passwordFile) throw badInput('--password-env and --password-file: give one of them, not both');
      const port = parseInteger('--port', options.port, 1, 65535)!;
      const budget = parseInteger('--budget', options.budget, 1) ?? 0;
      if (options.sslmode !== undefined && !sslModes.includes(options.sslmode)) {
        throw badInput(`--sslmode ${JSON.stringify(options.sslmode)}: use one of ${sslModes.join(', ')}`);
      }
      const { cluster } = await withScheduler('cluster register', (scheduler) =>
        unary(scheduler.tenants, scheduler.tenants.registerCluster, {
          cluster: Cluster.fromPartial({
            id: options.id,
            host: options.host,
            port,
            adminUser: options.user,
            passwordEnv: options.passwordEnv ?? '',
            passwordFile: options.passwordFile ?? '',
            maintenanceDatabase: options.maintenanceDatabase ?? '',
            connectionBudget: budget,
            labels: parseLabels(options.label),
            sslmode: options.sslmode ?? '',
            sslRootCertFile: options.sslRootCertFile ?? '',
          }),
          replace: options.replace ?? false,
        }),
      );
      const registered = cluster!;
      printObject(options.format, Cluster.toJSON(registered), ['cluster', registered.id], clusterFields(registered));
    });
}
