import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { In, IsNull, MoreThan, type Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { RefreshTokenService } from '../auth-jwt/refresh/refresh-token.service.js';
import { CLOCK_TOLERANCE_SECONDS } from '../auth-jwt/tokens/access-token.js';
import { jwtConfig, sessionConfig } from '../config/config.js';
import { SessionStoreGateway } from '../session-store/session-store.gateway.js';
import { TokenBlacklist } from '../token-blacklist/token-blacklist.js';
import { type SessionKind, SessionRecord } from './session-record.entity.js';

export interface OpenSession {
  userId: string;
  kind: SessionKind;
  expiresAt: Date;
  ip?: string | null;
  userAgent?: string | null;
  storeSid?: string;
}

/** Why a session ended, as the audit trail tells it. */
export type EndReason = 'logout' | 'revoked' | 'limit' | 'replaced' | 'expired' | 'reuse' | 'forced' | 'deleted';

/** What `GET /auth/sessions` shows: never the store id or any other secret. */
export interface SessionView {
  id: string;
  kind: SessionKind;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
}

/**
 * One registry of sessions for both styles. Every login opens a record here; ending a record
 * ends its credential at once, whatever its kind: the cookie session is deleted from the store,
 * the refresh family is revoked and its `sid` blacklisted so its access tokens are refused.
 */
@Injectable()
export class SessionRegistry {
  private readonly logger = new Logger(SessionRegistry.name);

  constructor(
    @InjectRepository(SessionRecord) private readonly records: Repository<SessionRecord>,
    private readonly store: SessionStoreGateway,
    private readonly blacklist: TokenBlacklist,
    private readonly refreshTokens: RefreshTokenService,
    @Inject(sessionConfig.KEY) private readonly session: ConfigType<typeof sessionConfig>,
    @Inject(jwtConfig.KEY) private readonly jwt: ConfigType<typeof jwtConfig>,
    private readonly audit: AuditService,
  ) {}

  /** Records a new login, then ends the user's oldest sessions past `SESSION_MAX_PER_USER` (both kinds count). */
  async open(input: OpenSession): Promise<SessionRecord> {
    const now = new Date();
    const record = await this.records.save(
      this.records.create({
        id: randomUUID(),
        userId: input.userId,
        kind: input.kind,
        lastSeenAt: now,
        expiresAt: input.expiresAt,
        ip: input.ip?.slice(0, 64) ?? null,
        userAgent: input.userAgent?.slice(0, 512) ?? null,
        revokedAt: null,
        storeSid: input.storeSid ?? null,
      }),
    );
    await this.audit.record({
      type: 'login.success',
      userId: input.userId,
      sessionId: record.id,
      ip: record.ip,
      userAgent: record.userAgent,
      detail: { style: input.kind },
    });
    const live = await this.active(input.userId, now);
    const excess = live.length - this.session.maxPerUser;
    if (excess > 0) {
      const oldest = live
        .filter((r) => r.id !== record.id)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        .slice(0, excess);
      await this.end(oldest, 'limit');
    }
    return record;
  }

  async list(userId: string, currentId?: string): Promise<SessionView[]> {
    const live = await this.active(userId, new Date());
    return live
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        current: r.id === currentId,
        createdAt: r.createdAt.toISOString(),
        lastSeenAt: r.lastSeenAt.toISOString(),
        expiresAt: this.effectiveExpiry(r).toISOString(),
        ip: r.ip,
        userAgent: r.userAgent,
      }));
  }

  /**
   * Records activity; callers throttle it (a cookie session at most once per a tenth of the idle
   * timeout, a JWT session at each refresh, which also moves its end: refresh tokens slide).
   */
  async touch(id: string, at = new Date(), expiresAt?: Date): Promise<void> {
    await this.records.update(
      { id, revokedAt: IsNull() },
      expiresAt ? { lastSeenAt: at, expiresAt } : { lastSeenAt: at },
    );
  }

  /** Whether the session is still open (not ended, not past its hard expiry). */
  async isActive(id: string): Promise<boolean> {
    return this.records.existsBy({ id, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) });
  }

  /** Ends one of the user's own sessions. Returns false when the id is not one of theirs (a 404). */
  async endOwn(userId: string, id: string, reason: EndReason = 'revoked'): Promise<boolean> {
    const record = await this.records.findOne({ where: { id, userId, revokedAt: IsNull() }, select: selectAll });
    if (!record) return false;
    await this.end([record], reason);
    return true;
  }

  /** Ends every session of the user but `keepId`. */
  async endAllExcept(userId: string, keepId: string): Promise<number> {
    const others = (await this.openRecords(userId)).filter((r) => r.id !== keepId);
    await this.end(others, 'revoked');
    return others.length;
  }

  /** Ends every session of the user (forced logout, deletion). Returns the ended records. */
  async endAll(userId: string, reason: EndReason, actorId?: string): Promise<SessionRecord[]> {
    const all = await this.openRecords(userId);
    await this.end(all, reason, actorId);
    return all;
  }

  /** Marks a session ended whose credential its own module already ended (cookie logout, re-login, timeout). */
  async markEnded(id: string, reason: EndReason): Promise<void> {
    const record = await this.records.findOne({
      where: { id, revokedAt: IsNull() },
      select: { id: true, userId: true },
    });
    if (!record) return;
    await this.records.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    await this.recordEnd(record, reason);
  }

  /** The moment a session stops being usable: a cookie session also ends when idle too long. */
  private effectiveExpiry(r: SessionRecord): Date {
    if (r.kind === 'jwt') return r.expiresAt;
    return new Date(Math.min(r.expiresAt.getTime(), r.lastSeenAt.getTime() + this.session.idleTimeout * 1000));
  }

  private async active(userId: string, now: Date): Promise<SessionRecord[]> {
    return (await this.openRecords(userId)).filter((r) => this.effectiveExpiry(r) > now);
  }

  private openRecords(userId: string): Promise<SessionRecord[]> {
    return this.records.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      select: selectAll,
    });
  }

  /** Ends the credentials first, then the records: a failure leaves the record open, never a live credential behind a closed record. */
  private async end(records: SessionRecord[], reason: EndReason, actorId?: string): Promise<void> {
    if (records.length === 0) return;
    const accessTokenLifetime = (this.jwt.accessTtl + CLOCK_TOLERANCE_SECONDS) * 1000;
    for (const r of records) {
      if (r.kind === 'cookie') {
        if (r.storeSid) await this.store.destroy(r.storeSid);
      } else {
        await this.refreshTokens.revokeFamily(r.id);
        await this.blacklist.revokeSession(r.id, new Date(Date.now() + accessTokenLifetime));
      }
    }
    await this.records.update({ id: In(records.map((r) => r.id)) }, { revokedAt: new Date() });
    for (const r of records) await this.recordEnd(r, reason, actorId);
    this.logger.debug({ count: records.length, reason }, 'Sessions ended');
  }

  private recordEnd(r: Pick<SessionRecord, 'id' | 'userId'>, reason: EndReason, actorId?: string): Promise<void> {
    const type = reason === 'logout' ? 'logout' : reason === 'reuse' ? 'refresh.reuse_detected' : 'session.revoked';
    return this.audit.record({ type, userId: r.userId, sessionId: r.id, actorId, detail: { reason } });
  }
}

const selectAll = {
  id: true,
  userId: true,
  kind: true,
  createdAt: true,
  lastSeenAt: true,
  expiresAt: true,
  ip: true,
  userAgent: true,
  revokedAt: true,
  storeSid: true,
} as const;
