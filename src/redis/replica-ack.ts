import { deadline } from './command-deadline.js';
import type { Redis } from './redis.module.js';

/** How long a write waits for its replicas before it is reported as failed (a 503). */
export const REPLICA_ACK_TIMEOUT_MS = 500;

/** Raised when fewer replicas than required acknowledged a write in time. */
export class ReplicaAckError extends Error {
  constructor(wanted: number, acked: number) {
    super(`Redis: ${acked} of ${wanted} replicas acknowledged the write`);
    this.name = 'ReplicaAckError';
  }
}

/**
 * Makes a write that must outlive a failover (a session, a revocation, a cut-off) wait until
 * `replicas` replicas hold it: `WAIT` on the master that took it, the one of the written key's slot
 * (the same connection, so the write is covered). A master that has no replica left, or one that
 * cannot keep up, turns the write into a failure, never a success a failover could undo. With 0
 * replicas (one server, or `REDIS_WAIT_REPLICAS=0`) it costs nothing.
 */
export class ReplicaAck {
  constructor(
    private readonly redis: Redis | null,
    readonly replicas: number,
    private readonly timeoutMs = REPLICA_ACK_TIMEOUT_MS,
  ) {}

  /** Resolves once the write just made to `key` is on enough replicas; rejects with ReplicaAckError otherwise. */
  async confirm(key: string): Promise<void> {
    if (this.replicas === 0 || !this.redis) return;
    const args = ['WAIT', String(this.replicas), String(this.timeoutMs)];
    // On a cluster, to the key's master alone, on the connection its write went through: the
    // cluster client itself would send a keyless WAIT to every master and take the least count.
    const node = 'masters' in this.redis ? await this.redis.getNodeClientForKey(key) : this.redis;
    const acked = await deadline(node.sendCommand<number>(args), this.timeoutMs + REPLY_MARGIN_MS);
    if (acked < this.replicas) throw new ReplicaAckError(this.replicas, acked);
  }
}

/** Beyond the WAIT's own timeout, how long a silent master may take to say how many replicas it has. */
const REPLY_MARGIN_MS = 1000;
