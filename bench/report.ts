/**
 * docs/benchmarks.md and docs/benchmarks-rps.svg, generated from bench/results/latest.json (and
 * previous.json, when there is one, for the comparison). `run.ts` calls this after a run;
 * `node dist/bench/report.js` regenerates the documents from the stored JSON alone.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResults, GuardCase, Platform, ProfileSummary } from './lib/results.js';

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
      [
        'A request gets a session from express-session / @fastify/session only when it carries the session cookie or signs in; before, every other request (Bearer, anonymous) got a new session object (random id, HMAC, hash) that was then dropped',
        '`src/auth-session/session-transport.ts`',
        'seen in the profiles: 13 % of a Fastify and 20 % of an Express baseline request',
      ],
      [
        'helmet built once and applied on both adapters, instead of @fastify/helmet, which builds a helmet middleware (parsing the CSP) on every request',
        '`src/common/http/http-edges.ts`',
        'helmet() built 2.5 µs against 0.2 µs applied (the profiles: 7 % of a Fastify request)',
      ],
      [
        'The user read of `GET /users/me` and of each refresh: a statement written once from the entity metadata, hydrated by TypeORM, instead of `findOneBy`',
        '`src/users/user-by-id.ts`',
        '35 → 10 µs (the same row, 20,000 times, in one process)',
      ],
      [
        '@fastify/session signs the id it has just verified a second time, to build its session object; the signer it is given (`rememberingSigner`) hands back the verified cookie for that id instead',
        '`src/auth-session/session-transport.ts`',
        'one HMAC-SHA256 less per session request: Fastify session case about 345 → 325 µs of server CPU per request (by hand: wrk as the bench runs it, 5 s, alternating, three pairs); this run against the previous: session ÷ baseline 0.539 → 0.582',
      ],
    ],
  ),
  '',
  'The last three together, two full runs back to back (13:10 and 13:41 UTC): baselines Express 2,016 → 2,788 req/s and Fastify 3,946 → 6,379; JWT HS256 (embedded) 1,813 → 2,319 and 3,076 → 4,491; the session case 1,672 → 1,810 and 3,177 → 3,476. The session-guarded ratios fell (Express 0.81 → 0.67, Fastify 0.84 → 0.54) because the baseline no longer pays for a session it never uses, while the session case itself got faster: what a session-guarded request costs over an unguarded one is now measured without the waste both used to share.',
  '',
  'Req/s ratio to the baseline, `GET /users/me`, before and after, run back to back on one snapshot of the code (`--only=guard --rounds=3 --duration=5`, medians; on Express, before the Fastify adapter existed):',
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

const ADAPTER_COLOURS: Record<Platform, string> = {
  express: '#3b6fb6',
  fastify: '#d9822b',
  'node:http': '#8c8c8c',
  'nest:express': '#9db7db',
  'nest:fastify': '#ecc095',
};
const ADAPTER_NAMES: Record<Platform, string> = {
  express: 'Express',
  fastify: 'Fastify',
  'node:http': 'node:http',
  'nest:express': 'Nest alone on Express',
  'nest:fastify': 'Nest alone on Fastify',
};
/** Results of schema 1 were measured on Express only, without the field. */
const adapterOf = (c: GuardCase): Platform => c.adapter ?? 'express';
/** The app on an adapter, as against a floor (node:http alone, Nest alone) that runs none of it. */
const isApp = (p: Platform): boolean => p === 'express' || p === 'fastify';
/** The adapter a platform runs on (Nest alone on Fastify: Fastify), for ordering and naming bars. */
const adapterUnder = (p: Platform): Platform =>
  p === 'nest:express' ? 'express' : p === 'nest:fastify' ? 'fastify' : p;

/** The guard cases of a run by case, in the order the primary adapter ran them, each with its adapters' figures. */
function guardRows(r: BenchResults): { id: string; label: string; byAdapter: Map<Platform, GuardCase> }[] {
  const rows: { id: string; label: string; byAdapter: Map<Platform, GuardCase> }[] = [];
  const primary = r.adapters?.primary ?? 'express';
  const ordered = [
    ...r.guard.filter((c) => adapterOf(c) === 'node:http'),
    ...r.guard.filter((c) => !isApp(adapterOf(c)) && adapterOf(c) !== 'node:http'),
    ...r.guard.filter((c) => adapterOf(c) === primary),
    ...r.guard.filter((c) => adapterOf(c) !== primary && isApp(adapterOf(c))),
  ];
  for (const c of ordered) {
    let row = rows.find((x) => x.id === c.id);
    if (!row) rows.push((row = { id: c.id, label: c.label, byAdapter: new Map() }));
    row.byAdapter.set(adapterOf(c), c);
  }
  return rows;
}

