/** Revocation latency: from a logout to the first refusal of the old credential. */
import type { BenchResults } from '../lib/results.js';
import { table } from './format.js';

export function revocation(r: BenchResults): string[] {
  return [
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
  ];
}
