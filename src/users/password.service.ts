import { Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';

/**
 * argon2id with the OWASP Password Storage Cheat Sheet floor (m=19 MiB, t=2, p=1). Raising these
 * makes every older hash `needsRehash` at its owner's next login.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * NIST SP 800-63B §5.1.1.2: passwords are normalised (NFKC) before hashing, so the same password
 * typed on two keyboards verifies. Length is counted in code points, never truncated.
 */
export const normalizePassword = (password: string): string => password.normalize('NFKC');

/**
 * At most this many argon2 computations at once: one core is left to the event loop. Each hash
 * takes ~25 ms of a core on libuv's threadpool; with four of them on one core, the event loop got
 * a fifth of it and every guarded request waited behind a login storm (`npm run bench`, "storm").
 * Logins past the cap queue, which the rate limits keep short.
 */
const HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);

@Injectable()
export class PasswordService implements OnModuleInit {
  private dummyHash = '';
  private readonly limit = pLimit(HASH_CONCURRENCY);

  async onModuleInit(): Promise<void> {
    // Verified against when the email is unknown, so that path costs one argon2 verify too.
    this.dummyHash = await argon2.hash(randomBytes(32).toString('hex'), ARGON2_OPTIONS);
  }

  hash(password: string): Promise<string> {
    return this.limit(() => argon2.hash(normalizePassword(password), ARGON2_OPTIONS));
  }

  /** Never throws for a malformed stored hash: it simply does not verify. */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    try {
      const ok = await this.limit(() => argon2.verify(hash ?? this.dummyHash, normalizePassword(password)));
      return ok && hash !== undefined;
    } catch {
      return false;
    }
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, ARGON2_OPTIONS);
  }
}
