import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { dpopConfig } from '../../config/config.js';

/** A nonce is good for the window it was made in and the next one: between 5 and 10 minutes. */
const WINDOW_MS = 5 * 60_000;

/**
 * Server nonces (RFC 9449 §8) that any instance checks without shared state: the nonce of a time
 * window is an HMAC of the window's number under a key every instance derives from the same
 * secret. The current and the previous window's nonces are accepted, so a nonce handed out just
 * before a window turns still works; older ones are refused and the client is given a fresh one.
 */
@Injectable()
export class DpopNonces {
  private readonly key: Buffer;
  /** The nonce of the window last asked for, so a request costs one HMAC per window, not one each. */
  private cached: { window: number; nonce: string } = { window: -1, nonce: '' };

  constructor(@Inject(dpopConfig.KEY) config: ConfigType<typeof dpopConfig>) {
    this.key = config.nonceKey;
  }

  /** The nonce to hand out now. */
  current(now = Date.now()): string {
    return this.of(Math.floor(now / WINDOW_MS));
  }

  /** Whether `nonce` is this window's or the previous one's; compared in constant time. */
  accepts(nonce: unknown, now = Date.now()): boolean {
    if (typeof nonce !== 'string' || nonce.length !== 43) return false;
    const window = Math.floor(now / WINDOW_MS);
    const given = Buffer.from(nonce);
    // Both compared, so the answer's timing does not tell which window matched.
    const current = timingSafeEqual(given, Buffer.from(this.of(window)));
    const previous = timingSafeEqual(given, Buffer.from(this.of(window - 1)));
    return current || previous;
  }

  private of(window: number): string {
    if (this.cached.window === window) return this.cached.nonce;
    const nonce = createHmac('sha256', this.key).update(`dpop-nonce:${window}`).digest('base64url');
    if (window > this.cached.window) this.cached = { window, nonce };
    return nonce;
  }
}
