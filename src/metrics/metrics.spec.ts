import { Metrics } from './metrics.js';

const metricsOn = (): Metrics => new Metrics({ port: 0, host: '127.0.0.1' });

/** The value of one series in the exposition text, or undefined. */
const valueOf = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('Metrics', () => {
  it('is inert with METRICS_PORT unset: nothing registered, nothing counted', async () => {
    const off = new Metrics({ port: undefined, host: '0.0.0.0' });
    expect(off.enabled).toBe(false);
    off.observeAuthEvent({ type: 'login.success', detail: { style: 'jwt' } });
    off.observeRequest('/users/me', 'GET', 200, 0.001);
    off.observeStoreCommand('redis', 0.001, true);
    expect((await off.registry.metrics()).trim()).toBe('');
  });

  it('feeds the auth counters from audit events, by a bounded set of label values', async () => {
    const m = metricsOn();
    m.observeAuthEvent({ type: 'login.success', detail: { style: 'cookie' } });
    m.observeAuthEvent({ type: 'login.failure', style: 'jwt', detail: { email: 'a@example.com' } });
    m.observeAuthEvent({ type: 'login.failure', style: '<script>' });
    m.observeAuthEvent({ type: 'session.revoked', detail: { reason: 'forced' } });
    m.observeAuthEvent({ type: 'session.revoked', detail: { reason: 'made-up reason 123' } });
    m.observeAuthEvent({ type: 'some.future_type' });
    const text = await m.registry.metrics();
    expect(valueOf(text, 'auth_sign_ins_total{style="cookie",outcome="success"}')).toBe(1);
    expect(valueOf(text, 'auth_sign_ins_total{style="jwt",outcome="failure"}')).toBe(1);
    expect(valueOf(text, 'auth_sign_ins_total{style="other",outcome="failure"}')).toBe(1);
    expect(valueOf(text, 'auth_session_revocations_total{reason="forced"}')).toBe(1);
    expect(valueOf(text, 'auth_session_revocations_total{reason="other"}')).toBe(1);
    expect(valueOf(text, 'auth_audit_events_total{type="other"}')).toBe(1);
    expect(valueOf(text, 'auth_audit_events_total{type="login.failure"}')).toBe(2);
    // Nothing a client sent becomes a label value.
    for (const raw of ['a@example.com', '<script>', 'made-up', 'some.future_type']) expect(text).not.toContain(raw);
  });

  it('labels an unknown HTTP method "other" and observes store commands by store', async () => {
    const m = metricsOn();
    m.observeRequest('unmatched', 'BREW', 404, 0.002);
    m.observeStoreCommand('database', 0.0003, false);
    m.observeStoreCommand('redis', 2, true);
    const text = await m.registry.metrics();
    expect(
      valueOf(text, 'auth_http_request_duration_seconds_count{route="unmatched",method="other",status="404"}'),
    ).toBe(1);
    expect(valueOf(text, 'auth_store_command_duration_seconds_count{store="database"}')).toBe(1);
    expect(valueOf(text, 'auth_store_command_errors_total{store="redis"}')).toBe(1);
    expect(valueOf(text, 'auth_store_command_errors_total{store="database"}')).toBe(0);
  });
});
