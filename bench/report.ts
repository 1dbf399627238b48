/**
 * docs/benchmarks.md and docs/benchmarks-rps.svg, generated from bench/results/latest.json (and
 * previous.json, when there is one, for the comparison). `run.ts` calls this after a run;
 * `node dist/bench/report.js` regenerates the documents from the stored JSON alone.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResults, GuardCase, ProfileSummary } from './lib/results.js';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kib = (bytes: number): string => `${num(bytes / 1024, 1)} KiB`;
const mib = (bytes: number): string => `${num(bytes / 2 ** 20, 1)} MiB`;
const signed = (n: number, digits = 0): string => `${n >= 0 ? '+' : '−'}${num(Math.abs(n), digits)}`;

/**
 * What the storm figures mean, from the profiles of this bench (see "Where the time goes"): stated
 * once here rather than guessed from each run's numbers.
 */
const STORM_NOTE = [
  "How to read it: the hash never runs on the event loop (argon2 runs on libuv's threadpool), and PasswordService lets at most the available cores minus one (here, pinned to one core: one) hash at a time, so logins past that queue instead of taking the core from the event loop.",
  'Before that cap, four argon2 threads shared the pinned core with the main thread, the scheduler giving each an equal share: guarded p99 rose ×90 (Bearer) and ×436 (cookie) during a storm. With it, the main thread shares the core with one hashing thread, and the rise is the few milliseconds a guarded request waits for its time slice plus the rest of each login on the main thread (the credential check, the registry, the audit trail and the store writes, mostly TypeORM statements).',
  'The remaining ratio is sensitive to the quiet p99 it divides by (a few milliseconds, noisy on a shared machine): read the absolute storm p99 beside it. It comes down further when a login costs the main thread less; with more cores than hashing threads it does not arise.',
].join(' ');

/**
 * The hot-path changes made with this bench, and what they measured when made (2026-11-22, on the
 * shared 2-core machine this project runs on). Kept here, not in the results: they compare code
 * before and after a change, which one run of the current code cannot.
 */
const HOT_PATH_CHANGES = [
  '## Hot-path changes made with this bench',
  '',
  table(
    ['change', 'file', 'in-process CPU per call (`bench/micro.ts`)'],
    [
      [
        'The Bearer guard runs the passport-jwt strategy itself (a per-request object inheriting from it, as passport does) instead of going through `AuthGuard` and `passport.authenticate()`',
        '`src/auth-jwt/jwt-auth.guard.ts`',
        'whole guard 85 → 43 µs (with the next row)',
      ],
      [
        'HS256 verified on node:crypto (HMAC, constant-time compare of the base64url text, then the same claim checks) instead of jsonwebtoken through @nestjs/jwt; RS256/ES256 unchanged',
        '`src/auth-jwt/tokens/hs256-jws.ts`, `access-token.ts`',
        '`AccessTokenVerifier.verify` 42 → 16 µs',
      ],
      [
        'The session guard runs the cookie strategy the same way, then the same Origin / Fetch-Metadata and CSRF checks',
        '`src/auth-session/session-auth.guard.ts`',
        'the guard alone is about 2 µs either way in-process; the gain shows under HTTP',
      ],
    ],
  ),
  '',
  'Req/s ratio to the baseline, `GET /users/me`, before and after, run back to back on one snapshot of the code (`--only=guard --rounds=3 --duration=5`, medians):',
  '',
  table(
    ['case', 'before', 'after'],
    [
      ['JWT HS256, embedded', '0.772', '0.868'],
      ['Session cookie, embedded', '0.800', '0.842'],
      ['JWT HS256, Redis', '0.852', '1.052'],
      ['Session cookie, Redis', '1.145', '1.117'],
    ],
  ),
  '',
  'Login storm: `PasswordService` runs at most the available cores minus one argon2 computations at once (`p-limit`). Before, four threadpool threads shared the pinned core with the event loop; `--quick --only=storm`, back to back: guarded p99 during 50 concurrent logins ×90.5 → ×1.94 (Bearer) and ×436 → ×2.07 (cookie), at the same 20 logins/s.',
  '',
  "The JWT guard alone, 4 rounds of 5 s: 0.763 with the code as it was, 0.761 with the HS256 verifier only, 0.857 with the guard change too. The machine was shared with other test suites while these ran: one case's ratio moved by up to ±0.15 from round to round, so each median carries about ±0.05 and ratios above 1 are noise; the in-process figures are the steadier ones. No security check was removed: the unit specs of both modules, the JWT and session e2e suites and the attack suite (`test/security/`) pass unchanged.",
  '',
].join('\n');

