import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import session, { type SessionData, type Store } from 'express-session';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { markLoaded } from './loaded-session.js';
import { SessionStoreGateway } from './session-store.gateway.js';

/** One implementation of the store, on real storage, as the contract drives it. */
export interface StoreUnderTest {
  /** The store; `restart` replaces it. */
  store: Store;
  /** The expiry the storage itself holds for `sid` (epoch ms), read behind the store's back; `null` when absent. */
  storedExpiry(sid: string): Promise<number | null>;
  /** Replaces `store` by a new one on the same storage, with new connections, as a restart does. */
  restart(): Promise<void>;
  /** Closes connections and deletes whatever the tests stored. */
  close(): Promise<void>;
}

/** The default TTL the contract opens stores with, in seconds. */
export const CONTRACT_DEFAULT_TTL = 3600;

/**
 * The behaviour every session store must show, whatever holds the data. Each implementation's spec
 * calls this once with a factory that opens it on real storage.
 */
export function sessionStoreContract(name: string, open: (defaultTtlSeconds: number) => Promise<StoreUnderTest>): void {
  describe(`session store contract: ${name}`, () => {
    let subject: StoreUnderTest;
    const get = (sid: string) => callbacks(subject.store).get(sid);
    const set = (sid: string, value: SessionData) => callbacks(subject.store).set(sid, value);
    const destroy = (sid: string) => callbacks(subject.store).destroy(sid);

    beforeAll(async () => {
      subject = await open(CONTRACT_DEFAULT_TTL);
    });
    afterAll(async () => {
      await subject.close();
    });

    it('stores nested data and returns it as express-session loads it', async () => {
      const sid = newSid();
      const data = { user: { id: 'u-1', roles: ['user', 'admin'] }, csrf: 'token', lastSeen: 1_700_000_000_000 };
      const stored = newSession(60_000, data);
      await set(sid, stored);

      expect(await get(sid)).toEqual(JSON.parse(JSON.stringify(stored)));
      // express-session's own path: `load` rebuilds the Cookie, with `expires` as a Date again.
      const loaded = await new Promise<SessionData | undefined>((resolve, reject) => {
        subject.store.load(sid, (err: unknown, value?: SessionData) => (err ? reject(asError(err)) : resolve(value)));
      });
      expect(loaded).toMatchObject(data);
      expect(loaded?.cookie.expires).toEqual(stored.cookie.expires);
    });

    it('answers null for a session it never had', async () => {
      expect(await get(newSid())).toBeNull();
    });

    it('destroys a session, and destroying a missing one is no error', async () => {
      const sid = newSid();
      await set(sid, newSession(60_000, { user: 'u-1' }));
      await destroy(sid);
      expect(await get(sid)).toBeNull();
      expect(await subject.storedExpiry(sid)).toBeNull();
      await expect(destroy(sid)).resolves.toBeUndefined();
    });

    it('never returns a session past its cookie expiry, even before any purge', async () => {
      const sid = newSid();
      // 2 s, so the first read lands before the expiry on a loaded machine too.
      await set(sid, newSession(2_000, { user: 'u-1' }));
      expect(await get(sid)).toMatchObject({ user: 'u-1' });
      await sleep(2_200);
      expect(await get(sid)).toBeNull();
    });

    it('keeps a session until its cookie expires', async () => {
      const sid = newSid();
      const value = newSession(60_000, { user: 'u-1' });
      await set(sid, value);
      const expires = value.cookie.expires!.getTime();
      // Redis counts whole seconds and rounds up.
      expect(await subject.storedExpiry(sid)).toBeGreaterThanOrEqual(expires);
      expect(await subject.storedExpiry(sid)).toBeLessThanOrEqual(expires + 1000);
    });

    it('keeps a session whose cookie has no expiry for the default TTL', async () => {
      const sid = newSid();
      const before = Date.now();
      await set(sid, newSession(null, { user: 'u-1' }));
      const after = Date.now();
      expect(await get(sid)).toMatchObject({ user: 'u-1' });
      expect(await subject.storedExpiry(sid)).toBeGreaterThanOrEqual(before + CONTRACT_DEFAULT_TTL * 1000 - 1000);
      expect(await subject.storedExpiry(sid)).toBeLessThanOrEqual(after + CONTRACT_DEFAULT_TTL * 1000 + 1000);
    });

    it('replaces data and expiry when set again', async () => {
      const sid = newSid();
      await set(sid, newSession(60_000, { user: 'u-1', step: 1 }));
      const second = newSession(120_000, { user: 'u-1', step: 2 });
      await set(sid, second);
      expect(await get(sid)).toMatchObject({ step: 2 });
      expect(await subject.storedExpiry(sid)).toBeGreaterThanOrEqual(second.cookie.expires!.getTime());
    });

    it('deletes a session set with an expiry already past', async () => {
      const sid = newSid();
      await set(sid, newSession(60_000, { user: 'u-1' }));
      const ended = newSession(60_000, { user: 'u-1' });
      ended.cookie.expires = new Date(Date.now() - 1000);
      await set(sid, ended);
      expect(await get(sid)).toBeNull();
      expect(await subject.storedExpiry(sid)).toBeNull();
    });

    it('writes nothing on touch, if it has one: data and expiry stay as set', async () => {
      const sid = newSid();
      await set(sid, newSession(60_000, { user: 'u-1', step: 1 }));
      const expiry = await subject.storedExpiry(sid);
      expect(expiry).not.toBeNull();
      // What express-session hands to touch on an unchanged request: here with other data and a
      // later expiry. A store without `touch` is never asked (express-session checks for it).
      const touch = subject.store.touch?.bind(subject.store);
      if (touch) await new Promise<void>((resolve) => touch(sid, newSession(3_600_000, { step: 2 }), resolve));
      expect(await get(sid)).toMatchObject({ user: 'u-1', step: 1 });
      expect(await subject.storedExpiry(sid)).toBe(expiry);
    });

    it('saves a loaded session back, but never brings back one deleted since it was loaded', async () => {
      // The session transport's path (request-session.ts): `get`, marked as loaded, saved through `set`.
      const load = async (sid: string): Promise<SessionData> => {
        const value = await get(sid);
        if (!value) throw new Error('not found');
        return markLoaded(value);
      };

      const kept = newSid();
      await set(kept, newSession(60_000, { seen: 1 }));
      const live = await load(kept);
      Object.assign(live, { seen: 2 });
      await set(kept, live);
      expect(await get(kept)).toMatchObject({ seen: 2 });

      // A request loaded it; a logout elsewhere deleted it; the request then saves its copy.
      const ended = newSid();
      await set(ended, newSession(60_000, { seen: 1 }));
      const stale = await load(ended);
      await destroy(ended);
      Object.assign(stale, { seen: 2 });
      await set(ended, stale);
      expect(await get(ended)).toBeNull();
      expect(await subject.storedExpiry(ended)).toBeNull();
    });

    it('keeps sessions across a restart', async () => {
      const sid = newSid();
      await set(sid, newSession(60_000, { user: { id: 'u-1' } }));
      await subject.restart();
      expect(await get(sid)).toMatchObject({ user: { id: 'u-1' } });
    });

    it('offers get and destroy as promises through the gateway', async () => {
      const gateway = new SessionStoreGateway(subject.store);
      const sid = newSid();
      await set(sid, newSession(60_000, { user: 'u-1' }));
      expect(await gateway.get(sid)).toMatchObject({ user: 'u-1' });
      await gateway.destroy(sid);
      expect(await gateway.get(sid)).toBeNull();
    });
  });
}

