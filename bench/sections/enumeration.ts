/**
 * (3) Enumeration by timing: login time for an unknown email against a known email with a wrong
 * password (alternating, one at a time), and whether both answers are the same bytes; the same for
 * forgot-password (api.md: alike in body and time for known and unknown emails).
 */
import { randomUUID } from 'node:crypto';
import type { RunContext } from '../lib/context.js';
import { type Reply, send } from '../lib/http.js';
import { loginPath } from '../lib/logins.js';
import type { EnumerationResult } from '../lib/results.js';
import type { Section } from '../lib/section.js';
import { ensurePool } from '../lib/servers.js';
import { percentile, round } from '../lib/stats.js';

const WRONG_PASSWORD = 'not the password, but long';

async function run(ctx: RunContext): Promise<EnumerationResult[]> {
  const S = ctx.settings;
  const b = ctx.servers.of('hs256-embedded');
  if (!b) return [];
  await ensurePool(b, S.pool);
  const out: EnumerationResult[] = [];
  // Forgot allows 3 a quarter-hour per email, so each pool user is asked at most 3 times.
  for (const style of ['jwt', 'session', 'forgot'] as const) {
    const unknown: Reply[] = [];
    const known: Reply[] = [];
    const attempt = (email: string): Promise<Reply> =>
      style === 'forgot'
        ? send(b.proc.url, 'POST', '/auth/password/forgot', { json: { email } })
        : send(b.proc.url, 'POST', loginPath(style), { json: { email, password: WRONG_PASSWORD } });
    const count = style === 'forgot' ? Math.min(S.enumCount, 2 * b.pool.length) : S.enumCount;
    await attempt(`nobody-${randomUUID()}@example.com`);
    await attempt(b.pool[b.pool.length - 1]!.email);
    for (let i = 0; i < count; i++) {
      // Alternating, so drift in the machine's load falls on both kinds alike.
      unknown.push(await attempt(`nobody-${randomUUID()}@example.com`));
      known.push(await attempt(b.pool[i % (b.pool.length - 1)]!.email));
    }
    const stat = (rs: Reply[]): { p50Ms: number; p90Ms: number } => {
      const t = rs.map((r) => r.ms).sort((a, c) => a - c);
      return { p50Ms: round(percentile(t, 50), 2), p90Ms: round(percentile(t, 90), 2) };
    };
    const answers = new Set([...unknown, ...known].map((r) => `${r.status} ${r.body}`));
    const row: EnumerationResult = {
      route: style === 'forgot' ? '/auth/password/forgot' : loginPath(style),
      count,
      unknownEmail: stat(unknown),
      wrongPassword: stat(known),
      ratio: 0,
      sameAnswer: answers.size === 1,
    };
    row.ratio = round(row.unknownEmail.p50Ms / row.wrongPassword.p50Ms, 3);
    ctx.log(
      `  enumeration ${row.route}: unknown email p50 ${row.unknownEmail.p50Ms} ms, wrong password p50 ${row.wrongPassword.p50Ms} ms (×${row.ratio}); same answer: ${row.sameAnswer}`,
    );
    out.push(row);
  }
  return out;
}

export const enumerationSection: Section<EnumerationResult[]> = {
  name: 'enumeration',
  title: 'enumeration timing',
  servers: (ctx) => [ctx.servers.id('hs256-embedded')],
  none: [],
  run,
};