const COLOURS = { none: '#8c8c8c', jwt: '#3b6fb6', session: '#3a9a5b' } as const;

/** A horizontal bar chart of req/s per guard case, with the goal thresholds marked. */
export function rpsChart(r: BenchResults): string {
  const cases = r.guard;
  const base = cases.find((c) => c.id === 'baseline');
  const max = Math.max(...cases.map((c) => c.rps), 1);
  const left = 190;
  const barMax = 440;
  const rowH = 30;
  const top = 46;
  const width = left + barMax + 150;
  const height = top + cases.length * rowH + 62;
  const x = (rps: number): number => left + (rps / max) * barMax;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">GET /users/me, requests per second (${esc(r.mode)} run, ${esc(r.date.slice(0, 10))})</text>`,
    `<text x="12" y="38" fill="#555">${esc(`${r.machine.cpuModel}, ${r.machine.pinning}, ${r.machine.loadTool}, ${r.settings.connections} connections`)}</text>`,
  ];
  cases.forEach((c, i) => {
    const y = top + i * rowH;
    const fill = c.store === 'redis' && c.style !== 'none' ? `${COLOURS[c.style]}b0` : COLOURS[c.style];
    parts.push(
      `<text x="${left - 8}" y="${y + 19}" text-anchor="end">${esc(c.label)}</text>`,
      `<rect x="${left}" y="${y + 5}" width="${Math.max(1, x(c.rps) - left).toFixed(1)}" height="${rowH - 10}" fill="${fill}"/>`,
      `<text x="${(x(c.rps) + 6).toFixed(1)}" y="${y + 19}">${esc(`${num(c.rps)}  (×${c.ratio.toFixed(2)})`)}</text>`,
    );
  });
  if (base) {
    const bottom = top + cases.length * rowH;
    for (const [share, label] of [
      [0.8, '0.80'],
      [0.75, '0.75'],
    ] as const) {
      const gx = x(base.rps * share).toFixed(1);
      parts.push(
        `<line x1="${gx}" y1="${top}" x2="${gx}" y2="${bottom}" stroke="#c0392b" stroke-dasharray="4 3"/>`,
        `<text x="${gx}" y="${bottom + (share === 0.8 ? 14 : 28)}" text-anchor="middle" fill="#c0392b" font-size="11">goal ${label}× baseline</text>`,
      );
    }
  }
  const ly = height - 10;
  parts.push(
    `<rect x="12" y="${ly - 10}" width="10" height="10" fill="${COLOURS.none}"/><text x="26" y="${ly}" font-size="11">baseline</text>`,
    `<rect x="90" y="${ly - 10}" width="10" height="10" fill="${COLOURS.jwt}"/><text x="104" y="${ly}" font-size="11">Bearer JWT</text>`,
    `<rect x="180" y="${ly - 10}" width="10" height="10" fill="${COLOURS.session}"/><text x="194" y="${ly}" font-size="11">session cookie (lighter: Redis)</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string =>
    `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function profileText(p: ProfileSummary, base: ProfileSummary | undefined): string {
  const storm = p.caseId.startsWith('storm-');
  const out = [
    `#### ${storm ? `${p.caseId}: guarded requests during 50 concurrent logins` : p.caseId}`,
    '',
    `${num(p.requests)} requests in the window${storm ? ' (logins and guarded requests together)' : ''}; the server's main thread was busy ${num(p.busyUsPerRequest, 1)} µs per request (idle ${p.idlePct}%, GC ${p.gcPct}% of samples). Samples are wall-clock: on a shared core they include time the thread waited for the CPU, so read the shares, not the absolute µs.`,
  ];
  if (base && base !== p && !storm) {
    const basePkgs = new Map(base.byPackage.map((x) => [x.name, x.usPerRequest]));
    const grown = p.byPackage
      .map((x) => ({ name: x.name, delta: x.usPerRequest - (basePkgs.get(x.name) ?? 0) }))
      .filter((x) => x.delta > 0.5)
      .sort((a, b) => b.delta - a.delta)
      .slice(0, 6);
    out.push(
      '',
      `Against the baseline (${num(base.busyUsPerRequest, 1)} µs per request), the extra ${num(p.busyUsPerRequest - base.busyUsPerRequest, 1)} µs go mostly to: ${grown.map((g) => `${g.name} (${signed(g.delta, 1)} µs)`).join(', ') || 'no single package'}.`,
    );
  }
  out.push(
    '',
    table(
      ['by application code on the stack (inclusive of the libraries it calls)', '% of samples', 'µs / request'],
      p.byAppCode.slice(0, 8).map((x) => [x.name, x.selfPct, num(x.usPerRequest, 1)]),
    ),
    '',
    table(
      ['by package (self time)', '% of samples', 'µs / request'],
      p.byPackage.slice(0, 10).map((x) => [x.name, x.selfPct, num(x.usPerRequest, 1)]),
    ),
    '',
    table(
      ['top functions (self time)', 'where', '% of samples', 'µs / request'],
      p.topFunctions.slice(0, 12).map((x) => [`\`${x.name}\``, x.where, x.selfPct, num(x.usPerRequest, 1)]),
    ),
    '',
  );
  return out.join('\n');
}

export function markdown(r: BenchResults, prior: BenchResults | null): string {
  const m = r.machine;
  const base = r.guard.find((c) => c.id === 'baseline');
  const s: string[] = [];
  s.push(
    '# Benchmarks: sessions and JWTs, measured',
    '',
    '<!-- Generated by `npm run bench` (bench/report.ts) from bench/results/latest.json. Do not edit by hand. -->',
    '',
    `A **${r.mode}** run of \`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\` on ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.wallSec} s wall time. Every figure below comes from this one run, side by side; ratios are to the baseline measured in the same rounds. Absolute numbers depend on the machine; the ratios are what carry over.`,
    '',
    table(
      ['machine', ''],
      [
        ['CPU', `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB`],
        ['OS / Node', `${m.os}, Node ${m.node}`],
        ['pinning', m.pinning],
        [
          'load generator',
          `${m.loadTool}, ${r.settings.connections} connections, ${r.settings.rounds} round(s) of ${r.settings.durationSec} s after ${r.settings.warmupSec} s warm-up`,
        ],
        ['load average at start', m.loadAverageAtStart.join(', ')],
        ['Redis', m.redis ?? 'not available: Redis cases skipped'],
        [
          'versions',
          Object.entries(r.versions)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        ],
      ],
    ),
    '',
  );
  if (r.skipped.length > 0) s.push(`Skipped: ${r.skipped.join('; ')}.`, '');

  s.push(
    '## Goals',
    '',
    table(
      ['goal', 'target', 'measured', ''],
      r.goals.map((g) => [g.text, g.target, g.value.toFixed(2), g.met ? 'met' : '**missed**']),
    ),
    '',
  );
  const missed = r.goals.filter((g) => !g.met);
  if (missed.length > 0) {
    s.push(
      `Missed in this run: ${missed.map((g) => g.id).join(', ')}.${r.profiles.length > 0 ? ' The CPU profiles below show where the time goes.' : ''}${r.mode === 'quick' ? ' (A quick run is one short round on a possibly busy machine; the full run is the reference.)' : ''}`,
      '',
    );
  }

  s.push(
    '## Guard overhead: `GET /users/me`',
    '',
    "The baseline is the same application with the global authentication guard replaced (a testing-module override in `bench/baseline-auth.module.ts`) by one that attaches a fixed user: the route, its database read, every middleware and the response are the same. The guard cost is the extra server time per request, 1/req·s⁻¹ minus the baseline's.",
    '',
    '![req/s per case](benchmarks-rps.svg)',
    '',
    table(
      [
        'case',
        'req/s',
        'ratio to baseline',
        'p50 ms',
        'p99 ms',
        'guard µs / request (1/rps)',
        'server CPU µs / request',
        'CPU ratio',
      ],
      r.guard.map((c) => [
        c.label,
        num(c.rps),
        c.ratio.toFixed(3),
        c.p50Ms.toFixed(2),
        c.p99Ms.toFixed(2),
        c.id === 'baseline' ? '–' : num(c.guardUs, 1),
        num(c.cpuUsPerRequest),
        c.cpuRatio.toFixed(3),
      ]),
    ),
    '',
    "The goals are judged on the req/s ratio. The server's own CPU time per request (all its threads, read from the process) is a cross-check that a neighbour on the machine disturbs less: when one takes part of the core, req/s drops but CPU per request mostly does not. Both move while V8 is still optimising a server's code, which is why each case is loaded before its first measured round. p99 under a saturating load is queueing plus the machine's own stalls: compare it between cases of one run only.",
    '',
  );
  const invalid = r.guard.filter((c) => c.failures > 0);
  if (invalid.length > 0)
    s.push(
      `**Invalid cases** (non-2xx answers or socket errors during the load): ${invalid.map((c) => `${c.id} (${c.failures})`).join(', ')}.`,
      '',
    );
  if (r.settings.rounds > 1) {
    s.push(
      'Ratio in each round (each round opens and closes with the baseline; the cases run in between in a rotating order):',
      '',
      table(
        ['case', ...r.guard[0]!.rounds.map((_, i) => `round ${i + 1}`)],
        r.guard.map((c: GuardCase) => [c.label, ...c.rounds.map((x) => `${x.ratio.toFixed(3)} (${num(x.rps)} req/s)`)]),
      ),
      '',
    );
  }

  s.push(
    '## Logins',
    '',
    "argon2id m=19456 KiB, t=2, p=1 on libuv's threadpool. One at a time: the latency a user sees. 50 at once: the throughput of the pinned core.",
    '',
    table(
      ['style', 'store', 'one at a time p50 ms', 'p90 ms', 'logins/s (50 at once)', 'p50 ms', 'p99 ms', 'failures'],
      r.login.map((l) => [
        l.style,
        l.store,
        l.sequential.p50Ms,
        l.sequential.p90Ms,
        l.concurrent.loginsPerSec,
        num(l.concurrent.p50Ms),
        num(l.concurrent.p99Ms),
        l.concurrent.failures,
      ]),
    ),
    '',
    '### Guarded requests during a login storm',
    '',
    'Guarded `GET /users/me` at a fixed rate, alone and while 50 logins run at once on the same server. The event-loop delay is measured inside the server (`monitorEventLoopDelay`): a hash on the event loop would show there first.',
    '',
    table(
      [
        'credential',
        'rate req/s',
        'p50 quiet → storm ms',
        'p99 quiet → storm ms',
        'p99 ratio',
        'event-loop delay p99 quiet → storm ms',
        'event loop busy quiet → storm',
        'logins/s during storm',
      ],
      r.storm.map((x) => [
        x.style === 'jwt' ? 'Bearer HS256' : 'session cookie',
        x.rate,
        `${x.quiet.p50Ms} → ${x.storm.p50Ms}`,
        `${x.quiet.p99Ms} → ${x.storm.p99Ms}`,
        `×${x.p99Ratio}`,
        `${x.quiet.eventLoopDelayP99Ms} → ${x.storm.eventLoopDelayP99Ms}`,
        `${Math.round((x.quiet.eventLoopUtilization ?? 0) * 100)}% → ${Math.round((x.storm.eventLoopUtilization ?? 0) * 100)}%`,
        x.loginsPerSecDuringStorm,
      ]),
    ),
    '',
    STORM_NOTE,
    '',
    '### Enumeration by timing',
    '',
    'Median login time for an unknown email against a known email with a wrong password (alternating, one at a time). Both run one argon2 verify, and the answers are compared byte for byte.',
    '',
    table(
      [
        'route',
        'attempts each',
        'unknown email p50 / p90 ms',
        'wrong password p50 / p90 ms',
        'ratio of medians',
        'same status and body',
      ],
      r.enumeration.map((e) => [
        `\`${e.route}\``,
        e.count,
        `${e.unknownEmail.p50Ms} / ${e.unknownEmail.p90Ms}`,
        `${e.wrongPassword.p50Ms} / ${e.wrongPassword.p90Ms}`,
        e.ratio.toFixed(3),
        e.sameAnswer ? 'yes' : '**no**',
      ]),
    ),
    '',
    '## Size on the wire',
    '',
    'Bytes the client sends with every authenticated request (the header line, CRLF included), and what the login response carries.',
    '',
    table(
      [
        'style',
        'header',
        'credential bytes',
        'header bytes per request',
        'extra on writes',
        'login Set-Cookie bytes',
        'login body bytes',
      ],
      r.wire.map((w) => [
        w.style === 'jwt' ? `JWT ${w.algorithm ?? ''}` : 'session',
        `\`${w.header}\``,
        w.credentialBytes,
        w.headerBytes,
        w.extraOnWritesBytes ? `${w.extraOnWritesBytes} (X-CSRF-Token)` : '0',
        w.loginSetCookieBytes,
        w.loginBodyBytes,
      ]),
    ),
    '',
    '## Store footprint',
    '',
    `Per ${num(r.stores.footprints[0]?.count ?? 10_000)} entries, written through the stores' own classes on a fresh SQLite file and a fresh Redis key prefix. SQLite: pages of the table and its indexes (dbstat); Redis: \`MEMORY USAGE\` of every key summed (and the \`used_memory\` delta, noisy on a shared Redis). The session registry and refresh tokens always live in SQL; with \`REDIS_URL\` the cookie sessions and the blacklist move to Redis.`,
    '',
    table(
      ['what', 'store', 'rows / keys', 'bytes', 'bytes per entry', 'used_memory delta'],
      r.stores.footprints.map((f) => [
        f.what,
        f.store,
        num(f.rows),
        kib(f.bytes),
        num(f.bytesPerEntry),
        f.usedMemoryDelta === undefined ? '–' : kib(f.usedMemoryDelta),
      ]),
    ),
    '',
    table(
      [
        'blacklist',
        'entries',
        'expiry s',
        'still refused after expiry',
        'present after expiry',
        'present after purge / Redis expiry',
      ],
      r.stores.blacklistExpiry.map((e) => [
        e.store,
        num(e.count),
        e.expirySec,
        e.revokedAfterExpiry,
        num(e.presentAfterExpiry),
        num(e.presentAfterPurge),
      ]),
    ),
    '',
    'The embedded blacklist ignores expired rows at once and deletes them on its purge (every 60 s); Redis expires its keys itself.',
    '',
    '### Server memory after the guard runs',
    '',
    table(
      ['server', 'RSS', 'heap used'],
      r.serverMemory.map((x) => [x.server, mib(x.rssBytes), mib(x.heapUsedBytes)]),
    ),
    '',
    '## Revocation latency',
    '',
    'From sending the logout (or the admin\'s forced logout) to receiving the first `401` for the old credential, on the same instance and on a second instance sharing the store. "Accepted after" counts requests that still passed after the logout call had answered: it must be 0.',
    '',
    table(
      [
        'credential',
        'action',
        'store',
        'instance',
        'reps',
        'first refusal p50 ms',
        'max ms',
        'logout call p50 ms',
        'accepted after',
      ],
      r.revocation.map((x) => [
        x.style === 'jwt' ? 'Bearer' : 'cookie',
        x.action,
        x.store,
        x.instance,
        x.reps,
        x.p50Ms,
        x.maxMs,
        x.callP50Ms,
        x.acceptedAfterLogout,
      ]),
    ),
    '',
  );

  if (r.profiles.length > 0) {
    const baseProfile = r.profiles.find((p) => p.caseId === 'baseline');
    s.push(
      '## Where the time goes (CPU profiles)',
      '',
      'Taken with `node --cpu-prof` on a fresh server per case under the same load, counting only the samples inside the load window. Self time per package and per function, divided by the requests served.',
      '',
      ...r.profiles.map((p) => profileText(p, baseProfile)),
    );
  }

  if (prior) {
    s.push(
      '## Compared with the previous run',
      '',
      `Previous: ${prior.mode} run of ${prior.date.slice(0, 16).replace('T', ' ')} UTC on ${prior.machine.cpuModel}.`,
      '',
    );
    s.push(
      table(
        ['case', 'req/s now', 'before', 'change', 'ratio now', 'before'],
        r.guard.map((c) => {
          const p = prior.guard.find((x) => x.id === c.id);
          return [
            c.label,
            num(c.rps),
            p ? num(p.rps) : '–',
            p ? `${signed(((c.rps - p.rps) / p.rps) * 100, 1)}%` : '–',
            c.ratio.toFixed(3),
            p ? p.ratio.toFixed(3) : '–',
          ];
        }),
      ),
      '',
    );
  }

  s.push(HOT_PATH_CHANGES);
  s.push(
    '## Method',
    '',
    `- ${r.settings.notes.join('\n- ')}`,
    `- Baseline ${base ? `${num(base.rps)} req/s` : 'not measured'}: this is Nest on Express with helmet, the session middleware, the body parser, the global pipe and filter, and a TypeORM read of the user; a guard that costs *g* µs per request on a route that costs *b* µs gives a ratio of b/(b+g).`,
    '- Run it: `npm run bench` (full, about 10 minutes) or `npm run bench -- --quick` (under two minutes). `--profile=always|never` forces or skips the CPU profiles (by default they are taken when a throughput goal is missed), `--keep-profiles` keeps the `.cpuprofile` files in `bench/results/profiles/`, `--autocannon` uses autocannon even when `wrk` is installed. `BENCH_REDIS_URL` names the Redis (default `redis://127.0.0.1:6379`); without one the Redis cases are skipped.',
    '- Regenerate this page from the stored figures: `node dist/bench/report.js`.',
    '',
  );
  return s.join('\n');
}

export function writeReport(root: string, results: BenchResults, prior: BenchResults | null): void {
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'docs', 'benchmarks.md'), markdown(results, prior));
  writeFileSync(join(root, 'docs', 'benchmarks-rps.svg'), rpsChart(results));
}

