import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { env, loadConfig } from './config.js';
import { redactNamedValue, redactSecrets, redactUrl } from './redact.js';

describe('redactUrl', () => {
  it('hides the password of user:password and keeps the user, host, port and path', () => {
    expect(redactUrl('postgresql://app:s3cret@db.internal:6432/tenant_42')).toBe('postgresql://app:***@db.internal:6432/tenant_42');
    expect(redactUrl('postgres://app:s3cret@db/t?sslmode=require')).toBe('postgres://app:***@db/t?sslmode=require');
  });

  it('leaves a URL with only a user, or none, as it is', () => {
    expect(redactUrl('postgresql://postgres@127.0.0.1:5432/postgres')).toBe('postgresql://postgres@127.0.0.1:5432/postgres');
    expect(redactUrl('postgresql://127.0.0.1:5432/postgres')).toBe('postgresql://127.0.0.1:5432/postgres');
  });

  it('hides a percent-encoded password whole, and one with an unencoded @', () => {
    const url = 'postgresql://app:p%40ss%3Aw%2Ford@db:5432/t';
    expect(redactUrl(url)).toBe('postgresql://app:***@db:5432/t');
    expect(redactUrl(url)).not.toMatch(/p%40ss|w%2Ford/);
    expect(redactUrl('postgresql://app:p@ss@db:5432/t')).toBe('postgresql://app:***@db:5432/t');
  });

  it('hides the password of a nats:// URL, and a NATS token (a user without password)', () => {
    expect(redactUrl('nats://fleet:s3cret@nats.internal:4222')).toBe('nats://fleet:***@nats.internal:4222');
    expect(redactUrl('nats://s3cret-token@nats.internal:4222')).toBe('nats://***@nats.internal:4222');
    expect(redactUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
  });

  it('hides a password given in the query, as libpq accepts it', () => {
    expect(redactUrl('postgresql://app@db/t?password=s3cret&sslmode=require')).toBe('postgresql://app@db/t?password=***&sslmode=require');
  });

  it('redacts as text what the URL parser refuses (a multi-host PostgreSQL URL)', () => {
    const redacted = redactUrl('postgresql://app:s3cret@db1:5432,db2:5432/t');
    expect(redacted).toBe('postgresql://app:***@db1:5432,db2:5432/t');
  });
});

describe('redactSecrets', () => {
  it('hides the password of every URL in a text and keeps the rest', () => {
    const text = 'cannot connect to postgresql://app:s3cret@db:5432/t (then tried postgres://ops:hunter2@db2/t): ECONNREFUSED';
    expect(redactSecrets(text)).toBe('cannot connect to postgresql://app:***@db:5432/t (then tried postgres://ops:***@db2/t): ECONNREFUSED');
  });

  it('hides nats:// passwords and tokens, percent-encoded passwords, and quoted URLs', () => {
    expect(redactSecrets('bus "nats://fleet:s3cret@nats:4222" and nats://tok3n@nats:4222')).toBe('bus "nats://fleet:***@nats:4222" and nats://***@nats:4222');
    expect(redactSecrets('url=postgresql://app:p%40ss@db/t;')).toBe('url=postgresql://app:***@db/t;');
  });

  it('keeps a URL with only a user, and text without URLs, unchanged', () => {
    const text = 'tenant postgresql://postgres@127.0.0.1:5432/t1 is unreachable: user@example.com';
    expect(redactSecrets(text)).toBe(text);
  });

  it('hides password=… in libpq keyword/value strings and URL queries', () => {
    expect(redactSecrets("host=db user=app password=s3cret dbname=t")).toBe('host=db user=app password=*** dbname=t');
    expect(redactSecrets("host=db password='s3 cret' dbname=t")).toBe('host=db password=*** dbname=t');
    expect(redactSecrets('postgresql://app@db/t?sslpassword=k3y&password=s3cret')).toBe('postgresql://app@db/t?sslpassword=***&password=***');
  });
});

describe('redactNamedValue', () => {
  it('hides the whole value of a variable named as a secret, else redacts inside it', () => {
    expect(redactNamedValue('FLEETSHIFT_API_TOKEN', 's3cret-token')).toBe('***');
    expect(redactNamedValue('DB_PASSWORD', 'hunter2')).toBe('***');
    expect(redactNamedValue('FLEETSHIFT_API_TOKEN', '')).toBe('');
    expect(redactNamedValue('FLEETSHIFT_CONTROL_DB_URL', 'mysql://app:s3cret@db/t')).toBe('mysql://app:***@db/t');
    expect(redactNamedValue('FLEETSHIFT_GRPC_PORT', 'abc')).toBe('abc');
  });
});

describe('loadConfig on a bad value', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** The line loadConfig prints before exiting 2. */
  function refusal(shape: z.ZodRawShape, variables: NodeJS.ProcessEnv): string {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    expect(() => loadConfig(shape, variables)).toThrow('exit 2');
    return written.join('');
  }

  it('names the variable and shows the value without its credentials', () => {
    const line = refusal({ FLEETSHIFT_CONTROL_DB_URL: env.url(['postgresql'], 'postgresql://postgres@127.0.0.1/x') }, {
      FLEETSHIFT_CONTROL_DB_URL: 'mysql://app:s3cret@db/t',
    });
    expect(line).toBe('invalid configuration: FLEETSHIFT_CONTROL_DB_URL="mysql://app:***@db/t": expected a URL starting with postgresql://\n');
  });

  it('hides a secret variable whole', () => {
    const line = refusal({ FLEETSHIFT_API_TOKEN: z.string().min(20, 'expected at least 20 characters') }, { FLEETSHIFT_API_TOKEN: 'short-s3cret' });
    expect(line).toBe('invalid configuration: FLEETSHIFT_API_TOKEN="***": expected at least 20 characters\n');
  });
});
