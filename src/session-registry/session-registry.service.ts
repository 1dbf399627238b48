import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { In, IsNull, LessThan, MoreThan, Not, type Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { auditConfig, sessionConfig } from '../config/config.js';
import { Housekeeping } from '../database/housekeeping.js';
import { insertRows } from '../database/insert.js';
import { TokenBlacklist } from '../token-blacklist/token-blacklist.js';
import { SessionKind, type SessionKindHandler } from './session-kind.js';
import { SessionRecord, type SignInMethod } from './session-record.entity.js';

export interface OpenSession {
  userId: string;
  kind: string;
  expiresAt: Date;
  ip?: string | null;
  userAgent?: string | null;
  storeSid?: string;
  /** How the user proved who they are; `password` when unset. */
  method?: SignInMethod;
}

/** Why a session ended, as the audit trail tells it. */
export type EndReason =
  | 'logout'
  | 'revoked'
  | 'limit'
  | 'replaced'
  | 'expired'
  | 'reuse'
  | 'forced'
  | 'deleted'
  /** A refresh of a DPoP-bound family came with a proof by another key. */
  | 'dpop_key_mismatch'
  | 'password_changed'
  | 'password_reset'
  | 'roles_changed';

/** How often ended and expired records are closed and purged. */
const PURGE_EVERY_MS = 60 * 60 * 1000;
/** Records closed or purged per statement: housekeeping never holds the database for long. */
const PURGE_BATCH = 500;

/** What `GET /auth/sessions` shows: never the store id or any other secret. */
export interface SessionView {
  id: string;
  kind: string;
  method: SignInMethod;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
}

/**
 * One registry of sessions for every style. It owns the records (one per login), listing, the
 * per-user limit, the user's cut-off and the audit of endings; what ending a session means for its
 * credential is the business of the style that made it, registered as a `SessionKindHandler`
 * (session-kind.ts). The registry imports no style.
 *
 * Ending is refusal first: the session's id is refused on every instance (the token blacklist, the
 * one round trip every guarded request of either kind makes), then the kind ends the credential
 * itself, then the record closes. A failure on the way leaves a record open, never a live
 * credential behind a closed record.
 */
@Injectable()
export class SessionRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SessionRegistry.name);
  private readonly kinds = new Map<string, SessionKindHandler>();
  private readonly housekeeping = new Housekeeping(
    () => this.purge(),
    (message) => this.logger.warn({ err: message }, 'Session registry purge failed'),
  );

  constructor(
    @InjectRepository(SessionRecord) private readonly records: Repository<SessionRecord>,
    private readonly blacklist: TokenBlacklist,
    private readonly discovery: DiscoveryService,
    @Inject(sessionConfig.KEY) private readonly session: ConfigType<typeof sessionConfig>,
    @Inject(auditConfig.KEY) private readonly auditRetention: ConfigType<typeof auditConfig>,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: SessionKind.KEY })) {
      const kind = this.discovery.getMetadataByDecorator(SessionKind, wrapper);
      if (!kind || !wrapper.instance) continue;
      if (this.kinds.has(kind)) throw new Error(`Two handlers for the session kind "${kind}"`);
      this.kinds.set(kind, wrapper.instance as SessionKindHandler);
    }
    void this.housekeeping.run();
    this.housekeeping.start(PURGE_EVERY_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.housekeeping.stop();
  }

  /** Records a new login, then ends the user's oldest sessions past `SESSION_MAX_PER_USER` (every kind counts). */
  async open(input: OpenSession): Promise<SessionRecord> {
    this.handler(input.kind);
    const now = new Date();
    const record = this.records.create({
      id: randomUUID(),
      userId: input.userId,
      kind: input.kind,
      // Set here, not by the column default: SQLite's default keeps whole seconds, and the
      // absolute end of a JWT session counts from this instant.
      createdAt: now,
      lastSeenAt: now,
      expiresAt: input.expiresAt,
      ip: input.ip?.slice(0, 64) ?? null,
      userAgent: input.userAgent?.slice(0, 512) ?? null,
      revokedAt: null,
      storeSid: input.storeSid ?? null,
      method: input.method ?? 'password',
    });
    await insertRows(this.records, record);
    await this.audit.record({
      type: 'login.success',
      userId: input.userId,
      sessionId: record.id,
      ip: record.ip,
      userAgent: record.userAgent,
      detail: { style: input.kind, method: record.method ?? 'password' },
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
        method: r.method ?? 'password',
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

  /** The session's login time while it is open (not ended, not past its hard end), else null. */
  async openedAt(id: string): Promise<Date | null> {
    const record = await this.records.findOne({
      where: { id, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      select: { id: true, createdAt: true },
    });
    return record?.createdAt ?? null;
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

  /** Ends every session of the user. Returns the ended records. */
  async endAll(userId: string, reason: EndReason, actorId?: string): Promise<SessionRecord[]> {
    const all = await this.openRecords(userId);
    await this.end(all, reason, actorId);
    return all;
  }

  /**
   * Every credential of the user issued until now, of every kind, is refused from this instant on
   * every instance (the user's cut-off), then every session ends. A login racing this either
   * started before the cut-off (refused, whether or not its record was listed here) or after it (a
   * new session, listed). `forever` refuses every credential the user will ever present: deletion.
   */
  async revokeUser(
    userId: string,
    reason: EndReason,
    options: { actorId?: string; forever?: boolean } = {},
  ): Promise<SessionRecord[]> {
    const now = Date.now();
    const cutoff = options.forever ? Number.MAX_SAFE_INTEGER : now;
    await this.blacklist.setUserCutoff(userId, cutoff, new Date(now + this.longestCredentialLifetimeMs()));
    const ended = await this.endAll(userId, reason, options.actorId);
    // A credential issued next (a password change's fresh sign-in) must come after the cut-off,
    // which refuses what was issued at or before it, in whole milliseconds.
    if (!options.forever) while (Date.now() <= cutoff) await new Promise((r) => setTimeout(r, 1));
    return ended;
  }

  /** Closes a session whose credential its own module already ended (cookie logout, re-login, timeout). */
  async markEnded(id: string, reason: EndReason): Promise<void> {
    const record = await this.records.findOne({
      where: { id, revokedAt: IsNull() },
      select: { id: true, userId: true, kind: true },
    });
    if (!record) return;
    await this.refuse([record]);
    await this.records.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    await this.recordEnd(record, reason);
  }

  /**
   * Housekeeping, hourly: sessions past their end (a cookie session idle too long included) are
   * closed and audited as expired, and records closed longer ago than the audit retention are
   * deleted with their store ids, so the table holds recent history only and a login reads little.
   */
  async purge(now = new Date()): Promise<{ expired: number; deleted: number }> {
    let expired = 0;
    let deleted = 0;
    try {
      for (const [kind, handler] of this.kinds) {
        const idleSince =
          handler.idleTimeoutMs === undefined ? undefined : new Date(now.getTime() - handler.idleTimeoutMs);
        for (;;) {
          const batch = await this.records.find({
            where: [
              { kind, revokedAt: IsNull(), expiresAt: LessThan(now) },
              ...(idleSince ? [{ kind, revokedAt: IsNull(), lastSeenAt: LessThan(idleSince) }] : []),
            ],
            select: { id: true, userId: true },
            take: PURGE_BATCH,
          });
          if (batch.length === 0) break;
          await this.records.update({ id: In(batch.map((r) => r.id)), revokedAt: IsNull() }, { revokedAt: now });
          for (const r of batch) await this.recordEnd(r, 'expired');
          expired += batch.length;
          if (batch.length < PURGE_BATCH) break;
        }
      }
      const before = new Date(now.getTime() - this.auditRetention.retentionDays * 86_400_000);
      for (;;) {
        const batch = await this.records.find({
          where: { revokedAt: LessThan(before) },
          select: { id: true },
          take: PURGE_BATCH,
        });
        if (batch.length === 0) break;
        await this.records.delete({ id: In(batch.map((r) => r.id)), revokedAt: Not(IsNull()) });
        deleted += batch.length;
        if (batch.length < PURGE_BATCH) break;
      }
    } catch (err) {
      this.logger.warn({ err }, 'Session registry purge failed');
    }
    return { expired, deleted };
  }

  private handler(kind: string): SessionKindHandler {
    const handler = this.kinds.get(kind);
    // A programming error (a module opened a kind it did not register), not a client's.
    if (!handler) throw new Error(`No handler registered for the session kind "${kind}"`);
    return handler;
  }

  /** How long a refusal must last to outlive every credential that exists now, of any kind. */
  private longestCredentialLifetimeMs(): number {
    return Math.max(0, ...[...this.kinds.values()].map((k) => k.credentialLifetimeMs));
  }

  /** The moment a session stops being usable: a kind with an idle timeout also ends when idle too long. */
  private effectiveExpiry(r: SessionRecord): Date {
    const idle = this.kinds.get(r.kind)?.idleTimeoutMs;
    if (idle === undefined) return r.expiresAt;
    return new Date(Math.min(r.expiresAt.getTime(), r.lastSeenAt.getTime() + idle));
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

  /** Every instance refuses these sessions' ids from now on, as long as one of their credentials could live. */
  private async refuse(records: Pick<SessionRecord, 'id' | 'userId' | 'kind'>[]): Promise<void> {
    const now = Date.now();
    for (const r of records) {
      await this.blacklist.revokeSession(r.userId, r.id, new Date(now + this.handler(r.kind).credentialLifetimeMs));
    }
  }

  private async end(records: SessionRecord[], reason: EndReason, actorId?: string): Promise<void> {
    if (records.length === 0) return;
    await this.refuse(records);
    for (const r of records) await this.handler(r.kind).end({ id: r.id, userId: r.userId, storeSid: r.storeSid });
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
  method: true,
} as const;
