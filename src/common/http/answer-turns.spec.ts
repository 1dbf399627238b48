import Fastify, { type FastifyInstance } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeAnswersAfterReads } from './answer-turns.js';

/**
 * A Fastify app with the hold as the real app has it (app.setup.ts: the first request hook says a
 * request was read, the hold is the last answer hook), and one more answer hook after it that
 * notes when the write goes ahead.
 */
function appWithHold(events: string[]): FastifyInstance {
  const app = Fastify();
  let requestRead = (): void => undefined;
  app.addHook('onRequest', (_req, _reply, done) => {
    requestRead();
    done();
  });
  requestRead = writeAnswersAfterReads(app);
  app.addHook('onSend', (_req, _reply, payload, done) => {
    events.push('written');
    done(null, payload);
  });
  return app;
}

/** Notes, as the handler answers, what runs next: a microtask's turn, or the next check phase. */
function noteWhatFollows(events: string[]): void {
  events.push('answered');
  process.nextTick(() => events.push('same callback'));
  setImmediate(() => events.push('check phase'));
}

describe('writeAnswersAfterReads', () => {
  let app: FastifyInstance;
  let events: string[];

  let base: string | undefined;

  beforeEach(() => {
    events = [];
    app = appWithHold(events);
    base = undefined;
  });
  afterEach(() => app.close());

  /** Over a real connection: the request is read in the loop's poll phase, as in the app. */
  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    base ??= await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(base + path);
    const body: unknown = await res.json();
    // What the handler queued for the check phase has run by the time this one does.
    await new Promise((resolve) => setImmediate(resolve));
    return { status: res.status, body };
  };

  it('holds an answer made while requests are read until the reads are over, and no longer', async () => {
    app.get('/now', () => {
      noteWhatFollows(events);
      return { ok: true };
    });
    expect(await get('/now')).toEqual({ status: 200, body: { ok: true } });
    // Not in the callback that answered (it would be before "same callback"), and before anything
    // the handler queued for the check phase: the write is the first thing of that phase.
    expect(events).toEqual(['answered', 'same callback', 'written', 'check phase']);
  });

  it("writes an answer made in the check phase at once, as the SQLite statements' answers are", async () => {
    app.get('/after-statements', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      noteWhatFollows(events);
      return { ok: true };
    });
    expect(await get('/after-statements')).toEqual({ status: 200, body: { ok: true } });
    expect(events).toEqual(['answered', 'written', 'same callback', 'check phase']);
  });

  it('writes an answer made in a later turn, that read no request, at once', async () => {
    app.get('/later', async () => {
      await sleep(5);
      noteWhatFollows(events);
      return { ok: true };
    });
    expect(await get('/later')).toEqual({ status: 200, body: { ok: true } });
    expect(events).toEqual(['answered', 'written', 'same callback', 'check phase']);
  });

  it('answers every request of a burst, whatever turn each answer is made in, each with its own body', async () => {
    app.get('/echo/:n', async (req) => {
      const n = Number((req.params as { n: string }).n);
      if (n % 3 === 1) await new Promise((resolve) => setImmediate(resolve));
      if (n % 3 === 2) await sleep(n % 7);
      return { n };
    });
    const answers = await Promise.all(Array.from({ length: 60 }, (_, n) => get(`/echo/${n}`)));
    expect(answers).toEqual(Array.from({ length: 60 }, (_, n) => ({ status: 200, body: { n } })));
    expect(events).toHaveLength(60);
  });

  it('holds an error answer too, and sends it whole', async () => {
    app.get('/fails', () => {
      noteWhatFollows(events);
      throw Object.assign(new Error('refused'), { statusCode: 409 });
    });
    const res = await get('/fails');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ message: 'refused' });
    expect(events).toEqual(['answered', 'same callback', 'written', 'check phase']);
  });
});
