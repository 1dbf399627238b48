import type { FastifyInstance, FastifyRequest } from 'fastify';

type SendDone = (err: null, payload: unknown) => void;

const READ_IN_TURN = Symbol('readInTurn');
type TurnedRequest = FastifyRequest & { [READ_IN_TURN]: number };

/**
 * Holds an answer made in the event-loop turn that read its request (the public routes, which
 * answer from memory) until that turn's reads are over (`setImmediate`: its check phase), then
 * writes it with the others made meanwhile, rather than each between two reads. Every other
 * answer goes out at once: one made after a store's reply (Redis, read in a later turn) or after
 * the SQLite statements (run in the check phase, after the hold) would only wait. No answer waits
 * past the turn it was made in. Why, and what it gains: README, "Performance". Returns what the
 * app's first request hook calls for each request.
 */
export function writeAnswersAfterReads(fastify: FastifyInstance): (req: FastifyRequest) => void {
  // The turn is the count of holds released; a request read in the current one has a hold queued.
  let turn = 0;
  let flushQueued = false;
  let waiting: SendDone[] = [];
  let payloads: unknown[] = [];
  const flush = (): void => {
    flushQueued = false;
    turn++;
    const dones = waiting;
    const bodies = payloads;
    waiting = [];
    payloads = [];
    dones.forEach((done, i) => done(null, bodies[i]));
  };
  // A field of every request from the start, so that setting it does not reshape the object.
  fastify.decorateRequest(READ_IN_TURN, -1);
  fastify.addHook('onSend', (req, _reply, payload, done) => {
    if ((req as TurnedRequest)[READ_IN_TURN] !== turn) return done(null, payload);
    waiting.push(done);
    payloads.push(payload);
  });
  return (req) => {
    (req as TurnedRequest)[READ_IN_TURN] = turn;
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(flush);
  };
}
