import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeAnswersAfterReads } from './answer-turns.js';

/**
 * A Fastify app with the hold as the real app has it (app.setup.ts: the first request hook names
 * each request read, the hold is the last answer hook), and one more answer hook after it that
 * notes when the write of an answer goes ahead.
 */
function appWithHold(events: string[]): FastifyInstance {
  const app = Fastify();
  let requestRead = (_req: FastifyRequest): void => undefined;
  app.addHook('onRequest', (req, _reply, done) => {
    requestRead(req);
    done();
  });
  requestRead = writeAnswersAfterReads(app);
  app.addHook('onSend', (req, _reply, payload, done) => {
    events.push(`${req.url} written`);
    done(null, payload);
  });
  return app;
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

  /** Notes, as a handler answers, what runs next: the same callback's ticks, the check phase. */
  const noteWhatFollows = (name: string): void => {
    events.push(`${name} answered`);
    process.nextTick(() => events.push(`${name} same callback`));
    setImmediate(() => events.push(`${name} check phase`));
  };

  const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  /** Over a real connection: the request is read in the loop's poll phase, as in the app. */
  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    base ??= await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(base + path);
    const body: unknown = await res.json();
    // What the handler queued for the check phase has run by the time this one does.
    await nextTurn();
    return { status: res.status, body };
  };

  it('holds an answer made in the turn that read its request until the reads are over, and no longer', async () => {
    app.get('/now', () => {
      noteWhatFollows('/now');
      return { ok: true };
    });
    expect(await get('/now')).toEqual({ status: 200, body: { ok: true } });
    // Not in the callback that answered (it would come before "same callback"), and before what
    // the handler queued for the check phase: the write is the first thing of that phase.
    expect(events).toEqual(['/now answered', '/now same callback', '/now written', '/now check phase']);
  });

  it("writes an answer made in the check phase at once, as the SQLite statements' answers are", async () => {
    app.get('/after-statements', async () => {
      await nextTurn();
      noteWhatFollows('/after-statements');
      return { ok: true };
    });
    expect(await get('/after-statements')).toEqual({ status: 200, body: { ok: true } });
    expect(events).toEqual([
      '/after-statements answered',
      '/after-statements written',
      '/after-statements same callback',
      '/after-statements check phase',
    ]);
  });

  it('writes an answer made in a later turn at once, as after a Redis reply, even while that turn reads others', async () => {
    let release = (): void => undefined;
    let reached = (): void => undefined;
    const waiting = new Promise<void>((resolve) => (reached = resolve));
    app.get('/waits', async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
        reached();
      });
      noteWhatFollows('/waits');
      return { ok: true };
    });
    // The request that wakes it answers from memory in its own reading turn, and is held.
    app.get('/wakes', () => {
      release();
      noteWhatFollows('/wakes');
      return { ok: true };
    });
    const first = get('/waits');
    await waiting;
    await nextTurn();
    expect(await get('/wakes')).toEqual({ status: 200, body: { ok: true } });
    expect(await first).toEqual({ status: 200, body: { ok: true } });
    const at = (event: string): number => events.indexOf(event);
    // The woken answer is written in the callback that made it; the waking one is held.
    expect(at('/waits written')).toBe(at('/waits answered') + 1);
    expect(at('/waits written')).toBeLessThan(at('/waits same callback'));
    expect(at('/wakes written')).toBeGreaterThan(at('/wakes same callback'));
    expect(at('/wakes written')).toBeLessThan(at('/wakes check phase'));
  });

  it('writes an answer made in a later turn that read no request at once', async () => {
    app.get('/later', async () => {
      await sleep(5);
      noteWhatFollows('/later');
      return { ok: true };
    });
    expect(await get('/later')).toEqual({ status: 200, body: { ok: true } });
    expect(events).toEqual(['/later answered', '/later written', '/later same callback', '/later check phase']);
  });

  it('answers every request of a burst, whatever turn each answer is made in, each with its own body', async () => {
    app.get('/echo/:n', async (req) => {
      const n = Number((req.params as { n: string }).n);
      if (n % 3 === 1) await nextTurn();
      if (n % 3 === 2) await sleep(n % 7);
      return { n };
    });
    const answers = await Promise.all(Array.from({ length: 60 }, (_, n) => get(`/echo/${n}`)));
    expect(answers).toEqual(Array.from({ length: 60 }, (_, n) => ({ status: 200, body: { n } })));
    expect(events).toHaveLength(60);
  });

  it('holds an error answer too, and sends it whole', async () => {
    app.get('/fails', () => {
      noteWhatFollows('/fails');
      throw Object.assign(new Error('refused'), { statusCode: 409 });
    });
    const res = await get('/fails');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ message: 'refused' });
    expect(events).toEqual(['/fails answered', '/fails same callback', '/fails written', '/fails check phase']);
  });
});
