/** The guard figures against the previous run's (bench/results/previous.json). */
import type { BenchResults, Platform } from '../lib/results.js';
import { ADAPTER_NAMES, adapterOf, num, signed, table } from './format.js';

export function comparison(r: BenchResults, prior: BenchResults | null): string[] {
  const s: string[] = [];
  const name = (a: Platform): string => ADAPTER_NAMES[a];
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
  return s;
}
