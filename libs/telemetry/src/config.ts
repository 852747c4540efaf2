import { z } from 'zod';
import { redactNamedValue } from './redact.js';

/**
 * Reads a service's configuration from environment variables with a zod schema whose keys are the
 * variable names. A bad value prints one clear line naming the variable and exits with code 2; the value
 * shown has its credentials hidden (a URL's password, the whole of a token).
 */
export function loadConfig<T extends z.ZodRawShape>(
  shape: T,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue.path[0]);
  const value = env[variable];
  const shown = value === undefined ? '(unset)' : JSON.stringify(redactNamedValue(variable, value));
  process.stderr.write(`invalid configuration: ${variable}=${shown}: ${issue.message}\n`);
  process.exit(2);
}

/** Reusable variable types, so every service reads ports and levels the same way. */
export const env = {
  port: (fallback: number) =>
    z.coerce
      .number({ error: 'expected a port number 0-65535' })
      .int('expected a port number 0-65535')
      .min(0, 'expected a port number 0-65535')
      .max(65535, 'expected a port number 0-65535')
      .default(fallback),
  positiveInt: (fallback: number) =>
    z.coerce.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').default(fallback),
  logLevel: () =>
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    }).default('info'),
  url: (protocols: string[], fallback: string) =>
    z
      .string()
      .default(fallback)
      .refine((value) => protocols.some((p) => value.startsWith(`${p}://`)), {
        message: `expected a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
      }),
  optionalString: () => z.string().min(1, 'must not be empty when set').optional(),
  host: (fallback: string) => z.string().min(1, 'expected a host name or address').default(fallback),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((value) => value === 'true' || value === '1'),
};
