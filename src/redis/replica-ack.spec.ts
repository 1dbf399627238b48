import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { CHANNELS, createClient } from 'redis';
import { parseRedisUrl } from '../config/config.js';
import { createRedis, type Redis } from './redis.module.js';
import { ReplicaAck, ReplicaAckError } from './replica-ack.js';

/** The commands node-redis sends while `work` runs (its command TracingChannel). */
async function commandsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (ctx: unknown): void => {
    seen.push((ctx as { command: string }).command);
  };
  const channel = `tracing:${CHANNELS.TRACE_COMMAND}:start`;
  subscribe(channel, listener);
  try {
    await work();
  } finally {
    unsubscribe(channel, listener);
  }
  return seen;
}

describe('ReplicaAck', () => {
  let single: Redis;
  beforeAll(async () => {
    single = createClient({ url: 'redis://127.0.0.1:6379' });
    await single.connect();
  });
  afterAll(() => single.destroy());

  it('sends nothing when no replica is required (one server, the default there)', async () => {
    expect(await commandsDuring(() => new ReplicaAck(single, 0).confirm('k'))).toEqual([]);
    expect(await commandsDuring(() => new ReplicaAck(null, 1).confirm('k'))).toEqual([]);
  });

  it('fails a write no replica acknowledged in time (the test Redis has none), instead of reporting it done', async () => {
    await expect(new ReplicaAck(single, 1, 50).confirm('k')).rejects.toBeInstanceOf(ReplicaAckError);
  });

  const clusterUrl = process.env.TEST_REDIS_CLUSTER_URL;
  if (clusterUrl) {
    it("waits on the written key's master alone, once, and passes when its replica has the write", async () => {
      const cluster = createRedis(parseRedisUrl(clusterUrl));
      await cluster.connect();
      try {
        const key = `test:replica-ack:${Date.now()}`;
        await cluster.set(key, '1', { expiration: { type: 'PX', value: 10_000 } });
        const sent = await commandsDuring(() => new ReplicaAck(cluster, 1).confirm(key));
        expect(sent).toEqual(['WAIT']);
        // Two replicas are more than any master of the test cluster has.
        await expect(new ReplicaAck(cluster, 2, 50).confirm(key)).rejects.toBeInstanceOf(ReplicaAckError);
      } finally {
        await cluster.close();
      }
    });
  }
});
