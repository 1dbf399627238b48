/** How the figures were taken, and how to run the bench. */
import type { BenchResults, Platform } from '../lib/results.js';
import { ADAPTER_NAMES, adapterOf, num } from './format.js';

export function method(r: BenchResults): string[] {
  const baselines = r.guard.filter((c) => c.id === 'baseline');
  const name = (a: Platform): string => ADAPTER_NAMES[a];
  return [
    '## Method',
    '',
    `- ${r.settings.notes.join('\n- ')}`,
    `- Baselines ${baselines.length > 0 ? baselines.map((c) => `${name(adapterOf(c))} ${num(c.rps)} req/s`).join(', ') : 'not measured'}: this is Nest with the API's security headers (set as constants on both adapters), the session transport's gate turning the request away (it carries no session cookie; on Fastify @fastify/cookie parses the header first), the JSON body parser, the request-log step (request id, log context, an access line not written at \`warn\`), the global pipe and filter, and a TypeORM read of the user; a guard that costs *g* µs per request on a route that costs *b* µs gives a ratio of b/(b+g). Against node:http alone, the ratio is the share of the request's time that is not the framework, the app's middleware and the database read.`,
    '- Run it: `npm run bench` (full, about 15 minutes) or `npm run bench -- --quick` (two to three minutes, build included). `--profile=always|never` forces or skips the CPU profiles (by default they are taken when a throughput goal is missed), `--keep-profiles` keeps the `.cpuprofile` files in `bench/results/profiles/`, `--autocannon` uses autocannon even when `wrk` is installed. `--adapter=express|fastify` runs every section but the guard comparison on that adapter instead of the default; `--only=`, `--cases=`, `--adapters=`, `--rounds=`, `--duration=` make a partial run (written to `bench/results/partial.json` only). `BENCH_REDIS_URL` names the Redis (default `redis://127.0.0.1:6379`); without one the Redis cases are skipped.',
    "- The load generator is `wrk` when installed (here Debian's package: `apt-get install wrk`), autocannon otherwise; `wrk` leaves more of the generator's core unused, which matters most for node:http alone, the fastest case.",
    '- Regenerate this page from the stored figures: `node dist/bench/report.js`.',
    '',
  ];
}
