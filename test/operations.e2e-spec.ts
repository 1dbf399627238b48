import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { MetricsServer } from '../src/metrics/metrics.server.js';
import { PASSWORD, redisEnv, register, sessionLogin } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** One sample of the exposition text: its metric name, labels and value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

const ALERTS = join(import.meta.dirname, '..', 'docs', 'prometheus', 'alerts.yml');

describe('Operations: metrics on their own port, liveness and readiness (e2e)', () => {
  let t: TestApp;
  let metricsPort: number;

  const scrapeText = async (): Promise<string> => {
    const res = await request(`http://127.0.0.1:${metricsPort}`).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };
  const scrape = async (): Promise<Sample[]> => parseExposition(await scrapeText());

  beforeAll(async () => {
    // Redis too, so both stores are timed.
    t = await createTestApp({ env: { ...redisEnv(), METRICS_PORT: '0' } });
    const port = t.app.get(MetricsServer).port;
    if (port === undefined) throw new Error('the metrics listener is not up');
    metricsPort = port;
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves /metrics on METRICS_PORT only: the public port has no /metrics, the metrics port nothing else', async () => {
    await request(t.http).get('/metrics').expect(404);
    await request(t.http).head('/metrics').expect(404);
    const metricsHttp = request(`http://127.0.0.1:${metricsPort}`);
    await metricsHttp.get('/users/me').expect(404);
    await metricsHttp.get('/health').expect(404);
    await metricsHttp.post('/metrics').expect(404);
  });

  it('counts sign-ins by style and outcome, refresh rotations, a reuse detection and revocations by reason', async () => {
    const before = await scrape();
    const user = await register(t.http);

    // Cookie style: one failure, one success, then a logout.
    await request(t.http)
      .post('/auth/session/login')
      .send({ email: user.email, password: 'wrong password 123' })
      .expect(401);
    const cookie = await sessionLogin(t.http, user.email);
    await request(t.http)
      .post('/auth/session/logout')
      .set('Cookie', cookie.cookie)
      .set('X-CSRF-Token', cookie.csrfToken)
      .expect(204);

    // JWT style: one failure, one success, a rotation, then the spent token again (reuse).
    await request(t.http)
      .post('/auth/jwt/login')
      .send({ email: user.email, password: 'wrong password 123' })
      .expect(401);
    const login = await request(t.http)
      .post('/auth/jwt/login')
      .send({ email: user.email, password: PASSWORD })
      .expect(200);
    const first = (login.body as { refreshToken: string }).refreshToken;
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: first }).expect(200);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: first }).expect(401);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}): number =>
      total(after, name, labels) - total(before, name, labels);
    expect(moved('auth_sign_ins_total', { style: 'cookie', outcome: 'success' })).toBe(1);
    expect(moved('auth_sign_ins_total', { style: 'cookie', outcome: 'failure' })).toBe(1);
    expect(moved('auth_sign_ins_total', { style: 'jwt', outcome: 'success' })).toBe(1);
    expect(moved('auth_sign_ins_total', { style: 'jwt', outcome: 'failure' })).toBe(1);
    expect(moved('auth_refresh_rotations_total')).toBe(1);
    expect(moved('auth_refresh_reuse_detections_total')).toBe(1);
    expect(moved('auth_session_revocations_total', { reason: 'logout' })).toBe(1);
    expect(moved('auth_session_revocations_total', { reason: 'reuse' })).toBe(1);
    expect(moved('auth_audit_events_total', { type: 'login.failure' })).toBe(2);
    expect(moved('auth_audit_events_total', { type: 'refresh.reuse_detected' })).toBe(1);
  });

  it('counts HTTP requests by route template, method and status, with their latency; no id or raw path in a label', async () => {
    const user = await register(t.http);
    const login = await request(t.http)
      .post('/auth/jwt/login')
      .send({ email: user.email, password: PASSWORD })
      .expect(200);
    const bearer = `Bearer ${(login.body as { accessToken: string }).accessToken}`;
    const before = await scrape();
    const unknownSession = randomUUID();
    const unknownPath = `/no-such-route/${randomUUID()}`;
    await request(t.http).get('/users/me').set('Authorization', bearer).expect(200);
    await request(t.http).get('/users/me').expect(401);
    await request(t.http).delete(`/auth/sessions/${unknownSession}`).set('Authorization', bearer).expect(404);
    await request(t.http).get(unknownPath).expect(404);

    const text = await scrapeText();
    const after = parseExposition(text);
    const moved = (labels: Record<string, string>): number =>
      total(after, 'auth_http_request_duration_seconds_count', labels) -
      total(before, 'auth_http_request_duration_seconds_count', labels);
    expect(moved({ route: '/users/me', method: 'GET', status: '200' })).toBe(1);
    expect(moved({ route: '/users/me', method: 'GET', status: '401' })).toBe(1);
    expect(moved({ route: '/auth/sessions/:id', method: 'DELETE', status: '404' })).toBe(1);
    expect(moved({ route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    // The histogram has its buckets, up to +Inf, for each series.
    expect(
      total(after, 'auth_http_request_duration_seconds_bucket', { route: '/users/me', status: '200', le: '+Inf' }),
    ).toBe(total(after, 'auth_http_request_duration_seconds_count', { route: '/users/me', status: '200' }));
    for (const secret of [user.id, user.email, unknownSession, unknownPath]) expect(text).not.toContain(secret);
  });

  it('times store commands by store (Redis and the database) and counts their errors', async () => {
    await request(t.http).get('/health/ready').expect(200);
    const samples = await scrape();
    expect(total(samples, 'auth_store_command_duration_seconds_count', { store: 'redis' })).toBeGreaterThan(0);
    expect(total(samples, 'auth_store_command_duration_seconds_count', { store: 'database' })).toBeGreaterThan(0);
    // Present from the start (at 0 while nothing failed), so an alert's rate() sees the first error.
    const errors = samples.filter((s) => s.name === 'auth_store_command_errors_total').map((s) => s.labels.store);
    expect(errors.sort()).toEqual(['database', 'redis']);
  });

  it('serves the event-loop delay and the default process metrics', async () => {
    const names = new Set((await scrape()).map((s) => s.name));
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds_count',
    ]) {
      expect([name, names.has(name)]).toEqual([name, true]);
    }
  });

  it('every metric the alerting rules in docs/prometheus/alerts.yml use is served', async () => {
    const rules = parse(readFileSync(ALERTS, 'utf8')) as {
      groups: {
        name: string;
        rules: { alert: string; expr: string; labels: { severity: string }; annotations: { summary: string } }[];
      }[];
    };
    const names = new Set((await scrape()).map((s) => s.name));
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'AuthHttp5xxRate',
        'AuthSignInFailureSpike',
        'AuthRefreshReuseDetected',
        'AuthStoreErrors',
        'AuthEventLoopDelay',
      ]),
    );
    for (const rule of alerts) {
      expect(rule.labels.severity).toMatch(/^(warning|critical)$/);
      expect(rule.annotations.summary.length).toBeGreaterThan(0);
      const used = [...String(rule.expr).matchAll(/\b(?:auth|nodejs|process)_[a-z0-9_]+/g)].map((m) => m[0]);
      expect([rule.alert, used.length > 0]).toEqual([rule.alert, true]);
      for (const metric of used) expect([rule.alert, metric, names.has(metric)]).toEqual([rule.alert, metric, true]);
    }
  });

  it('GET /health/live answers 200; /health/ready and its alias /health check the database and Redis', async () => {
    const live = await request(t.http).get('/health/live').expect(200);
    expect(live.body).toEqual({ status: 'ok' });
    // The same check under both paths (on PostgreSQL each answer carries its own responseTime).
    for (const path of ['/health/ready', '/health']) {
      const ready = await request(t.http).get(path).expect(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        details: { database: { status: 'up' }, redis: { status: 'up' } },
      });
    }
  });
});

describe('Operations without METRICS_PORT (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('opens no metrics listener and serves no /metrics; the probes answer', async () => {
    expect(t.app.get(MetricsServer).port).toBeUndefined();
    await request(t.http).get('/metrics').expect(404);
    await request(t.http).get('/health/live').expect(200);
    await request(t.http).get('/health/ready').expect(200);
  });
});
