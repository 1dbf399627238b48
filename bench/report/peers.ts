/** The peers: this server against the alternatives users weigh, measured in the guard section's rounds. */
import type { AlternativeCase, BenchResults, GuardCase } from '../lib/results.js';
import { ADAPTER_NAMES, adapterOf, num, table } from './format.js';

/** What this server checks on every guarded request, for the same table as the alternatives'. */
const OUR_CHECKS =
  "The token's signature (or the session cookie's), then one store round trip to the blacklist for the token's jti, its session's sid and the user's cut-off (a logout, a forced logout, a ban or a password change refused at once), and the user's record (a deleted or demoted user refused at once).";
/** Our stack's packages, for the versions column. */
const OUR_PACKAGES = [
  '@nestjs/core',
  '@nestjs/platform-fastify',
  'fastify',
  '@nestjs/passport',
  'passport-jwt',
  'jsonwebtoken',
  'typeorm',
  'better-sqlite3',
];

const label = (c: GuardCase): string => `this server, ${c.style === 'jwt' ? 'Bearer JWT (HS256)' : 'session cookie'}`;
const versionsOf = (v: Record<string, string>, only?: string[]): string =>
  Object.entries(v)
    .filter(([k]) => !only || only.includes(k))
    .map(([k, x]) => `${k} ${x}`)
    .join(', ');

export function peers(r: BenchResults): string[] {
  const alts: AlternativeCase[] = r.alternatives ?? [];
  if (alts.length === 0) return [];
  // Our cases the alternatives were set against, in the order of the first alternative's comparisons.
  const keys = alts[0]!.vs.map((v) => v.caseKey);
  const ours = keys.flatMap((k) => r.guard.filter((c) => `${adapterOf(c)}/${c.id}` === k));
  const head = (c: GuardCase): string =>
    `${ADAPTER_NAMES[adapterOf(c)]} ${c.style === 'jwt' ? 'Bearer' : 'cookie'} ÷ it`;
  const ratio = (a: AlternativeCase, c: GuardCase): string => {
    const v = a.vs.find((x) => x.caseKey === `${adapterOf(c)}/${c.id}`);
    return v ? `×${v.ratio.toFixed(2)} (CPU ×${v.cpuRatio.toFixed(2)})` : '–';
  };
  const noFailures = [...alts, ...ours].every((c) => c.failures === 0);
  return [
    '## Against the alternatives',
    '',
    "The same guarded request on the stacks users weigh against this one, written in `bench/peers/` from each library's documentation and measured in the guard section's rounds exactly as this server's cases are: the same load generator, connections, warm-up and duration, each server a process of its own pinned to the same core. Medians over the rounds; each ratio is this server's req/s ÷ the alternative's in the same round, then the median of those (the goals judge it), and in brackets the alternative's server CPU per request ÷ this server's, the same ratio with the core to each alone, steadier on a shared machine.",
    '',
    table(
      [
        'case',
        'route, credential',
        'served by',
        'req/s',
        'p99 ms',
        'server CPU µs / request',
        'answer bytes (headers + body)',
        ...ours.map(head),
      ],
      [
        ...ours.map((c) => [
          label(c),
          `GET /users/me, ${c.style === 'jwt' ? 'Bearer JWT' : 'session cookie'}`,
          ADAPTER_NAMES[adapterOf(c)],
          num(c.rps),
          num(c.p99Ms, 2),
          num(c.cpuUsPerRequest, 1),
          `${c.headerBytes} + ${c.bodyBytes}`,
          ...ours.map(() => ''),
        ]),
        ...alts.map((a) => [
          a.label,
          `${a.route}, ${a.credential}`,
          a.framework,
          num(a.rps),
          num(a.p99Ms, 2),
          num(a.cpuUsPerRequest, 1),
          `${a.headerBytes} + ${a.bodyBytes}`,
          ...ours.map((c) => ratio(a, c)),
        ]),
      ],
    ),
    '',
    ...(noFailures
      ? []
      : ['**Some cases had failures** (non-2xx, errors or timeouts): their figures do not count.', '']),
    '### What each checks per request, and on what',
    '',
    'A fair reading of the ratios: the alternatives do less per request than this server in some respects and more in others. The NestJS recipe only verifies a signature; Better Auth reads its database on every request unless its cookie cache is on, and then trusts a signed cookie until the cache expires.',
    '',
    table(
      ['case', 'checks on every request', 'versions'],
      [
        ['this server (both credentials)', OUR_CHECKS, versionsOf(r.versions, OUR_PACKAGES)],
        ...alts.map((a) => [a.label, a.checks, versionsOf(a.versions)]),
      ],
    ),
    '',
    ...alts.filter((a) => a.note).flatMap((a) => [`${a.label}: ${a.note}`, '']),
  ];
}