/** The adapters of the guard section, in the run's order (the floors apart). */
const guardAdapters = (r: BenchResults): Platform[] =>
  r.adapters?.guard ?? [...new Set(r.guard.map(adapterOf))].filter(isApp);

/** Where a goal on a guarded case's throughput puts its threshold, req/s (from the medians). */
function goalThresholds(r: BenchResults): { caseKey: string; rps: number; label: string }[] {
  const out: { caseKey: string; rps: number; label: string }[] = [];
  const raw = r.guard.find((c) => adapterOf(c) === 'node:http');
  for (const g of r.goals) {
    if (!g.caseKey) continue;
    const [adapter] = g.caseKey.split('/') as [Platform];
    const share = Number(/[\d.]+/.exec(g.target)?.[0] ?? Number.NaN);
    const toRaw = g.id.endsWith('/raw');
    const base = toRaw ? raw : r.guard.find((c) => c.id === 'baseline' && adapterOf(c) === adapter);
    if (!base || !Number.isFinite(share)) continue;
    out.push({
      caseKey: g.caseKey,
      rps: share * base.rps,
      label: `${share.toFixed(2)}× ${toRaw ? 'node:http' : `${ADAPTER_NAMES[adapter]} baseline`}`,
    });
  }
  return out;
}

/**
 * A horizontal bar chart of req/s per guard case, one bar per adapter, with raw node:http on top
 * and each throughput goal's threshold marked on its bar. node:http alone (and Nest alone) can be
 * many times the app: such a bar is then cut (drawn broken, its figure written), so the app's bars
 * keep a readable scale.
 */
