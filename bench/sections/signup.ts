/**
 * (3b) Sign-in latency during a sign-up flood: argon2 runs in two lanes, sign-ins first, and new
 * hashes past a queue depth are refused with 503 (issue 16). Sign-ins of an existing user one at a
 * time, alone and while 60 sign-ups from one IP are in flight (REGISTER_RATE_PER_IP lifted).
 */
import { randomUUID } from 'node:crypto';
import type { RunContext } from '../lib/context.js';
import { PASSWORD, send } from '../lib/http.js';
import { loginPath } from '../lib/logins.js';
import type { SignupFloodResult } from '../lib/results.js';
import type { Section } from '../lib/section.js';
import { ensurePool } from '../lib/servers.js';
import { percentile, round } from '../lib/stats.js';

const FLOOD_SIGNUPS = 60;

async function run(ctx: RunContext): Promise<SignupFloodResult[]> {
  const b = ctx.servers.of('hs256-embedded');
  if (!b) return [];
  await ensurePool(b, ctx.settings.pool);
  const user = b.pool[0]!;
  const login = async (): Promise<number> => {
    const r = await send(b.proc.url, 'POST', loginPath('jwt'), { json: { email: user.email, password: PASSWORD } });
    if (r.status !== 200) throw new Error(`login during the sign-up flood: ${r.status} ${r.body}`);
    return r.ms;
  };
  const stat = (t: number[]): { p50Ms: number; maxMs: number } => {
    const sorted = [...t].sort((a, c) => a - c);
    return { p50Ms: round(percentile(sorted, 50), 2), maxMs: round(sorted[sorted.length - 1] ?? 0, 2) };
  };
  const logins = ctx.settings.enumCount;
  await login();
  const quiet: number[] = [];
  for (let i = 0; i < logins; i++) quiet.push(await login());
  // 60 parallel sign-ups from one IP, as the attack in the issue, and sign-ins one at a time meanwhile.
  const flood = Promise.all(
    Array.from({ length: FLOOD_SIGNUPS }, () =>
      send(b.proc.url, 'POST', '/users', { json: { email: `flood-${randomUUID()}@example.com`, password: PASSWORD } }),
    ),
  );
  const during: number[] = [];
  for (let i = 0; i < logins; i++) during.push(await login());
  const answers = await flood;
  const row: SignupFloodResult = {
    signups: FLOOD_SIGNUPS,
    created: answers.filter((r) => r.status === 201).length,
    busy: answers.filter((r) => r.status === 503).length,
    logins,
    quiet: stat(quiet),
    duringFlood: stat(during),
    ratio: 0,
  };
  row.ratio = round(row.duringFlood.p50Ms / row.quiet.p50Ms, 2);
  ctx.log(
    `  sign-up flood: login p50 ${row.quiet.p50Ms} → ${row.duringFlood.p50Ms} ms (×${row.ratio}), max ${row.quiet.maxMs} → ${row.duringFlood.maxMs} ms; ${row.created} sign-ups 201, ${row.busy} 503`,
  );
  return [row];
}

export const signupSection: Section<SignupFloodResult[]> = {
  name: 'signup',
  title: 'sign-in latency during a sign-up flood',
  servers: (ctx) => [ctx.servers.id('hs256-embedded')],
  none: [],
  run,
};
