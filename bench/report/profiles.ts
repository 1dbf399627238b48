/** Where the time goes: the CPU profiles taken when a goal was missed. */
import type { BenchResults, ProfileSummary } from '../lib/results.js';
import { num, signed, table } from './format.js';

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

export function profiles(r: BenchResults): string[] {
  const s: string[] = [];
  if (r.profiles.length > 0) {
    // A guard case's profile (`fastify/session-embedded`) is read against its own adapter's baseline.
    const baseProfile = (p: ProfileSummary): ProfileSummary | undefined =>
      r.profiles.find((x) => x.caseId === `${p.caseId.split('/')[0]!}/baseline`) ??
      r.profiles.find((x) => x.caseId === 'baseline');
    s.push(
      '## Where the time goes (CPU profiles)',
      '',
      `Taken with \`node --cpu-prof\` on a fresh server per case under the same load, counting only the samples inside the load window. Self time per package and per function, divided by the requests served. A guard case's profile is compared with its own adapter's baseline; node:http alone is profiled too when a goal against it is missed, for what any HTTP server pays (parsing, the socket write)${r.profiles.some((p) => p.caseId.startsWith('nest:')) ? ", and Nest alone on that goal's adapter, for what the framework adds to it" : ''}. An app hook or middleware hands the request on by calling \`done()\` or \`next()\`, and the rest of the request runs inside that call: the application-code table charges that rest to the framework's pipeline, not to the hook (the app's own code further on, a guard or a handler, to that code).`,
      '',
      ...r.profiles.map((p) => profileText(p, baseProfile(p))),
    );
  }
  return s;
}
