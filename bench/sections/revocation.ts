/**
 * (5) Revocation latency: from sending a logout (or an admin's forced logout) to the first 401 for
 * the old credential, on the same instance and on a second one sharing the store; and how many
 * requests still passed after the logout had answered (must be 0).
 */
import { performance } from 'node:perf_hooks';
import type { RunContext } from '../lib/context.js';
import { bearer, cookie, expectStatus, loginJwt, loginSession, type Reply, send } from '../lib/http.js';
import type { RevocationRow, Style } from '../lib/results.js';
import type { Section } from '../lib/section.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type Bench, ensurePool } from '../lib/servers.js';
import { median, round } from '../lib/stats.js';

/** Sends `check()` until it answers 401; returns when (ms since `t0`) and how many passed first. */
async function firstRefusal(t0: number, check: () => Promise<Reply>): Promise<{ ms: number; accepted: number }> {
  let accepted = 0;
  for (let i = 0; i < 500; i++) {
    const r = await check();
    if (r.status === 401) return { ms: performance.now() - t0, accepted };
    if (r.status !== 200) throw new Error(`bench: revocation check answered ${r.status}`);
    accepted++;
  }
  throw new Error('bench: a revoked credential was still accepted after 500 requests');
}

async function run(ctx: RunContext): Promise<RevocationRow[]> {
  const S = ctx.settings;
  const rows: RevocationRow[] = [];
  for (const store of ['embedded', 'redis'] as const) {
    const main = ctx.servers.of(`hs256-${store}`);
    const peer = ctx.servers.of(`peer-${store}`);
    if (!main) continue;
    await ensurePool(main, S.pool);
    const admin = await loginJwt(main.proc.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const targets: [RevocationRow['instance'], Bench][] = [['same', main]];
    if (peer) targets.push(['other', peer]);
    for (const [instance, target] of targets) {
      const samples = new Map<string, { ms: number[]; call: number[]; accepted: number }>();
      const add = (style: Style, action: RevocationRow['action'], ms: number, call: number, accepted: number): void => {
        const key = `${style}|${action}`;
        const s = samples.get(key) ?? { ms: [], call: [], accepted: 0 };
        s.ms.push(ms);
        s.call.push(call);
        s.accepted += accepted;
        samples.set(key, s);
      };
      const get = (headers: Record<string, string>): Promise<Reply> =>
        send(target.proc.url, 'GET', '/users/me', { headers });
      for (let rep = 0; rep < S.revocationReps; rep++) {
        const user = main.pool[rep % main.pool.length]!;
        // Session logout.
        const s = await loginSession(main.proc.url, user.email);
        await expectStatus(get(cookie(s.cookie)), 200, `${store}/${instance}: cookie before logout`);
        let t0 = performance.now();
        let call = await expectStatus(
          send(main.proc.url, 'POST', '/auth/session/logout', {
            headers: { ...cookie(s.cookie), 'x-csrf-token': s.csrfToken },
          }),
          204,
          'session logout',
        );
        let seen = await firstRefusal(t0, () => get(cookie(s.cookie)));
        add('session', 'logout', seen.ms, call.ms, seen.accepted);
        // JWT logout.
        const j = await loginJwt(main.proc.url, user.email);
        await expectStatus(get(bearer(j.accessToken)), 200, `${store}/${instance}: token before logout`);
        t0 = performance.now();
        call = await expectStatus(
          send(main.proc.url, 'POST', '/auth/jwt/logout', { headers: bearer(j.accessToken) }),
          204,
          'jwt logout',
        );
        seen = await firstRefusal(t0, () => get(bearer(j.accessToken)));
        add('jwt', 'logout', seen.ms, call.ms, seen.accepted);
        // Forced logout by an admin: both credentials of the user at once.
        const victim = main.pool[main.pool.length - 1 - (rep % main.pool.length)]!;
        const vs = await loginSession(main.proc.url, victim.email);
        const vj = await loginJwt(main.proc.url, victim.email);
        await expectStatus(get(cookie(vs.cookie)), 200, 'victim cookie before');
        await expectStatus(get(bearer(vj.accessToken)), 200, 'victim token before');
        t0 = performance.now();
        call = await expectStatus(
          send(main.proc.url, 'POST', `/admin/users/${victim.id}/logout`, { headers: bearer(admin.accessToken) }),
          204,
          'forced logout',
        );
        const [fs, fj] = await Promise.all([
          firstRefusal(t0, () => get(cookie(vs.cookie))),
          firstRefusal(t0, () => get(bearer(vj.accessToken))),
        ]);
        add('session', 'forced logout', fs.ms, call.ms, fs.accepted);
        add('jwt', 'forced logout', fj.ms, call.ms, fj.accepted);
      }
      for (const [key, s] of samples) {
        const [style, action] = key.split('|') as [Style, RevocationRow['action']];
        const row: RevocationRow = {
          style,
          action,
          store,
          instance,
          reps: s.ms.length,
          p50Ms: round(median(s.ms), 2),
          maxMs: round(Math.max(...s.ms), 2),
          callP50Ms: round(median(s.call), 2),
          acceptedAfterLogout: s.accepted,
        };
        rows.push(row);
        ctx.log(
          `  revocation ${style} ${action} (${store}, ${instance} instance): first refusal after ${row.p50Ms} ms (max ${row.maxMs}); accepted after logout: ${row.acceptedAfterLogout}`,
        );
      }
    }
  }
  return rows;
}
export const revocationSection: Section<RevocationRow[]> = {
  name: 'revocation',
  title: 'revocation latency',
  servers: (ctx) =>
    ['hs256-embedded', 'hs256-redis', 'peer-embedded', 'peer-redis'].map((config) => ctx.servers.id(config)),
  none: [],
  run,
};
