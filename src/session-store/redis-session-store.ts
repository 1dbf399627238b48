import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import type { Redis } from '../redis/redis.module.js';
import { cookieExpiry } from './session-expiry.js';

type Callback = (err: unknown, session?: SessionData | null) => void;

/**
 * connect-redis on the shared client. Keys are `<prefix><sid>` and expire with the session: at
 * the cookie's `expires`, else after the default TTL.
 *
 * Errors reach the callbacks (the shared client does not queue while Redis is away), so a Redis
 * outage fails the request instead of reading as "no session".
 */
export class RedisSessionStore extends RedisStore {
  /** @param defaultTtlSeconds the lifetime of a session whose cookie has no `expires`. */
  constructor(client: Redis, prefix: string, defaultTtlSeconds: number) {
    super({
      client,
      prefix,
      ttl: defaultTtlSeconds,
      // express-session calls `touch` on every request whose session is unchanged, to slide its
      // expiry: one Redis write per authenticated GET. The AuthSession module slides the idle
      // timeout itself, by modifying the session at most once per a fraction of the idle timeout,
      // which reaches Redis through `set` with a fresh TTL.
      disableTouch: true,
    });
  }

  /**
   * connect-redis rounds the TTL up to whole seconds, so a key can outlive its cookie by up to a
   * second; a session past its `expires` is refused here all the same. The callback also runs
   * outside connect-redis' try block, so an exception thrown by the caller is not reported back
   * to it as a store error (a second callback).
   */
  override get(sid: string, cb: Callback): Promise<void> {
    return (super.get(sid) as Promise<SessionData | null>).then(
      (session) => cb(null, session && (cookieExpiry(session) ?? Infinity) > Date.now() ? session : null),
      (err: unknown) => cb(err),
    );
  }
}