export function printDeltas(now: BenchResults, prior: BenchResults): void {
  console.log(`\nCompared with the previous run (${prior.mode}, ${prior.date}):`);
  for (const c of now.guard) {
    const p = prior.guard.find((x) => x.id === c.id);
    if (!p) continue;
    console.log(
      `  ${c.id.padEnd(20)} ${num(c.rps).padStart(7)} req/s (${signed(((c.rps - p.rps) / p.rps) * 100, 1)}%)  ratio ${c.ratio.toFixed(3)} (${signed(c.ratio - p.ratio, 3)})`,
    );
  }
  for (const l of now.login) {
    const p = prior.login.find((x) => x.style === l.style && x.store === l.store);
    if (p)
      console.log(
        `  login ${l.style}/${l.store}`.padEnd(22) +
          ` ${l.concurrent.loginsPerSec}/s (was ${p.concurrent.loginsPerSec}/s)`,
      );
  }
  for (const st of now.storm) {
    const p = prior.storm.find((x) => x.style === st.style);
    if (p) console.log(`  storm ${st.style}`.padEnd(22) + ` p99 ×${st.p99Ratio} (was ×${p.p99Ratio})`);
  }
  console.log('');
}

// `node dist/bench/report.js`: regenerate the documents from the stored results.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const latest = join(root, 'bench', 'results', 'latest.json');
  const previous = join(root, 'bench', 'results', 'previous.json');
  const results = JSON.parse(readFileSync(latest, 'utf8')) as BenchResults;
  writeReport(
    root,
    results,
    existsSync(previous) ? (JSON.parse(readFileSync(previous, 'utf8')) as BenchResults) : null,
  );
  console.log('wrote docs/benchmarks.md and docs/benchmarks-rps.svg');
}
