import { jest } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { createClient, type RedisClusterType } from 'redis';
import { freePort } from '../../bench/lib/free-port.js';
import { parseRedisUrl } from '../config/config.js';
import { RedisDeadlineError, withCommandDeadline } from './command-deadline.js';
import { deleteKeys } from './keyspace.js';
import { createRedis, type Redis } from './redis.module.js';

/**
 * On a redis-server of this test's own, which it pauses (SIGSTOP): the shared Redis of the
 * machine is never touched. A paused Redis keeps its connections open and answers nothing.
 */
describe('withCommandDeadline', () => {
  let server: ChildProcess;
  let client: ReturnType<typeof createClient>;
  let timed: ReturnType<typeof createClient>;

  beforeAll(async () => {
    const port = await freePort();
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    client = createClient({
      url: `redis://127.0.0.1:${port}`,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: 100 },
    });
    client.on('error', () => undefined);
    for (let i = 0; ; i++) {
      try {
        await client.connect();
        break;
      } catch (err) {
        if (i > 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    timed = withCommandDeadline(client, 300);
  });

  afterAll(async () => {
    server.kill('SIGCONT');
    if (client.isOpen) await client.close();
    server.kill('SIGTERM');
  });

  it('passes replies and error replies through, and leaves non-command members alone', async () => {
    await timed.set('k', 'v');
    expect(await timed.get('k')).toBe('v');
    expect(await timed.mGet(['k', 'missing'])).toEqual(['v', null]);
    await expect(timed.eval('return redis.call("INCR", KEYS[1])', { keys: ['k'] })).rejects.toThrow(/not an integer/);
    expect(await timed.multi().set('t', '1').pTTL('t').exec()).toEqual(['OK', -1]);
    expect(timed.isReady).toBe(true);
    expect('scanIterator' in timed).toBe(true);
  });

  it('rejects at the deadline while Redis is connected but silent, and answers again when it is back', async () => {
    server.kill('SIGSTOP');
    try {
      const started = Date.now();
      await expect(timed.get('k')).rejects.toBeInstanceOf(RedisDeadlineError);
      await expect(timed.mGet(['k'])).rejects.toBeInstanceOf(RedisDeadlineError);
      await expect(timed.multi().incr('n').pTTL('n').exec()).rejects.toBeInstanceOf(RedisDeadlineError);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(3 * 290);
      expect(elapsed).toBeLessThan(3000);
    } finally {
      server.kill('SIGCONT');
    }
    // The late replies are dropped; the connection is in step again.
    expect(await timed.get('k')).toBe('v');
    expect(await timed.ping()).toBe('PONG');
  });

  it('does not fail a command because this process, not Redis, was held up past the deadline', async () => {
    await timed.set('busy', 'v');
    const pending = timed.get('busy');
    const until = Date.now() + 600;
    while (Date.now() < until); // a long GC pause or a starved CPU, as far as this process can tell
    expect(await pending).toBe('v');
    // A Redis that is silent still fails, one period later.
    server.kill('SIGSTOP');
    try {
      const silent = timed.get('busy');
      const started = Date.now();
      while (Date.now() < started + 600);
      await expect(silent).rejects.toBeInstanceOf(RedisDeadlineError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(600 + 290);
    } finally {
      server.kill('SIGCONT');
    }
    expect(await timed.get('busy')).toBe('v');
  });

  it('tells the observer of each command once: how long it took, and whether it failed (the deadline included)', async () => {
    const seen: { seconds: number; failed: boolean }[] = [];
    const observed = withCommandDeadline(client, 300, (seconds, failed) => seen.push({ seconds, failed }));
    await observed.set('o', '1');
    expect(await observed.get('o')).toBe('1');
    await expect(observed.eval('return redis.call("INCR", KEYS[1], 1, 2)', { keys: ['o'] })).rejects.toThrow();
    await observed.multi().incr('o').pTTL('o').exec();
    expect(seen.map((x) => x.failed)).toEqual([false, false, true, false]);
    expect(seen.every((x) => x.seconds > 0 && x.seconds < 0.3)).toBe(true);

    server.kill('SIGSTOP');
    try {
      await expect(observed.get('o')).rejects.toBeInstanceOf(RedisDeadlineError);
    } finally {
      server.kill('SIGCONT');
    }
    // The paused command's late reply arrives before this one's: it is not heard a second time.
    expect(await observed.get('o')).toBe('2');
    expect(seen.map((x) => x.failed)).toEqual([false, false, true, false, true, false]);
    expect(seen[4]!.seconds).toBeGreaterThanOrEqual(0.29);
  });
});

describe('createRedis', () => {
  // node-redis' own timeout would arm an AbortSignal.timeout per command, a timer nothing cancels:
  // the deadline above is the only timer a command gets.
  const targets = [
    'redis://127.0.0.1:6379',
    ...(process.env.TEST_REDIS_CLUSTER_URL ? [process.env.TEST_REDIS_CLUSTER_URL] : []),
  ];
  it.each(targets)('arms no timer of node-redis per command (%s)', async (url) => {
    const client = createRedis(parseRedisUrl(url));
    await client.connect();
    const timeouts = jest.spyOn(AbortSignal, 'timeout');
    try {
      const key = `test:{t:${Math.random().toString(36).slice(2)}}`;
      await client.set(key, '1', { expiration: { type: 'EX', value: 10 } });
      expect(await client.mGet([key])).toEqual(['1']);
      expect(await client.multi().incr(key).exec()).toEqual([2]);
      await client.del(key);
      expect(timeouts).not.toHaveBeenCalled();
    } finally {
      timeouts.mockRestore();
      await client.close();
    }
  });
});

/** The app's cluster client behind the deadline, on the test cluster (`.ci/run` starts it). */
const clusterUrl = process.env.TEST_REDIS_CLUSTER_URL;
if (clusterUrl)
  describe('withCommandDeadline on a cluster client', () => {
    let cluster: Redis;
    const prefix = `test:${Date.now()}:${Math.random().toString(36).slice(2)}:`;
    beforeAll(async () => {
      const client = createRedis(parseRedisUrl(clusterUrl));
      await client.connect();
      cluster = withCommandDeadline(client, 300);
    });
    afterAll(async () => {
      await deleteKeys(cluster, `${prefix}*`);
      await cluster.close();
    });

    it('routes commands, one-key transactions and keyed raw commands by key, and leaves the topology readable', async () => {
      const a = `${prefix}{u:a}:x`;
      const b = `${prefix}{u:a}:y`;
      await cluster.set(a, '1');
      await cluster.set(b, '2');
      expect(await cluster.mGet([a, b])).toEqual(['1', '2']);
      expect(await cluster.multi().incr(a).pTTL(a).exec()).toEqual([2, -1]);
      expect(await (cluster as RedisClusterType).sendCommand(a, true, ['GET', a])).toBe('2');
      expect((cluster as RedisClusterType).masters).toHaveLength(3);
      expect(cluster.isReady).toBe(true);
      // Keys of different slots may not share a script: the cluster refuses it (node-redis would
      // split an MGET per slot instead, into several round trips, which is why keys read together
      // share a tag).
      await expect(cluster.eval('return 1', { keys: [`${prefix}{u:a}:x`, `${prefix}{u:b}:x`] })).rejects.toThrow(
        /CROSSSLOT/,
      );
    });
  });
