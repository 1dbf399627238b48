/** The goals the report judges a run by, from the guard and storm sections' figures. */
import type { HttpAdapterKind } from '../../src/config/env.js';
import { ADAPTER_LABEL, caseKey } from './platforms.js';
import type { AlternativeCase, Goal, GuardCase, StormResult } from './results.js';

export function goals(
  primary: HttpAdapterKind,
  guard: GuardCase[],
  storm: StormResult[],
  alt: { defaultAdapter: HttpAdapterKind; alternatives: AlternativeCase[] } = {
    defaultAdapter: primary,
    alternatives: [],
  },
): Goal[] {
  const out: Goal[] = [];
  /** A guarded case's req/s ratio, to its adapter's baseline or to raw node:http, at least `min`. */
  const ratio = (
    adapter: HttpAdapterKind,
    id: string,
    min: number,
    text: string,
    to: 'baseline' | 'raw' | 'bare' | 'public',
  ): void => {
    const c = guard.find((g) => g.id === id && g.adapter === adapter);
    const value = { baseline: c?.ratio, raw: c?.ratioToRaw, bare: c?.ratioToBare, public: c?.ratioToPublic }[to];
    if (!c || value === null || value === undefined) return;
    out.push({
      id: `${caseKey(c)}${to === 'baseline' ? '' : `/${to}`}`,
      caseKey: caseKey(c),
      text: `${ADAPTER_LABEL[adapter]}: ${text}`,
      target: `≥ ${min.toFixed(2)}`,
      value,
      met: value >= min && c.failures === 0,
    });
  };
  // The goals set on Express, before the Fastify adapter came: judged on the primary adapter, the
  // one every case runs on.
  const p = primary;
  ratio(p, 'jwt-hs256-embedded', 0.8, 'JWT-guarded (HS256), embedded store: req/s ratio to the baseline', 'baseline');
  ratio(p, 'jwt-hs256-redis', 0.75, 'JWT-guarded (HS256), Redis: req/s ratio to the baseline', 'baseline');
  ratio(p, 'session-embedded', 0.8, 'Session-guarded, embedded store: req/s ratio to the baseline', 'baseline');
  ratio(p, 'session-redis', 0.75, 'Session-guarded, Redis: req/s ratio to the baseline', 'baseline');
  // Fastify's own: to its own baseline, and to node:http with nothing on top.
  const f = 'fastify';
  ratio(
    f,
    'jwt-hs256-embedded',
    0.6,
    'JWT-guarded (HS256), embedded store: req/s ratio to the Fastify baseline',
    'baseline',
  );
  ratio(f, 'session-embedded', 0.6, 'Session-guarded, embedded store: req/s ratio to the Fastify baseline', 'baseline');
  ratio(f, 'jwt-hs256-embedded', 0.35, 'JWT-guarded (HS256), embedded store: req/s ratio to raw node:http', 'raw');
  ratio(f, 'session-embedded', 0.35, 'Session-guarded, embedded store: req/s ratio to raw node:http', 'raw');
  // Issue #21: near the framework floor. Fastify's guarded routes against Nest alone on Fastify (on
  // Redis within 10 % of the embedded store's goal), its public route too; Express's guarded routes
  // against its own public route.
  const nest = 'Nest alone on Fastify';
  ratio(f, 'jwt-hs256-embedded', 0.5, `JWT-guarded (HS256), embedded store: req/s ratio to ${nest}`, 'bare');
  ratio(f, 'session-embedded', 0.45, `Session-guarded, embedded store: req/s ratio to ${nest}`, 'bare');
  ratio(f, 'jwt-hs256-redis', 0.45, `JWT-guarded (HS256), Redis: req/s ratio to ${nest}`, 'bare');
  ratio(f, 'session-redis', 0.405, `Session-guarded, Redis: req/s ratio to ${nest}`, 'bare');
  ratio(f, 'public', 0.8, `public route (JWKS): req/s ratio to ${nest}`, 'bare');
  const e = 'express';
  ratio(e, 'jwt-hs256-embedded', 0.8, 'JWT-guarded (HS256), embedded store: req/s ratio to its public route', 'public');
  ratio(e, 'session-embedded', 0.8, 'Session-guarded, embedded store: req/s ratio to its public route', 'public');
  // Against the alternatives (issue #21), on the product's default adapter, in the same rounds: our
  // req/s ÷ theirs. Our cookie session is set against Better Auth's cookie session as well as our
  // Bearer route, the like-for-like pair.
  const versus = (id: string, altId: string, min: number, text: string): void => {
    const ours = guard.find((g) => g.id === id && g.adapter === alt.defaultAdapter);
    const theirs = alt.alternatives.find((a) => a.id === altId);
    const v = theirs?.vs.find((x) => ours && x.caseKey === caseKey(ours));
    if (!ours || !theirs || !v) return;
    out.push({
      id: `${v.caseKey}/vs/${altId}`,
      caseKey: v.caseKey,
      text: `${ADAPTER_LABEL[alt.defaultAdapter]}: ${text}`,
      target: `≥ ${min.toFixed(2)}`,
      value: v.ratio,
      met: v.ratio >= min && ours.failures === 0 && theirs.failures === 0,
    });
  };
  versus('jwt-hs256-embedded', 'nest-recipe', 5, "Bearer-guarded req/s ÷ the NestJS docs JWT recipe's");
  versus('jwt-hs256-embedded', 'better-auth', 8, "Bearer-guarded req/s ÷ Better Auth getSession's (cookie cache off)");
  versus('session-embedded', 'better-auth', 8, "Session-guarded req/s ÷ Better Auth getSession's (cookie cache off)");
  versus(
    'jwt-hs256-embedded',
    'better-auth-cookie-cache',
    8,
    "Bearer-guarded req/s ÷ Better Auth getSession's (cookie cache on)",
  );
  versus(
    'session-embedded',
    'better-auth-cookie-cache',
    8,
    "Session-guarded req/s ÷ Better Auth getSession's (cookie cache on)",
  );
  for (const s of storm) {
    out.push({
      id: `storm-${s.style}`,
      text: `Guarded p99 (${s.style === 'jwt' ? 'Bearer' : 'cookie'}) during ${s.loginConnections} concurrent logins ÷ without`,
      target: '≤ 2.00',
      value: s.p99Ratio,
      met: s.p99Ratio <= 2,
    });
  }
  return out;
}
