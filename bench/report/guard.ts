/** Guard overhead: the cases side by side on each adapter, the baselines, and what the node:http goal leaves. */
import type { BenchResults, GuardCase, Platform } from '../lib/results.js';
import {
  ADAPTER_NAMES,
  adapterOf,
  adapterUnder,
  guardAdapters,
  guardRows,
  isApp,
  num,
  signed,
  table,
} from './format.js';

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
    const bare = r.guard.find((c) => c.id === 'bare' && adapterUnder(adapterOf(c)) === adapter);
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

export function guardOverhead(r: BenchResults): string[] {
  const s: string[] = [];
  const adapters = guardAdapters(r);
  const rows = guardRows(r);
  const raw = r.guard.find((c) => adapterOf(c) === 'node:http');
  /** Nest alone on each adapter (absent from runs before it was measured). */
  const bare = r.guard.filter((c) => c.id === 'bare');
  /** Nest alone answering with the app's answer headers (absent from runs before it was measured). */
  const withHeaders = r.guard.filter((c) => c.id === 'bare-headers');
  const name = (a: Platform): string => ADAPTER_NAMES[a];
  const primary = r.adapters?.primary ?? 'express';
  const bytes = (c: GuardCase): string =>
    c.headerBytes === undefined ? '–' : `${num(c.headerBytes)} + ${num(c.bodyBytes ?? 0)}`;
  s.push(
    '## Guard overhead: `GET /users/me`',
    '',
    `Measured on ${adapters.map(name).join(' and ')} (\`HTTP_ADAPTER\`) and on raw node:http${bare.length > 0 ? ' and Nest alone' : ''}, all in the same rounds. Each adapter's baseline is the same application on that adapter with the global authentication guard replaced (a testing-module override in \`bench/baseline-auth.module.ts\`) by one that attaches a fixed user: the route, its database read, every middleware and the response are the same. A case's ratio is to the baseline of its own adapter; the guard cost is the extra server time per request, 1/req·s⁻¹ minus that baseline's. Raw node:http (\`bench/raw-http.ts\`) answers the same path with a fixed JSON body of the same shape and about the same size, with no framework, middleware, guard or database: the floor under everything else.${bare.length > 0 ? " Nest alone (`bench/bare-nest.ts`) is Nest on the adapter with one controller answering that same body, and nothing of the app (no guard, pipe, hook, middleware or database): between node:http and the adapter's baseline it tells the framework's share from the app's." : ''}${withHeaders.length > 0 ? ' Its second route answers the same body with the headers the app sets on every answer, set as the app sets them, and nothing else of the app.' : ''} The public route is this app's \`GET /.well-known/jwks.json\` on each adapter: every hook, header and log step a request passes before the guard, and no guard or database. The other JWT algorithms and the Redis cases run on ${name(primary)} only: what they add is the verifier's or the store's.`,
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
  for (const c of withHeaders) {
    const pub = r.guard.find((g) => g.id === 'public' && adapterOf(g) === adapterUnder(adapterOf(c)));
    s.push(
      `**${name(adapterOf(c))} with the app's answer headers: ${num(c.rps)} req/s**${c.ratioToBare == null ? '' : `, ×${c.ratioToBare.toFixed(3)} Nest alone`} (answer ${bytes(c)} bytes). The same route and body with \`X-Request-Id\`, the API's six security headers and no-store set as the app sets them on every answer, by one hook of this route alone (a Fastify \`onRequest\` hook on the reply, an Express middleware on the response): what these headers cost before any code of the app runs. (Runs before 2026-12-01 22:40 UTC set them from the handler through \`@Res()\`, which the app does not pay: their figure for this route is lower.)${pub?.ratioToBare != null && c.ratioToBare != null ? ` The app's public route reaches ×${pub.ratioToBare.toFixed(3)} Nest alone, ×${(pub.ratioToBare / c.ratioToBare).toFixed(3)} of this.` : ''}`,
      '',
    );
  }
  s.push(
    table(
      [
        'case',
        ...adapters.flatMap((a) => [
          `${name(a)} req/s`,
          `÷ ${name(a)} baseline`,
          ...(bare.length > 0 ? ['÷ Nest alone'] : []),
          ...(raw ? ['÷ node:http'] : []),
        ]),
      ],
      rows
        .filter((row) => adapters.some((a) => row.byAdapter.has(a)))
        .map((row) => [
          row.label,
          ...adapters.flatMap((a) => {
            const c = row.byAdapter.get(a);
            const toBare = bare.length > 0 ? [c?.ratioToBare == null ? '–' : c.ratioToBare.toFixed(3)] : [];
            const cells = c
              ? [
                  num(c.rps),
                  c.ratio.toFixed(3),
                  ...toBare,
                  ...(raw ? [c.ratioToRaw == null ? '–' : c.ratioToRaw.toFixed(3)] : []),
                ]
              : ['–', '–', ...toBare, ...(raw ? ['–'] : [])];
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
        'ratio to Nest alone',
        'ratio to its public route',
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
          c.ratioToBare == null ? '–' : c.ratioToBare.toFixed(3),
          c.ratioToPublic == null ? '–' : c.ratioToPublic.toFixed(3),
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
  const onRedis = r.guard.filter((c) => c.redisCpuUsPerRequest !== undefined);
  if (onRedis.length > 0)
    s.push(
      `Redis's own CPU time per request (\`INFO cpu\` read around each measured run, median over the rounds), which the server's CPU above leaves out: ${onRedis.map((c) => `${c.label} ${num(c.redisCpuUsPerRequest!, 1)} µs`).join(', ')}. Redis is not pinned: it takes this from the same ${r.machine.cores} cores as the server and the load generator, where a deployment would run it on a host of its own.`,
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
  return s;
}
