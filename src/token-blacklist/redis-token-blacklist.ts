import { Logger } from '@nestjs/common';
import { ErrorReply } from 'redis';
import { DomainError } from '../common/errors.js';
import { userTag } from '../redis/keys.js';
import type { Redis } from '../redis/redis.module.js';
import { ReplicaAck, ReplicaAckError } from '../redis/replica-ack.js';
import { type AccessTokenRef, TokenBlacklist } from './token-blacklist.js';
import { expiryMs, wholeCutoffMs } from './times.js';

/**
 * Sets KEYS[1] to the larger of its value and ARGV[1] and its expiry to the later of its own and
 * ARGV[2] (ms since epoch), atomically. A jti or sid entry holds "1", so for those only the expiry
 * moves; a cut-off never goes down. PXAT needs Redis 6.2, PEXPIREAT ... GT Redis 7.0.
 */
const UPSERT_MAX = `
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
  return 1
end
if tonumber(ARGV[1]) > tonumber(current) then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
end
redis.call('PEXPIREAT', KEYS[1], ARGV[2], 'GT')
return 0
`;

/**
 * The blacklist in Redis, shared by every instance: one key per entry, expiring with PEXPIREAT at
 * the moment it stops mattering, so Redis itself keeps the size bounded by live tokens.
 *
 * Every key carries its user's hash tag (`keys.ts`): a token's jti entry, its session's sid entry
 * and its user's cut-off live in one slot of a cluster, so `isRevoked` is one `MGET` on one master.
 * Writes wait for the configured replicas (`ReplicaAck`): a revocation a failover could lose is
 * reported as a failure, not a success.
 *
 * Fails closed: when Redis cannot answer, every method rejects with `UNAVAILABLE` (a 503), never
 * resolves "not revoked" — a token that might be revoked must not pass.
 */
export class RedisTokenBlacklist extends TokenBlacklist {
  private readonly logger = new Logger(RedisTokenBlacklist.name);

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ack: ReplicaAck = new ReplicaAck(redis, 0),
  ) {
    super();
  }

  /** `<prefix>bl:jti:{u:<user>}:<jti>`, `<prefix>bl:sid:{u:<user>}:<sid>`, `<prefix>bl:user:{u:<user>}`. */
  key(kind: 'jti' | 'sid' | 'user', userId: string, id?: string): string {
    const tagged = `${this.keyPrefix}bl:${kind}:${userTag(userId)}`;
    return id === undefined ? tagged : `${tagged}:${id}`;
  }

  async revokeToken(userId: string, jti: string, expiresAt: Date): Promise<void> {
    await this.upsertMax(this.key('jti', userId, jti), 1, expiryMs(expiresAt));
  }

  async revokeSession(userId: string, sid: string, expiresAt: Date): Promise<void> {
    await this.upsertMax(this.key('sid', userId, sid), 1, expiryMs(expiresAt));
  }

  async setUserCutoff(userId: string, cutoffMs: number, keepUntil: Date): Promise<void> {
    await this.upsertMax(this.key('user', userId), wholeCutoffMs(cutoffMs), expiryMs(keepUntil));
  }

  async isRevoked(token: AccessTokenRef): Promise<boolean> {
    // A NaN would match no cut-off: fail closed rather than let a malformed token through.
    if (!Number.isFinite(token.issuedAtMs)) return true;
    const keys = [this.key('user', token.sub), this.key('sid', token.sub, token.sid)];
    if (token.jti !== undefined) keys.push(this.key('jti', token.sub, token.jti));
    let values: (string | null)[];
    try {
      values = await this.redis.mGet(keys);
    } catch (err) {
      throw this.unavailable(err);
    }
    const [cutoff, ...entries] = values;
    return entries.some((v) => v != null) || (cutoff != null && token.issuedAtMs <= Number(cutoff));
  }

  /** Redis expires the keys itself; this only reports whether it could. */
  purgeExpired(): Promise<number> {
    return this.redis.isReady ? Promise.resolve(0) : Promise.reject(this.unavailable(undefined));
  }

  private async upsertMax(key: string, value: number, untilMs: number): Promise<void> {
    // An entry that would expire at once refuses nothing.
    if (untilMs <= Date.now()) return;
    try {
      await this.redis.eval(UPSERT_MAX, { keys: [key], arguments: [String(value), String(untilMs)] });
      await this.ack.confirm(key);
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  private unavailable(err: unknown): DomainError {
    // Connection trouble is already logged by the Redis module; an error reply or a write the
    // replicas did not take is worth a line.
    if (err instanceof ErrorReply || err instanceof ReplicaAckError) this.logger.error(`Redis: ${err.message}`);
    return new DomainError('UNAVAILABLE', 'Service unavailable');
  }
}
