/**
 * docs/benchmarks.md and docs/benchmarks-rps.svg, generated from bench/results/latest.json (and
 * previous.json, when there is one, for the comparison). `run.ts` calls this after a run;
 * `node dist/bench/report.js` regenerates the documents from the stored JSON alone. Each part of
 * the page is one file of bench/report/, named as the section of the run it shows.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResults } from './lib/results.js';
import { rpsChart } from './report/chart.js';
import { adapterOf, num, signed } from './report/format.js';
import { guardOverhead } from './report/guard.js';
import { HOT_PATH_CHANGES } from './report/hot-path-changes.js';
import { logins } from './report/logins.js';
import { method } from './report/method.js';
import { overview } from './report/overview.js';
import { peers } from './report/peers.js';
import { comparison } from './report/previous.js';
import { profiles } from './report/profiles.js';
import { metricsCostMarkdown } from './sections/metrics.js';
import { revocation } from './report/revocation.js';
import { stores } from './report/stores.js';
import { wire } from './report/wire.js';

export { rpsChart };

/** The report's parts, in the page's order. */
export function markdown(r: BenchResults, prior: BenchResults | null): string {
  return [
    ...overview(r),
    ...guardOverhead(r),
    ...peers(r),
    ...logins(r),
    ...wire(r),
    ...stores(r),
    ...revocation(r),
    ...metricsCostMarkdown(r.metrics),
    ...profiles(r),
    ...comparison(r, prior),
    HOT_PATH_CHANGES,
    ...method(r),
  ].join('\n');
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
