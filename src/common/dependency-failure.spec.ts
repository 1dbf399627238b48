import { createServer } from 'node:net';
import pg from 'pg';
import { createClient } from 'redis';
import { DataSource, QueryFailedError } from 'typeorm';
import { isDependencyUnavailable } from './dependency-failure.js';

/** Real failures from the real drivers, not hand-made look-alikes. */
const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

const failureOf = async (fn: () => Promise<unknown>): Promise<unknown> => {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
};

describe('isDependencyUnavailable', () => {
  it('is true for PostgreSQL refusing connections and for a connection cut mid-session', async () => {
    const port = await closedPort();
    expect(isDependencyUnavailable(await failureOf(() => new pg.Client({ host: '127.0.0.1', port }).connect()))).toBe(
      true,
    );

    // A session the server ends (as a restart does) fails the next query with "Connection terminated".
    const url = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const ds = new DataSource({ type: 'postgres', url });
    await ds.initialize();
    try {
      // A mistake of ours is not an outage.
      expect(isDependencyUnavailable(await failureOf(() => ds.query('SELEC 1')))).toBe(false);
      expect(isDependencyUnavailable(await failureOf(() => ds.query('SELECT 1 FROM no_such_table')))).toBe(false);
      // The server ends a session in the middle of its query, as a restart does.
      const runner = ds.createQueryRunner();
      const [{ pid }] = (await runner.query('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
      const inFlight = failureOf(() => runner.query('SELECT pg_sleep(5)'));
      await ds.query('SELECT pg_terminate_backend($1)', [pid]);
      const cut = await inFlight;
      await runner.release().catch(() => undefined);
      expect(cut).toBeInstanceOf(QueryFailedError);
      expect(isDependencyUnavailable(cut)).toBe(true);
    } finally {
      await ds.destroy();
    }
  });

  it('is true for a Redis client that is offline or closed, false for an error reply', async () => {
    const offline = createClient({ url: `redis://127.0.0.1:${await closedPort()}`, disableOfflineQueue: true });
    expect(isDependencyUnavailable(await failureOf(() => offline.get('k')))).toBe(true);
    const client = createClient({ url: 'redis://127.0.0.1:6379' });
    await client.connect();
    const reply = await failureOf(() => client.eval('return redis.call("NOPE")'));
    await client.close();
    expect(isDependencyUnavailable(reply)).toBe(false);
    expect(isDependencyUnavailable(await failureOf(() => client.get('k')))).toBe(true);
  });

  it('is false for everything else', () => {
    expect(isDependencyUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isDependencyUnavailable('ECONNREFUSED')).toBe(false);
    expect(isDependencyUnavailable(undefined)).toBe(false);
  });
});
