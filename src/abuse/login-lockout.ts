import { createHash } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { storeCall } from './limiters.js';

/**
 * Account lockout (ASVS 5.0 V6.3.5, OWASP Authentication Cheat Sheet): after `maxFailures`
 * consecutive failed logins for one email, every login for it is refused for `lockSeconds`, even
 * with the right password; a success resets the count. Keyed by the normalised email, not the
 * account, so an unknown email locks exactly like a known one and a lock tells nothing about
 * whether an account exists. Keys hold a hash of the email, never the address.
 */
export class LoginLockout {
  constructor(
    /** points = maxFailures, duration = blockDuration = lockSeconds. */
    private readonly failures: RateLimiterAbstract,
  ) {}

  /** Seconds left on the lock, or 0 when the email may try. */
  async lockedFor(email: string): Promise<number> {
    const res = await storeCall(() => this.failures.get(keyOf(email)));
    return res && res.consumedPoints > this.failures.points ? Math.ceil(res.msBeforeNext / 1000) : 0;
  }

  /** Counts a failure; returns true when this failure locks the email. */
  async recordFailure(email: string): Promise<boolean> {
    const key = keyOf(email);
    const res = await storeCall(() => this.failures.penalty(key));
    if (res.consumedPoints < this.failures.points) return false;
    // The lock runs its full length from the failure that set it.
    await storeCall(() => this.failures.block(key, this.failures.blockDuration));
    return true;
  }

  async recordSuccess(email: string): Promise<void> {
    await storeCall(() => this.failures.delete(keyOf(email)));
  }
}

const keyOf = (email: string): string => createHash('sha256').update(email).digest('base64url');