/** A session id as the AuthSession module makes them: 256 random bits. */
export function newSid(): string {
  return randomBytes(32).toString('base64url');
}

/** A session as express-session builds it, with a real Cookie; `maxAgeMs` null is a browser-session cookie. */
export function newSession(maxAgeMs: number | null, data: Record<string, unknown> = {}): SessionData {
  const cookie = new session.Cookie();
  if (maxAgeMs !== null) {
    cookie.maxAge = maxAgeMs; // a setter: sets `expires`
    cookie.originalMaxAge = maxAgeMs;
  }
  return Object.assign({ cookie }, data);
}

/** The store's callback API as promises, going through exactly what express-session calls. */
export function callbacks(store: Store): {
  get(sid: string): Promise<SessionData | null | undefined>;
  set(sid: string, value: SessionData): Promise<void>;
  destroy(sid: string): Promise<void>;
} {
  return {
    get: (sid) =>
      new Promise((resolve, reject) => {
        store.get(sid, (err: unknown, value?: SessionData | null) => (err ? reject(asError(err)) : resolve(value)));
      }),
    set: (sid, value) =>
      new Promise((resolve, reject) => {
        store.set(sid, value, (err?: unknown) => (err ? reject(asError(err)) : resolve()));
      }),
    destroy: (sid) =>
      new Promise((resolve, reject) => {
        store.destroy(sid, (err?: unknown) => (err ? reject(asError(err)) : resolve()));
      }),
  };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
