import type { FastifyInstance } from 'fastify';

type SendDone = (err: null, payload: unknown) => void;

/**
 * Writes the answers made while the event loop reads its sockets (its poll phase) together, once
 * that phase is over (`setImmediate`, the check phase of the same turn), rather than each between
 * two reads. Answers made after that, in the check phase (those of the SQLite statements of
 * `statements.ts`) or in a turn that read no request, go out at once: deferred, they would wait
 * for the next turn. Nothing else changes: every answer goes out in the turn it was made.
 * Why, and what it gains and costs: README, "Performance". Returns what the app's first request
 * hook calls: a request being read means the loop is in its poll phase.
 */
export function writeAnswersAfterReads(fastify: FastifyInstance): () => void {
  let flushQueued = false;
  // False only while a flush is queued: no answer can wait for a flush that will not come.
  let afterReads = true;
  let waiting: SendDone[] = [];
  let payloads: unknown[] = [];
  const flush = (): void => {
    flushQueued = false;
    afterReads = true;
    const dones = waiting;
    const bodies = payloads;
    waiting = [];
    payloads = [];
    dones.forEach((done, i) => done(null, bodies[i]));
  };
  fastify.addHook('onSend', (_req, _reply, payload, done) => {
    if (afterReads) return done(null, payload);
    waiting.push(done);
    payloads.push(payload);
  });
  return () => {
    afterReads = false;
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(flush);
  };
}
