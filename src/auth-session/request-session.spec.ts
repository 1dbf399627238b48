import 'reflect-metadata';
import { Signer } from '@fastify/cookie';
import { jest } from '@jest/globals';
import type { ConfigType } from '@nestjs/config';
import { parse } from 'cookie';
import type { SessionData } from 'express-session';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { sessionConfig } from '../config/config.js';
import { dataSourceOptions } from '../database/data-source-options.js';
import { EmbeddedSessionStore } from '../session-store/embedded-session-store.js';
import { wasLoaded } from '../session-store/loaded-session.js';
import { callbacks, newSession, newSid } from '../session-store/session-store.contract.js';
import { SessionCookies } from './request-session.js';
import type { SessionRequest, SignedInSession } from './session-data.js';

const CURRENT = 'current secret, at least thirty-two characters';
const OLDER = 'older secret, still accepted for a while';

const config = (over: Partial<ConfigType<typeof sessionConfig>> = {}): ConfigType<typeof sessionConfig> => ({
  secrets: [CURRENT, OLDER],
  idleTimeout: 1800,
  absoluteTimeout: 28_800,
  maxPerUser: 10,
  cookieSecure: false,
  cookieName: 'sid',
  ...over,
});

const auth: SignedInSession = {
  userId: 'u-1',
  roles: ['user'],
  handle: 'h-1',
  csrfToken: 'c'.repeat(43),
  createdAt: 1,
  authTime: 1,
  lastSeenAt: 1,
};

/** A request and the response's session cookie, as the adapters hand them over. */
function exchange(cookie?: string, secure = false) {
  const req: SessionRequest & { headers: { cookie?: string } } = { headers: cookie ? { cookie } : {} };
  const sent: { header?: string; calls: number } = { calls: 0 };
  const carrier = {
    secure,
    setCookie: (header: string | undefined) => {
      sent.header = header;
      sent.calls++;
    },
  };
  return { req, sent, carrier };
}

/** The cookie a browser sends back for a session id signed with `secret`. */
const cookieFor = (sid: string, secret = CURRENT, name = 'sid'): string =>
  `${name}=${encodeURIComponent(`s:${new Signer([secret], 'sha256').sign(sid)}`)}`;

