import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import { RedisDeadlineError, withCommandDeadline } from './command-deadline.js';

/**
 * On a redis-server of this test's own, which it pauses (SIGSTOP): the shared Redis of the
 * machine is never touched. A paused Redis keeps its connections open and answers nothing.
 */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

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
});
