/** Logins: one at a time and 50 at once, guarded requests during a login storm, enumeration by timing. */
import type { BenchResults } from '../lib/results.js';
import { num, table } from './format.js';

/**
 * What the storm figures mean, from the profiles of this bench (see "Where the time goes"): stated
 * once here rather than guessed from each run's numbers.
 */
const STORM_NOTE = [
  "How to read it: the hash never runs on the event loop (argon2 runs on libuv's threadpool), and PasswordService lets at most the available cores minus one (here, pinned to one core: one) hash at a time, so logins past that queue instead of taking the core from the event loop.",
  'Before that cap, four argon2 threads shared the pinned core with the main thread, the scheduler giving each an equal share: guarded p99 rose ×90 (Bearer) and ×436 (cookie) during a storm. With it, the main thread shares the core with one hashing thread, which runs under SCHED_IDLE (since 2026-12-03; at nice 19 before, when a running hash kept the core for the rest of its time slice whenever the event loop woke), and the rise is the rest of each login on the main thread (the credential check, the registry, the audit trail and the store writes, mostly TypeORM statements).',
  'The remaining ratio is sensitive to the quiet p99 it divides by (a few milliseconds, noisy on a shared machine): read the absolute storm p99 beside it. It comes down further when a login costs the main thread less; with more cores than hashing threads it does not arise.',
].join(' ');

export function logins(r: BenchResults): string[] {
  return [
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
    'Guarded `GET /users/me` at a fixed rate, alone and while 50 logins run at once on the same server. The event-loop delay is measured inside the server (`monitorEventLoopDelay`): a hash on the event loop would show there first. The quiet and storm phases run in pairs, one pair after the other; each row gives the pair with the median p99 ratio (the goal reads it), and the last column every pair in the order they ran.',
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
        'every pair: p99 quiet → storm ms (ratio)',
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
        (x.pairs ?? []).map((p) => `${p.quietP99Ms} → ${p.stormP99Ms} (×${p.p99Ratio})`).join('; ') || '–',
      ]),
    ),
    '',
    STORM_NOTE,
    '',
    '### Enumeration by timing',
    '',
    'Median time for an unknown email against a known one (alternating, one at a time): the logins with a wrong password (both run one argon2 verify), and forgot-password (the mail is made off the request path). The answers are compared byte for byte.',
    '',
    table(
      [
        'route',
        'attempts each',
        'unknown email p50 / p90 ms',
        'known email (login: wrong password) p50 / p90 ms',
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
    ...(r.signupFlood?.length
      ? [
          '### Sign-ins during a sign-up flood',
          '',
          'Sign-ins of an existing user one at a time, alone and while 60 sign-ups from one IP are in flight (REGISTER_RATE_PER_IP lifted). argon2 runs in two lanes: verifications first, new hashes behind them, and past 16 waiting hashes a sign-up gets 503 with Retry-After.',
          '',
          table(
            [
              'sign-ups',
              '201 / 503',
              'sign-ins',
              'quiet p50 / max ms',
              'during flood p50 / max ms',
              'ratio of medians',
            ],
            r.signupFlood.map((f) => [
              f.signups,
              `${f.created} / ${f.busy}`,
              f.logins,
              `${f.quiet.p50Ms} / ${f.quiet.maxMs}`,
              `${f.duringFlood.p50Ms} / ${f.duringFlood.maxMs}`,
              `×${f.ratio}`,
            ]),
          ),
          '',
        ]
      : []),
  ];
}
