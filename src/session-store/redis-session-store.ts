import { RedisStore } from 'connect-redis';
import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';
import type { Redis } from '../redis/redis.module.js';
import { markLoaded, wasLoaded } from './loaded-session.js';
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
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly defaultTtlSeconds: number,
  ) {
    super({
      client: redis,
      prefix,
      ttl: defaultTtlSeconds,
      // express-session calls `touch` on every request whose session is unchanged, to slide its
      // expiry: one Redis write per authenticated GET. The AuthSession module slides the idle
      // timeout itself, by modifying the session at most once per a fraction of the idle timeout,
      // which reaches Redis through `set` with a fresh TTL.
      disableTouch: true,
    });
  }

  override createSession(req: Request, session: SessionData): Session & SessionData {
    return markLoaded(super.createSession(req, session));
  }

  /** A session loaded earlier is only updated (`SET … XX`): one deleted meanwhile stays deleted. */
  override set(sid: string, session: SessionData, cb?: Callback): Promise<void> {
    if (!wasLoaded(session)) return super.set(sid, session, cb) as Promise<void>;
    const expiresAt = cookieExpiry(session);
    const ttl = expiresAt === undefined ? this.defaultTtlSeconds : Math.ceil((expiresAt - Date.now()) / 1000);
    if (ttl <= 0) return this.destroy(sid, cb) as Promise<void>;
    return this.redis
      .set(this.prefix + sid, JSON.stringify(session), { expiration: { type: 'EX', value: ttl }, condition: 'XX' })
      .then(
        () => cb?.(null),
        (err: unknown) => cb?.(err),
      );
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
