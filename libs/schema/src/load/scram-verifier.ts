import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const ITERATIONS = 4096;

/**
 * A SCRAM-SHA-256 verifier of `password` in PostgreSQL's rolpassword format
 * (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, RFC 5802/7677). `CREATE ROLE … PASSWORD`
 * given a verifier stores it as is, so the plain password never reaches the server (nor its logs).
 * The password must be ASCII without controls (SASLprep leaves those unchanged).
 */
export function scramSha256Verifier(password: string): string {
  if (!/^[\x21-\x7e]+$/.test(password)) throw new Error('scramSha256Verifier: the password must be printable ASCII');
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