describe('SessionCookies (the session cookie and the store, on both adapters)', () => {
  let dir: string;
  let ds: DataSource;
  let store: EmbeddedSessionStore;
  let db: ReturnType<typeof callbacks>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'request-session-'));
    const file = join(dir, 'auth.sqlite');
    ds = await new DataSource(
      dataSourceOptions({ kind: 'sqlite', url: `sqlite:${file}`, sqlitePath: file }),
    ).initialize();
    store = new EmbeddedSessionStore(ds, 1800);
    db = callbacks(store);
  });

  afterEach(async () => {
    if (ds.isInitialized) await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = async (): Promise<string> => {
    const sid = newSid();
    await db.set(sid, Object.assign(newSession(60_000), { auth }));
    return sid;
  };

  it('loads the session a validly signed cookie names, marked as loaded', async () => {
    const sid = await stored();
    const { req, carrier } = exchange(`a=1; ${cookieFor(sid)}`);
    await new SessionCookies(config(), store).open(req, carrier);
    expect(req.session?.id).toBe(sid);
    expect(req.session?.auth).toEqual(auth);
    expect(wasLoaded(req.session as unknown as SessionData)).toBe(true);
  });

  it('accepts a cookie signed with an older secret of the list', async () => {
    const sid = await stored();
    const { req, carrier } = exchange(cookieFor(sid, OLDER));
    await new SessionCookies(config(), store).open(req, carrier);
    expect(req.session?.auth).toEqual(auth);
  });

  it.each<[string, (sid: string) => string]>([
    ['signed with another secret', (sid) => cookieFor(sid, 'an attacker secret of thirty-two characters')],
    ['unsigned', (sid) => `sid=${sid}`],
    ['with its signature on another id', (sid) => cookieFor(sid).replace(encodeURIComponent(sid), 'other')],
    ['truncated', (sid) => cookieFor(sid).slice(0, -2)],
    ['not URL-decodable', (sid) => `sid=s:${sid}.%E0%A4%A`],
    ['under another name', (sid) => cookieFor(sid, CURRENT, 'sidx')],
  ])('gives a cookie %s a new, empty session with a new id, and leaves the stored one alone', async (_, forge) => {
    const sid = await stored();
    const sessions = new SessionCookies(config(), store);
    for (let i = 0; i < 2; i++) {
      const { req, carrier, sent } = exchange(forge(sid));
      await sessions.open(req, carrier);
      expect(req.session?.id).not.toBe(sid);
      expect(req.session?.auth).toBeUndefined();
      expect(sent.calls).toBe(0);
    }
    expect(await db.get(sid)).toMatchObject({ auth });
  });

  it('verifies a cookie once, and a forged one every time', async () => {
    const sid = await stored();
    const sessions = new SessionCookies(config(), store);
    const unsign = jest.spyOn(Signer.prototype, 'unsign');
    try {
      for (let i = 0; i < 3; i++) await sessions.open(exchange(cookieFor(sid)).req, exchange().carrier);
      expect(unsign).toHaveBeenCalledTimes(1);
      const forged = cookieFor(sid, 'an attacker secret of thirty-two characters');
      for (let i = 0; i < 3; i++) await sessions.open(exchange(forged).req, exchange().carrier);
      expect(unsign).toHaveBeenCalledTimes(4);
    } finally {
      unsign.mockRestore();
    }
  });

  it('never takes the id of a cookie whose session is not in the store (fixation)', async () => {
    const planted = newSid();
    const { req, carrier } = exchange(cookieFor(planted));
    const sessions = new SessionCookies(config(), store);
    await sessions.open(req, carrier);
    expect(req.session?.id).not.toBe(planted);
    req.session!.auth = auth;
    await req.session!.save();
    expect(await db.get(planted)).toBeNull();
  });

  it('save stores the session with a sliding expiry and sets its signed cookie', async () => {
    const { req, carrier, sent } = exchange();
    await new SessionCookies(config(), store).open(req, carrier);
    req.session!.auth = auth;
    const before = Date.now();
    await req.session!.save();
    const saved = (await db.get(req.session!.id)) as SessionData & { auth: SignedInSession };
    expect(saved.auth).toEqual(auth);
    expect(new Date(saved.cookie.expires!).getTime()).toBeGreaterThanOrEqual(before + 1800_000);
    expect(Object.keys(saved).sort()).toEqual(['auth', 'cookie']);
    const [pair, ...attributes] = sent.header!.split('; ');
    expect(parse(pair!).sid).toBe(`s:${new Signer([CURRENT], 'sha256').sign(req.session!.id)}`);
    expect(attributes).toEqual(expect.arrayContaining(['Max-Age=1800', 'Path=/', 'HttpOnly', 'SameSite=Lax']));
    expect(attributes.some((a) => a.startsWith('Expires='))).toBe(true);
    expect(attributes).not.toContain('Secure');
  });

  it('re-signs an older secret’s cookie with the current one when it saves', async () => {
    const sid = await stored();
    const { req, carrier, sent } = exchange(cookieFor(sid, OLDER));
    await new SessionCookies(config(), store).open(req, carrier);
    await req.session!.save();
    expect(sent.header!.split(';')[0]).toBe(cookieFor(sid));
  });

  it('sets a Secure cookie only on a request that came over HTTPS', async () => {
    const sessions = new SessionCookies(config({ cookieSecure: true, cookieName: '__Host-sid' }), store);
    const plain = exchange(undefined, false);
    await sessions.open(plain.req, plain.carrier);
    await plain.req.session!.save();
    expect(plain.sent.calls).toBe(0);
    const tls = exchange(undefined, true);
    await sessions.open(tls.req, tls.carrier);
    await tls.req.session!.save();
    expect(tls.sent.header).toMatch(/^__Host-sid=s%3A.*; Secure/);
  });

  it('regenerate deletes the old session and gives the request a new one that is stored only once saved', async () => {
    const sid = await stored();
    const { req, carrier, sent } = exchange(cookieFor(sid));
    await new SessionCookies(config(), store).open(req, carrier);
    const old = req.session!;
    await old.regenerate();
    expect(await db.get(sid)).toBeNull();
    expect(req.session).not.toBe(old);
    expect(req.session?.id).not.toBe(sid);
    expect(req.session?.auth).toBeUndefined();
    expect(wasLoaded(req.session as unknown as SessionData)).toBe(false);
    expect(sent).toMatchObject({ header: undefined, calls: 1 });
    expect(await db.get(req.session!.id)).toBeNull();
  });

  it('destroy deletes the session, leaves the request none, and takes back a cookie set earlier', async () => {
    const sid = await stored();
    const { req, carrier, sent } = exchange(cookieFor(sid));
    await new SessionCookies(config(), store).open(req, carrier);
    const session = req.session!;
    await session.save();
    expect(sent.header).toBeDefined();
    await session.destroy();
    expect(await db.get(sid)).toBeNull();
    expect(req.session).toBeNull();
    expect(sent.header).toBeUndefined();
  });

  it('never writes back a session deleted while its request was served', async () => {
    const sid = await stored();
    const { req, carrier } = exchange(cookieFor(sid));
    await new SessionCookies(config(), store).open(req, carrier);
    await db.destroy(sid); // a logout elsewhere
    req.session!.auth = { ...auth, lastSeenAt: 2 };
    await req.session!.save();
    expect(await db.get(sid)).toBeNull();
  });

  it('answers 503 when the store cannot, and deletes nothing', async () => {
    const sid = await stored();
    const sessions = new SessionCookies(config(), store);
    await ds.destroy();
    const { req, carrier } = exchange(cookieFor(sid));
    await expect(sessions.open(req, carrier)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(req.session).toBeUndefined();
  });
});
