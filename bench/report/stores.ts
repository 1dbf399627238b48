/** Store footprint, blacklist expiry, and the servers' memory. */
import type { BenchResults } from '../lib/results.js';
import { kib, mib, num, table } from './format.js';

export function stores(r: BenchResults): string[] {
  return [
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
  ];
}
