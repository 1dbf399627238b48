import { Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { DomainError } from '../common/errors.js';
import { normalizePassword } from './password-policy.js';

/**
 * argon2id with the OWASP Password Storage Cheat Sheet floor (m=19 MiB, t=2, p=1). Raising these
 * makes every older hash `needsRehash` at its owner's next login.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * At most this many argon2 computations at once: one core is left to the event loop. Each hash
 * takes ~25 ms of a core on libuv's threadpool; with four of them on one core, the event loop got
 * a fifth of it and every guarded request waited behind a login storm (`npm run bench`, "storm").
 */
const HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);
/**
 * Queue depths past which a new computation is refused with 503 and `Retry-After` instead of
 * waiting without end (an attack measured 60 parallel sign-ups from one IP taking a login from
 * 40 ms to 1.5 s). Sign-ups and password changes wait behind logins, never the reverse.
 */
export const HASH_QUEUE_MAX = { login: 64, other: 16 } as const;
const RETRY_AFTER_SECONDS = 2;

type Lane = keyof typeof HASH_QUEUE_MAX;

/**
 * A two-lane, bounded scheduler for argon2: the `login` lane (verifying an existing user's
 * password) always goes first, the `other` lane (hashing for sign-up, change, reset) takes a
 * free slot only when no login waits, so a sign-up flood cannot starve sign-ins.
 */
class HashScheduler {
  private running = 0;
  private readonly queues: Record<Lane, (() => void)[]> = { login: [], other: [] };

  run<T>(lane: Lane, task: () => Promise<T>): Promise<T> {
    if (this.running < HASH_CONCURRENCY && this.queues.login.length === 0 && this.queues.other.length === 0)
      return this.start(task);
    if (this.queues[lane].length >= HASH_QUEUE_MAX[lane])
      return Promise.reject(new DomainError('UNAVAILABLE', 'Server busy, try again later', RETRY_AFTER_SECONDS));
    return new Promise<T>((resolve, reject) => {
      this.queues[lane].push(() => void this.start(task).then(resolve, reject));
    });
  }

  private async start<T>(task: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      const next = this.queues.login.shift() ?? this.queues.other.shift();
      next?.();
    }
  }
}

@Injectable()
export class PasswordService implements OnModuleInit {
  private dummyHash = '';
  private readonly scheduler = new HashScheduler();

  async onModuleInit(): Promise<void> {
    // Verified against when the email is unknown, so that path costs one argon2 verify too.
    this.dummyHash = await argon2.hash(randomBytes(32).toString('hex'), ARGON2_OPTIONS);
  }

  /** A new hash (sign-up, change, reset) of the password's normalised form (password-policy.ts; the caller has checked `passwordProblem`): the low-priority lane; 503 when its queue is full. */
  hash(password: string): Promise<string> {
    return this.scheduler.run('other', () => argon2.hash(normalizePassword(password), ARGON2_OPTIONS));
  }

  /** Compares the normalised form, so a password typed composed or decomposed verifies alike. Never throws for a malformed stored hash: it simply does not verify. A full queue is a 503. */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    const ok = await this.scheduler.run('login', () =>
      argon2.verify(hash ?? this.dummyHash, normalizePassword(password)).catch(() => false),
    );
    return ok && hash !== undefined;
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, ARGON2_OPTIONS);
  }
}