export function rpsChart(r: BenchResults): string {
  const rows = guardRows(r);
  const floors = r.guard.filter((c) => !isApp(adapterOf(c)));
  const app = r.guard.filter((c) => isApp(adapterOf(c)));
  const appMax = Math.max(...app.map((c) => c.rps), 1);
  const thresholds = goalThresholds(r);
  // The scale: the app's cases and the goal marks (unless one is far above them); the floors
  // (node:http alone, Nest alone) unless far above.
  let max = Math.max(appMax, ...thresholds.map((t) => t.rps).filter((x) => x <= appMax * 2.5)) * 1.02;
  const cut = new Set(floors.filter((c) => c.rps > max * 1.4));
  max = Math.max(max, ...floors.filter((c) => !cut.has(c)).map((c) => c.rps));
  const offScale = thresholds.filter((t) => t.rps > max);
  const left = 270;
  const barMax = 420;
  const barH = 20;
  const gap = 12;
  const top = 66;
  const width = left + barMax + 250;
  const bars = rows.reduce((n, row) => n + row.byAdapter.size, 0);
  const bottom = top + bars * barH + rows.length * gap;
  const height = bottom + 62 + (offScale.length > 0 ? 16 : 0);
  const x = (rps: number): number => left + (Math.min(rps, max) / max) * barMax;
  const adapters = guardAdapters(r);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${esc(`GET /users/me, requests per second: ${adapters.map((a) => ADAPTER_NAMES[a]).join(' and ')} side by side, ${floors.some((c) => adapterOf(c) !== 'node:http') ? 'node:http alone and Nest alone' : 'and node:http alone'}`)}</text>`,
    `<text x="12" y="40" fill="#555">${esc(`${r.mode} run, ${r.date.slice(0, 10)}; ${r.machine.cpuModel}, ${r.machine.pinning}; ${r.machine.loadTool}, ${r.settings.connections} connections`)}</text>`,
    `<text x="12" y="56" fill="#555">${esc('Each bar: req/s (× the same adapter’s baseline · × node:http alone), medians of the rounds')}</text>`,
  ];
  let y = top;
  for (const row of rows) {
    const ordered = [...row.byAdapter.entries()].sort(
      ([a], [b]) => adapters.indexOf(adapterUnder(a)) - adapters.indexOf(adapterUnder(b)),
    );
    parts.push(
      `<text x="${left - 70}" y="${y + (ordered.length * barH) / 2 + 5}" text-anchor="end">${esc(row.label)}</text>`,
    );
    for (const [adapter, c] of ordered) {
      const colour = ADAPTER_COLOURS[adapter];
      const fill = c.store === 'redis' && c.style !== 'none' ? `${colour}b0` : colour;
      const w = Math.max(1, x(c.rps) - left);
      // A floor has no baseline of its own: Nest alone shows its ratio to node:http only.
      const ratios =
        adapter === 'node:http'
          ? ''
          : !isApp(adapter)
            ? c.ratioToRaw == null
              ? ''
              : `  (×${c.ratioToRaw.toFixed(3)} node:http)`
            : `  (×${c.ratio.toFixed(2)}${c.ratioToRaw == null ? '' : ` · ×${c.ratioToRaw.toFixed(3)}`})`;
      const isCut = cut.has(c);
      parts.push(
        // Nest alone's row says what it is: its bars are named by their adapter.
        `<text x="${left - 6}" y="${y + 15}" text-anchor="end" font-size="11" fill="${colour}">${esc(ADAPTER_NAMES[adapterUnder(adapter)])}</text>`,
        `<rect x="${left}" y="${y + 2}" width="${w.toFixed(1)}" height="${barH - 4}" fill="${fill}"/>`,
      );
      if (isCut) {
        // A break across the bar: the scale does not hold it.
        const bx = left + barMax * 0.86;
        parts.push(
          `<path d="M${bx} ${y} l6 ${barH / 2} l-6 ${barH / 2} h8 l6 ${-barH / 2} l-6 ${-barH / 2} z" fill="#ffffff"/>`,
        );
      }
      const text = `${num(c.rps)}${ratios}${isCut ? '  (bar cut)' : ''}`;
      parts.push(`<text x="${(x(c.rps) + 6).toFixed(1)}" y="${y + 15}">${esc(text)}</text>`);
      // Past the figures (about 7 px a character), a mark has room for its name.
      const textEnd = x(c.rps) + 6 + text.length * 7;
      for (const t of thresholds.filter((t) => t.caseKey === `${adapter}/${c.id}` && t.rps <= max)) {
        const tx = x(t.rps);
        parts.push(
          `<line x1="${tx.toFixed(1)}" y1="${y}" x2="${tx.toFixed(1)}" y2="${y + barH}" stroke="#c0392b" stroke-width="2"><title>${esc(`goal ${t.label}`)}</title></line>`,
        );
        if (tx > textEnd + 4)
          parts.push(
            `<text x="${(tx + 4).toFixed(1)}" y="${y + 14}" font-size="10" fill="#c0392b">${esc(t.label)}</text>`,
          );
      }
      y += barH;
    }
    y += gap;
  }
  let ly = bottom + 18;
  if (offScale.length > 0) {
    parts.push(
      `<text x="12" y="${ly}" font-size="11" fill="#c0392b">${esc(`Off this scale: ${offScale.map((t) => `${t.caseKey} goal ${t.label} = ${num(t.rps)} req/s`).join('; ')}`)}</text>`,
    );
    ly += 16;
  }
  const legend: [string, string][] = [
    ...adapters.map((a): [string, string] => [ADAPTER_COLOURS[a], `${ADAPTER_NAMES[a]} (lighter: Redis)`]),
    [ADAPTER_COLOURS['node:http'], 'node:http alone (no app)'],
    ...[...new Set(floors.map(adapterOf))]
      .filter((a) => a !== 'node:http')
      .map((a): [string, string] => [ADAPTER_COLOURS[a], `${ADAPTER_NAMES[a]} (no app)`]),
  ];
  let lx = 12;
  for (const [colour, text] of legend) {
    parts.push(
      `<rect x="${lx}" y="${ly + 8}" width="10" height="10" fill="${colour}"/><text x="${lx + 14}" y="${ly + 18}" font-size="11">${esc(text)}</text>`,
    );
    lx += 24 + text.length * 6;
  }
  ly += 16;
  parts.push(
    `<line x1="15" y1="${ly + 7}" x2="15" y2="${ly + 19}" stroke="#c0392b" stroke-width="2"/><text x="26" y="${ly + 18}" font-size="11">${esc(`goal thresholds: ${[...new Set(thresholds.map((t) => t.label))].join(', ')}`)}</text>`,
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
    // By calling package when both profiles have it (node's own work charged to who asked for it).
    const by = (x: ProfileSummary): ProfileSummary['byPackage'] =>
      p.byCallerPackage && base.byCallerPackage ? x.byCallerPackage! : x.byPackage;
    const basePkgs = new Map(by(base).map((x) => [x.name, x.usPerRequest]));
    const grown = by(p)
      .map((x) => ({ name: x.name, delta: x.usPerRequest - (basePkgs.get(x.name) ?? 0) }))
      .filter((x) => x.delta > 0.5)
      .sort((a, b) => b.delta - a.delta)
      .slice(0, 6);
    out.push(
      '',
      `Against ${base.caseId === 'baseline' ? 'the baseline' : `the ${base.caseId.split('/')[0]!} baseline`} (${num(base.busyUsPerRequest, 1)} µs per request), the extra ${num(p.busyUsPerRequest - base.busyUsPerRequest, 1)} µs go mostly to: ${grown.map((g) => `${g.name} (${signed(g.delta, 1)} µs)`).join(', ') || 'no single package'}.`,
    );
  }
  out.push(
    '',
    ...(p.byCallerPackage
      ? [
          table(
            [
              "by calling package (self time, node's and V8's own charged to the package that called them)",
              '% of samples',
              'µs / request',
            ],
            p.byCallerPackage.slice(0, 12).map((x) => [x.name, x.selfPct, num(x.usPerRequest, 1)]),
          ),
          '',
        ]
      : []),
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

/**
 * What a throughput goal against node:http (`share` × its req/s) leaves for the app on one adapter,
 * from the run's own medians: at the goal a request may take 1/(share · node:http's req/s) of
 * server time, Nest alone on that adapter already takes its own 1/req·s, and the rest is the app's
 * budget, set against what the adapter's baseline and guarded cases add over Nest alone (by 1/req·s,
 * and by server CPU per request as the cross-check). Nothing when the run lacks node:http or Nest
 * alone (runs before Nest alone was measured, partial runs without it).
 */
function goalBudget(r: BenchResults): string[] {
  const raw = r.guard.find((c) => adapterOf(c) === 'node:http');
  if (!raw) return [];
  const out: string[] = [];
  const goals = r.goals.filter((g) => g.id.endsWith('/raw') && g.caseKey);
  for (const adapter of new Set(goals.map((g) => g.caseKey!.split('/')[0] as Platform))) {
    const bare = r.guard.find((c) => !isApp(adapterOf(c)) && adapterUnder(adapterOf(c)) === adapter);
    const target = goals.find((g) => g.caseKey!.startsWith(`${adapter}/`))!.target;
    const share = Number(/[\d.]+/.exec(target)?.[0] ?? Number.NaN);
    if (!bare || !(share > 0)) continue;
    const us = (rps: number): number => 1e6 / rps;
    const app = r.guard.filter((c) => adapterOf(c) === adapter);
    const goalUs = us(share * raw.rps);
    const budget = goalUs - us(bare.rps);
    const cpuBudget = raw.cpuUsPerRequest / share - bare.cpuUsPerRequest;
    const over = (c: GuardCase): number => us(c.rps) - us(bare.rps);
    const overCpu = (c: GuardCase): number => c.cpuUsPerRequest - bare.cpuUsPerRequest;
    const ratioToRaw = (c: GuardCase): string => (c.ratioToRaw == null ? '–' : c.ratioToRaw.toFixed(3));
    const base = app.find((c) => c.id === 'baseline');
    const guarded = app.filter((c) => c.style !== 'none');
    const times = (x: number): string => (budget > 0 ? ` (${num(x / budget, 1)}× the budget)` : '');
    out.push(
      `### What the ${share.toFixed(2)} × node:http goal leaves for the app on ${ADAPTER_NAMES[adapter]}`,
      '',
      `At ${share.toFixed(2)} × node:http's ${num(raw.rps)} req/s, a request may take ${num(goalUs, 1)} µs of server time. ${ADAPTER_NAMES[bare.adapter]} takes ${num(us(bare.rps), 1)} µs of it (×${ratioToRaw(bare)} node:http) before the app does anything, which leaves ${budget > 0 ? `**${num(budget, 1)} µs per request**` : '**nothing**'} for all the app does on a request: helmet's headers, the request logger, the session gate, the guard, the database read of the user, the DTO.${base ? ` The ${ADAPTER_NAMES[adapter]} baseline, with no guard at all, adds ${num(over(base), 1)} µs over Nest alone${times(over(base))}` : ''}${guarded.length > 0 ? `${base ? '; the' : ' The'} guarded cases add ${guarded.map((c) => `${num(over(c), 1)} µs (${c.label})`).join(', ')}` : ''}${base || guarded.length > 0 ? '.' : ''} By server CPU per request, the budget reads ${num(cpuBudget, 1)} µs${base ? ` against ${num(overCpu(base), 1)} µs for the baseline` : ''}.`,
      '',
      table(
        [
          '',
          'req/s',
          '÷ node:http',
          'server time µs / request (1/req·s)',
          'over Nest alone',
          'server CPU µs / request',
          'over Nest alone',
        ],
        [
          ['node:http alone', num(raw.rps), '1.000', num(us(raw.rps), 1), '–', num(raw.cpuUsPerRequest, 1), '–'],
          [
            ADAPTER_NAMES[bare.adapter],
            num(bare.rps),
            ratioToRaw(bare),
            num(us(bare.rps), 1),
            '–',
            num(bare.cpuUsPerRequest, 1),
            '–',
          ],
          ...app.map((c) => [
            `${ADAPTER_NAMES[adapter]}: ${c.label}`,
            num(c.rps),
            ratioToRaw(c),
            num(us(c.rps), 1),
            signed(over(c), 1),
            num(c.cpuUsPerRequest, 1),
            signed(overCpu(c), 1),
          ]),
          [
            `**goal: ${share.toFixed(2)} × node:http**`,
            num(share * raw.rps),
            share.toFixed(3),
            num(goalUs, 1),
            `**${signed(budget, 1)}** (the budget)`,
            num(raw.cpuUsPerRequest / share, 1),
            `${signed(cpuBudget, 1)} (the budget)`,
          ],
        ],
      ),
      '',
    );
  }
  return out;
}

