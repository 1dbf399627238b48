import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { createHmac } from 'node:crypto';
import { LessThan, type FindOptionsWhere, type Repository } from 'typeorm';
import { Housekeeping } from '../database/housekeeping.js';
import { insertRows } from '../database/insert.js';
import { auditConfig } from '../config/config.js';
import { Metrics } from '../metrics/metrics.js';
import { AuthEvent, type AuthEventType } from './auth-event.entity.js';

export interface NewAuthEvent {
  type: AuthEventType;
  userId?: string | null;
  actorId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, string>;
  /** The sign-in style of a login event, for the metrics; not stored (`login.success` keeps it in `detail`). */
  style?: 'cookie' | 'jwt';
}

export interface AuditQuery {
  userId?: string;
  type?: AuthEventType;
  /** Page size; 50 when unset. */
  limit?: number;
  /** `nextCursor` of the previous page: the id of its last event. */
  cursor?: string;
}

const DEFAULT_PAGE = 50;

const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * The audit trail (ASVS 5.0 V16.3): who signed in, failed, was locked, signed out, lost a session,
 * and what an admin did. Recording never fails the request that caused it.
 */
@Injectable()
export class AuditService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AuditService.name);
  private readonly housekeeping = new Housekeeping(
    () => this.purge(),
    (message) => this.logger.warn({ err: message }, 'Audit purge failed'),
  );

  constructor(
    @InjectRepository(AuthEvent) private readonly events: Repository<AuthEvent>,
    @Inject(auditConfig.KEY) private readonly config: ConfigType<typeof auditConfig>,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    void this.housekeeping.run();
    this.housekeeping.start(PURGE_EVERY_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.housekeeping.stop();
  }

  /** Awaited so that what a request did is in the trail when its answer arrives; errors are logged, never thrown. */
  async record(event: NewAuthEvent): Promise<void> {
    // The one place every authentication event passes: the auth counters are fed here, by type.
    this.metrics.observeAuthEvent(event);
    try {
      await insertRows(this.events, {
        type: event.type,
        userId: event.userId ?? null,
        actorId: event.actorId ?? null,
        sessionId: event.sessionId ?? null,
        ip: event.ip?.slice(0, 64) ?? null,
        userAgent: event.userAgent?.slice(0, 512) ?? null,
        detail: event.detail ?? null,
      });
    } catch (err) {
      this.logger.warn({ err, type: event.type }, 'Audit event not recorded');
    }
  }

  /**
   * What the trail keeps in place of a text it must not hold, such as the email of a failed login
   * that names no account (maybe a password typed into the wrong field): HMAC-SHA256 under the
   * server's audit key, so repeated attempts with one string can be told apart from many, and
   * nobody reading the trail (or a dump of it) can recover the text or test guesses without the key.
   */
  pseudonym(text: string): string {
    return createHmac('sha256', this.config.pseudonymKey).update(text, 'utf8').digest('base64url');
  }

  /** Newest first; `nextCursor` is null on the last page. */
  async list(query: AuditQuery): Promise<{ events: AuthEvent[]; nextCursor: string | null }> {
    const where: FindOptionsWhere<AuthEvent> = {};
    if (query.userId) where.userId = query.userId;
    if (query.type) where.type = query.type;
    if (query.cursor !== undefined) where.id = LessThan(Number(query.cursor));
    const limit = query.limit ?? DEFAULT_PAGE;
    const rows = await this.events.find({ where, order: { id: 'DESC' }, take: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { events: page, nextCursor: rows.length > limit && last ? String(last.id) : null };
  }

  async purge(now = Date.now()): Promise<number> {
    try {
      const cutoff = new Date(now - this.config.retentionDays * 86_400_000);
      const result = await this.events.delete({ createdAt: LessThan(cutoff) });
      return result.affected ?? 0;
    } catch (err) {
      this.logger.warn({ err }, 'Audit purge failed');
      return 0;
    }
  }
}
