import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { AUTH_EVENT_TYPES } from '../audit/auth-event.entity.js';
import { metricsConfig } from '../config/config.js';

/** The stores whose commands are timed: every Redis command, every database query. */
export type StoreName = 'redis' | 'database';

/** What the audit trail hands over: the event's type, its small detail and its sign-in style, never a user id. */
export interface AuthEventSample {
  type: string;
  detail?: Record<string, string> | null;
  style?: string;
}

/** Label values come from these lists only, so no input can grow a metric's series (no raw paths, no ids). */
const KNOWN_TYPES = new Set<string>(AUTH_EVENT_TYPES);
const STYLES = new Set(['cookie', 'jwt']);
const REASONS = new Set(['logout', 'revoked', 'limit', 'replaced', 'expired', 'reuse', 'forced', 'deleted']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const bounded = (value: string | undefined, known: Set<string>): string =>
  value !== undefined && known.has(value) ? value : 'other';

/** The route label of a request no route of the app matched (404s, static files of the docs). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The Prometheus metrics of one app, in a registry of its own (several apps may share a process, as
 * in the tests). With `METRICS_PORT` unset nothing is created and every method returns at once, so
 * the hot path pays nothing; `enabled` lets the HTTP edges skip their hook altogether.
 */
@Injectable()
export class Metrics {
  readonly enabled: boolean;
  readonly registry = new Registry();
  private readonly http?: Histogram<'route' | 'method' | 'status'>;
  private readonly signIns?: Counter<'style' | 'outcome'>;
  private readonly refreshRotations?: Counter;
  private readonly reuseDetections?: Counter;
  private readonly revocations?: Counter<'reason'>;
  private readonly authEvents?: Counter<'type'>;
  private readonly storeDuration?: Histogram<'store'>;
  private readonly storeErrors?: Counter<'store'>;

  constructor(@Inject(metricsConfig.KEY) config: ConfigType<typeof metricsConfig>) {
    this.enabled = config.port !== undefined;
    if (!this.enabled) return;
    const registers = [this.registry];
    // Process CPU, memory, handles, GC, and the event-loop delay (nodejs_eventloop_lag_*_seconds).
    collectDefaultMetrics({ register: this.registry });
    this.http = new Histogram({
      name: 'auth_http_request_duration_seconds',
      help: 'HTTP requests by route template, method and status, and how long they took (_count: requests).',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.signIns = new Counter({
      name: 'auth_sign_ins_total',
      help: 'Password sign-ins by style (cookie, jwt) and outcome (success, failure).',
      labelNames: ['style', 'outcome'],
      registers,
    });
    this.refreshRotations = new Counter({
      name: 'auth_refresh_rotations_total',
      help: 'Refresh tokens spent and replaced by a new one.',
      registers,
    });
    this.reuseDetections = new Counter({
      name: 'auth_refresh_reuse_detections_total',
      help: 'Spent refresh tokens presented again: each ended its whole family (RFC 9700 §4.14.2).',
      registers,
    });
    this.revocations = new Counter({
      name: 'auth_session_revocations_total',
      help: 'Sessions of either kind ended before their time, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.authEvents = new Counter({
      name: 'auth_audit_events_total',
      help: 'Events written to the audit trail, by type.',
      labelNames: ['type'],
      registers,
    });
    this.storeDuration = new Histogram({
      name: 'auth_store_command_duration_seconds',
      help: 'Redis commands and database queries, failed ones included, by store.',
      labelNames: ['store'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.storeErrors = new Counter({
      name: 'auth_store_command_errors_total',
      help: 'Redis commands and database queries or connections that failed, by store.',
      labelNames: ['store'],
      registers,
    });
    // Every series of a label set known in advance starts at 0, so rate() and alerts see the first event.
    for (const style of STYLES) for (const outcome of ['success', 'failure']) this.signIns.inc({ style, outcome }, 0);
    for (const store of ['redis', 'database'] as const) this.storeErrors.inc({ store }, 0);
    this.refreshRotations.inc(0);
    this.reuseDetections.inc(0);
  }

  /** One answered HTTP request; `route` is the matched route's template (or `UNMATCHED_ROUTE`). */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.http?.observe({ route, method: bounded(method, METHODS), status: String(status) }, seconds);
  }

  /** Fed by the audit trail, the one place every authentication event passes. */
  observeAuthEvent(event: AuthEventSample): void {
    if (!this.enabled) return;
    const detail = event.detail ?? {};
    const style = bounded(event.style ?? detail.style, STYLES);
    this.authEvents?.inc({ type: bounded(event.type, KNOWN_TYPES) });
    switch (event.type) {
      case 'login.success':
        this.signIns?.inc({ style, outcome: 'success' });
        break;
      case 'login.failure':
        this.signIns?.inc({ style, outcome: 'failure' });
        break;
      case 'refresh.rotated':
        this.refreshRotations?.inc();
        break;
      case 'refresh.reuse_detected':
        this.reuseDetections?.inc();
        break;
    }
    // The registry's end of a session: a logout, a reuse, or a revocation with its reason.
    if (event.type === 'logout' || event.type === 'session.revoked' || event.type === 'refresh.reuse_detected') {
      this.revocations?.inc({ reason: bounded(detail.reason, REASONS) });
    }
  }

  /** One Redis command or database query (or connection attempt), with how long it took. */
  observeStoreCommand(store: StoreName, seconds: number, failed: boolean): void {
    this.storeDuration?.observe({ store }, seconds);
    if (failed) this.storeErrors?.inc({ store });
  }
}