export function markdown(r: BenchResults, prior: BenchResults | null): string {
  const m = r.machine;
  const baselines = r.guard.filter((c) => c.id === 'baseline');
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
          `${m.loadTool}${m.loadTool.startsWith('wrk') ? " (Debian's wrk package)" : ''}, ${r.settings.connections} connections, ${r.settings.rounds} round(s) of ${r.settings.durationSec} s after ${r.settings.warmupSec} s warm-up`,
        ],
        [
          'HTTP adapters',
          r.adapters
            ? `guard overhead: ${r.adapters.guard.map((a) => ADAPTER_NAMES[a]).join(' and ')} side by side, with raw node:http; every other section: ${ADAPTER_NAMES[r.adapters.primary]}${r.adapters.primary === r.adapters.default ? " (the product's default)" : ''}`
            : 'Express',
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

  const adapters = guardAdapters(r);
  const rows = guardRows(r);
  const raw = r.guard.find((c) => adapterOf(c) === 'node:http');
  /** Nest alone on each adapter (absent from runs before it was measured). */
  const bare = r.guard.filter((c) => !isApp(adapterOf(c)) && adapterOf(c) !== 'node:http');
  const name = (a: Platform): string => ADAPTER_NAMES[a];
  const primary = r.adapters?.primary ?? 'express';
  const bytes = (c: GuardCase): string =>
    c.headerBytes === undefined ? '–' : `${num(c.headerBytes)} + ${num(c.bodyBytes ?? 0)}`;
  s.push(
    '## Guard overhead: `GET /users/me`',
    '',
    `Measured on ${adapters.map(name).join(' and ')} (\`HTTP_ADAPTER\`) and on raw node:http${bare.length > 0 ? ' and Nest alone' : ''}, all in the same rounds. Each adapter's baseline is the same application on that adapter with the global authentication guard replaced (a testing-module override in \`bench/baseline-auth.module.ts\`) by one that attaches a fixed user: the route, its database read, every middleware and the response are the same. A case's ratio is to the baseline of its own adapter; the guard cost is the extra server time per request, 1/req·s⁻¹ minus that baseline's. Raw node:http (\`bench/raw-http.ts\`) answers the same path with a fixed JSON body of the same shape and about the same size, with no framework, middleware, guard or database: the floor under everything else.${bare.length > 0 ? " Nest alone (`bench/bare-nest.ts`) is Nest on the adapter with one controller answering that same body, and nothing of the app (no guard, pipe, hook, middleware or database): between node:http and the adapter's baseline it tells the framework's share from the app's." : ''} The other JWT algorithms and the Redis cases run on ${name(primary)} only: what they add is the verifier's or the store's.`,
    '',
    '![req/s per case and adapter](benchmarks-rps.svg)',
    '',
  );
  if (raw)
    s.push(
      `**Raw node:http: ${num(raw.rps)} req/s** (p50 ${raw.p50Ms.toFixed(2)} ms, server CPU ${num(raw.cpuUsPerRequest)} µs per request; answer ${bytes(raw)} bytes of headers + body).`,
      '',
    );
  for (const c of bare)
    s.push(
      `**${name(adapterOf(c))}: ${num(c.rps)} req/s**${c.ratioToRaw == null ? '' : `, ×${c.ratioToRaw.toFixed(3)} node:http`} (p50 ${c.p50Ms.toFixed(2)} ms, server CPU ${num(c.cpuUsPerRequest)} µs per request; answer ${bytes(c)} bytes of headers + body).`,
      '',
    );
  s.push(
    table(
      [
        'case',
        ...adapters.flatMap((a) => [`${name(a)} req/s`, `÷ ${name(a)} baseline`, ...(raw ? ['÷ node:http'] : [])]),
      ],
      rows
        .filter((row) => adapters.some((a) => row.byAdapter.has(a)))
        .map((row) => [
          row.label,
          ...adapters.flatMap((a) => {
            const c = row.byAdapter.get(a);
            const cells = c
              ? [num(c.rps), c.ratio.toFixed(3), ...(raw ? [c.ratioToRaw == null ? '–' : c.ratioToRaw.toFixed(3)] : [])]
              : ['–', '–', ...(raw ? ['–'] : [])];
            return cells;
          }),
        ]),
    ),
    '',
  );
  const pairs = r.adapterBaselines ?? [];
  if (pairs.length > 0) {
    s.push(
      'Baselines against each other, round by round (req/s ratio; by CPU per request, what the ratio would be with the core to itself):',
      '',
      table(
        ['', 'req/s ratio (median)', 'rounds', 'by CPU per request'],
        pairs.map((p) => [
          `${name(p.of)} baseline ÷ ${p.to === 'node:http' ? 'node:http' : `${name(p.to)} baseline`}`,
          `**${p.ratio.toFixed(3)}**`,
          p.rounds.map((x) => x.toFixed(3)).join(', '),
          p.cpuRatio.toFixed(3),
        ]),
      ),
      '',
    );
  }
  s.push(
    'Every case:',
    '',
    table(
      [
        'case',
        'adapter',
        'req/s',
        'ratio to own baseline',
        'ratio to node:http',
        'p50 ms',
        'p99 ms',
        'guard µs / request (1/rps)',
        'server CPU µs / request',
        'CPU ratio',
        'answer bytes (headers + body)',
      ],
      rows.flatMap((row) =>
        [...row.byAdapter.values()].map((c) => [
          c.label,
          name(adapterOf(c)),
          num(c.rps),
          isApp(adapterOf(c)) ? c.ratio.toFixed(3) : '–',
          c.ratioToRaw == null ? '–' : c.ratioToRaw.toFixed(3),
          c.p50Ms.toFixed(2),
          c.p99Ms.toFixed(2),
          c.style === 'none' ? '–' : num(c.guardUs, 1),
          num(c.cpuUsPerRequest),
          isApp(adapterOf(c)) ? c.cpuRatio.toFixed(3) : '–',
          bytes(c),
        ]),
      ),
    ),
    '',
    "The goals are judged on the req/s ratio. The server's own CPU time per request (all its threads, read from the process) is a cross-check that a neighbour on the machine disturbs less: when one takes part of the core, req/s drops but CPU per request mostly does not. Both move while V8 is still optimising a server's code, which is why each case is loaded before its first measured round. p99 under a saturating load is queueing plus the machine's own stalls: compare it between cases of one run only.",
    '',
  );
  const invalid = r.guard.filter((c) => c.failures > 0);
  if (invalid.length > 0)
    s.push(
      `**Invalid cases** (non-2xx answers or socket errors during the load): ${invalid.map((c) => `${adapterOf(c)}/${c.id} (${c.failures})`).join(', ')}.`,
      '',
    );
  if (r.settings.rounds > 1) {
    s.push(
      `Ratio to the own baseline in each round (each round opens with the baselines${bare.length > 0 ? ' (node:http and Nest alone among them)' : ''}, node:http first, and closes with them in the reverse order; in between, each case runs on its adapters back to back, the cases in an order rotating from round to round):`,
      '',
      table(
        ['case', 'adapter', ...r.guard[0]!.rounds.map((_, i) => `round ${i + 1}`)],
        rows.flatMap((row) =>
          [...row.byAdapter.values()].map((c) => [
            c.label,
            name(adapterOf(c)),
            ...c.rounds.map((x) =>
              isApp(adapterOf(c)) ? `${x.ratio.toFixed(3)} (${num(x.rps)} req/s)` : `${num(x.rps)} req/s`,
            ),
          ]),
        ),
      ),
      '',
    );
  }
  s.push(...goalBudget(r));

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
    // A guard case's profile (`fastify/session-embedded`) is read against its own adapter's baseline.
    const baseProfile = (p: ProfileSummary): ProfileSummary | undefined =>
      r.profiles.find((x) => x.caseId === `${p.caseId.split('/')[0]!}/baseline`) ??
      r.profiles.find((x) => x.caseId === 'baseline');
    s.push(
      '## Where the time goes (CPU profiles)',
      '',
      `Taken with \`node --cpu-prof\` on a fresh server per case under the same load, counting only the samples inside the load window. Self time per package and per function, divided by the requests served. A guard case's profile is compared with its own adapter's baseline; node:http alone is profiled too when a goal against it is missed, for what any HTTP server pays (parsing, the socket write)${r.profiles.some((p) => p.caseId.startsWith('nest:')) ? ", and Nest alone on that goal's adapter, for what the framework adds to it" : ''}. On Fastify, a hook calls the next one from its \`done()\`: the application-code table charges the hooks after an app hook (and the route) to that hook, so read the calling-package table there.`,
      '',
      ...r.profiles.map((p) => profileText(p, baseProfile(p))),
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
        ['case', 'adapter', 'req/s now', 'before', 'change', 'ratio now', 'before'],
        r.guard.map((c) => {
          const p = prior.guard.find((x) => x.id === c.id && adapterOf(x) === adapterOf(c));
          return [
            c.label,
            name(adapterOf(c)),
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
    `- Baselines ${baselines.length > 0 ? baselines.map((c) => `${name(adapterOf(c))} ${num(c.rps)} req/s`).join(', ') : 'not measured'}: this is Nest with helmet's headers (one helmet() on both adapters), the session library in front (express-session; @fastify/cookie and @fastify/session) turning the request away (it carries no session cookie), the JSON body parser, the request logger (pino-http, no line written at \`warn\`), the global pipe and filter, and a TypeORM read of the user; a guard that costs *g* µs per request on a route that costs *b* µs gives a ratio of b/(b+g). Against node:http alone, the ratio is the share of the request's time that is not the framework, the app's middleware and the database read.`,
    '- Run it: `npm run bench` (full, about 15 minutes) or `npm run bench -- --quick` (two to three minutes, build included). `--profile=always|never` forces or skips the CPU profiles (by default they are taken when a throughput goal is missed), `--keep-profiles` keeps the `.cpuprofile` files in `bench/results/profiles/`, `--autocannon` uses autocannon even when `wrk` is installed. `--adapter=express|fastify` runs every section but the guard comparison on that adapter instead of the default; `--only=`, `--cases=`, `--adapters=`, `--rounds=`, `--duration=` make a partial run (written to `bench/results/partial.json` only). `BENCH_REDIS_URL` names the Redis (default `redis://127.0.0.1:6379`); without one the Redis cases are skipped.',
    "- The load generator is `wrk` when installed (here Debian's package: `apt-get install wrk`), autocannon otherwise; `wrk` leaves more of the generator's core unused, which matters most for node:http alone, the fastest case.",
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
    const p = prior.guard.find((x) => x.id === c.id && adapterOf(x) === adapterOf(c));
    if (!p) continue;
    console.log(
      `  ${`${adapterOf(c)}/${c.id}`.padEnd(30)} ${num(c.rps).padStart(7)} req/s (${signed(((c.rps - p.rps) / p.rps) * 100, 1)}%)  ratio ${c.ratio.toFixed(3)} (${signed(c.ratio - p.ratio, 3)})`,
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
