import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import { sessionTag } from '../redis/keys.js';
import type { Redis } from '../redis/redis.module.js';
import { ReplicaAck } from '../redis/replica-ack.js';
import { wasLoaded } from './loaded-session.js';
import { cookieExpiry } from './session-expiry.js';

type Callback = (err: unknown, session?: SessionData | null) => void;

/**
 * connect-redis on the shared client. Keys are `<prefix>{s:<sid>}`: tagged by the session, so
 * whatever else belongs to it can share its slot of a cluster. They expire with the session: at
 * the cookie's `expires`, else after the default TTL.
 *
 * Every write (a new or changed session, a deletion) waits for the configured replicas: a session
 * a failover could lose, or a deleted one it could bring back, is reported as a failure.
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
    private readonly ack: ReplicaAck = new ReplicaAck(redis, 0),
  ) {
    super({
      client: redis,
      prefix,
      ttl: defaultTtlSeconds,
      // No `touch`: the AuthSession module slides the idle timeout itself, by saving the session at
      // most once per a tenth of the idle timeout, which reaches Redis through `set` with a fresh TTL.
      disableTouch: true,
    });
  }

  /** The Redis key of a session. */
  key(sid: string): string {
    return this.prefix + sessionTag(sid);
  }

  /**
   * One `SET` with the session's TTL (whole seconds, rounded up, as connect-redis counts). A session
   * loaded earlier is only updated (`SET … XX`): one deleted meanwhile stays deleted.
   */
  override set(sid: string, session: SessionData, cb?: Callback): Promise<void> {
    return this.settle(this.save(sid, session), cb);
  }

  override destroy(sid: string, cb?: Callback): Promise<void> {
    return this.settle(this.remove(sid), cb);
  }

  /**
   * connect-redis rounds the TTL up to whole seconds, so a key can outlive its cookie by up to a
   * second; a session past its `expires` is refused here all the same.
   */
  override get(sid: string, cb: Callback): Promise<void> {
    return this.settle(
      (super.get(sessionTag(sid)) as Promise<SessionData | null>).then((session) =>
        session && (cookieExpiry(session) ?? Infinity) > Date.now() ? session : null,
      ),
      cb,
    );
  }

  private async save(sid: string, session: SessionData): Promise<void> {
    const expiresAt = cookieExpiry(session);
    const ttl = expiresAt === undefined ? this.defaultTtlSeconds : Math.ceil((expiresAt - Date.now()) / 1000);
    // A session already past its expiry is as good as ended (as connect-redis does).
    if (ttl <= 0) return this.remove(sid);
    await this.redis.set(this.key(sid), JSON.stringify(session), {
      expiration: { type: 'EX', value: ttl },
      ...(wasLoaded(session) ? { condition: 'XX' as const } : {}),
    });
    await this.ack.confirm(this.key(sid));
  }

  private async remove(sid: string): Promise<void> {
    await super.destroy(sessionTag(sid));
    await this.ack.confirm(this.key(sid));
  }

  /**
   * The callback runs outside any try block, so an exception thrown by the caller is not reported
   * back to it as a store error (a second callback).
   */
  private settle(work: Promise<SessionData | null | void>, cb: Callback | undefined): Promise<void> {
    return work.then(
      (value) => cb?.(null, value ?? null),
      (err: unknown) => cb?.(err),
    );
  }
}
