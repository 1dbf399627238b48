import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './env.js';

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output, 256 bits. */
export const MIN_SECRET_BYTES = 32;

export function assertStrongSecret(name: string, value: string): void {
  if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(`Invalid configuration: ${name} must be at least ${MIN_SECRET_BYTES} bytes`);
  }
}

/**
 * Returns the secret kept in `<dataDir>/<file>`, creating it (mode 0600) on first use, so that a
 * development server keeps its sessions and tokens valid across restarts without any set-up.
 * Only ever called outside production: there the secret must be configured.
 */
export function persistedSecret(dataDir: string, file: string): string {
  const path = join(dataDir, file);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = readFileSync(path, 'utf8').trim();
  assertStrongSecret(path, secret);
  return secret;
}
