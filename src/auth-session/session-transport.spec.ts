import { Signer } from '@fastify/cookie';
import { cookieCount } from '../common/http/cookies.js';
import { dropAmbiguousSessionCookie, rememberingSigner, sessionGate } from './session-transport.js';

describe('sessionGate (which requests get a session from the session library)', () => {
  const gate = sessionGate('__Host-sid');
  const get = (cookie?: string) => ({ method: 'GET', url: '/users/me', headers: cookie ? { cookie } : {} });

  it.each(['__Host-sid=s%3Aabc.def', 'a=1; __Host-sid=x', 'a=1;__Host-sid=x', '  __Host-sid=x'])(
    'a request carrying the cookie (%s)',
    (cookie) => {
      expect(gate(get(cookie))).toBe(true);
    },
  );

  it.each([undefined, 'sid=x', '__Host-sidx=x', 'x__Host-sid=x', 'a=__Host-sid=x'])(
    'not a request without it (%s)',
    (cookie) => {
      expect(gate(get(cookie))).toBe(false);
    },
  );

  it.each(['/auth/session/login', '/AUTH/Session/login/', '/auth/session/%6Cogin', '/auth/session/login?next=1'])(
    'a sign-in, however the path is spelled (POST %s)',
    (url) => {
      expect(gate({ method: 'POST', url, headers: {} })).toBe(true);
    },
  );

  it.each<[string, string]>([
    ['GET', '/auth/session/login'],
    ['POST', '/auth/jwt/login'],
    ['POST', '/auth/session/logout'],
    ['POST', '/auth/session/login/x'],
  ])('not %s %s without the cookie', (method, url) => {
    expect(gate({ method, url, headers: {} })).toBe(false);
  });
});

describe('an ambiguous session cookie (two of its name) is no session (RFC 6265bis §4.2.2)', () => {
  it.each<[string | undefined, number]>([
    [undefined, 0],
    ['a=1', 0],
    ['sid=x', 1],
    ['a=1; sid=x', 1],
    ['sid=x; sid=y', 2],
    ['sid=x;sid=y; a=1; sid=z', 3],
    [' sid =x; sid=y', 2],
    ['sidx=1; xsid=2; a=sid=3', 0],
    ['sid; sid=x', 1],
  ])('%s carries %d', (header, n) => {
    expect(cookieCount(header, 'sid')).toBe(n);
  });

  it('drops every cookie of that name from the header, and nothing else', () => {
    const headers = { cookie: 'a=1; sid=s%3Avictim.sig; refresh_token=r; sid=s%3Aattacker.sig' };
    expect(dropAmbiguousSessionCookie(headers, 'sid')).toBe(false);
    expect(headers.cookie).toBe('a=1; refresh_token=r');
    const one = { cookie: 'a=1; sid=x' };
    expect(dropAmbiguousSessionCookie(one, 'sid')).toBe(true);
    expect(one.cookie).toBe('a=1; sid=x');
  });

  it('the gate gives no session to a request carrying two, in either order, and a fresh one to a sign-in', () => {
    const gate = sessionGate('__Host-sid');
    for (const cookie of ['__Host-sid=a; __Host-sid=b', '__Host-sid=b;__Host-sid=a']) {
      const get = { method: 'GET', url: '/users/me', headers: { cookie } };
      expect(gate(get)).toBe(false);
      expect(get.headers.cookie).toBe('');
      const login = { method: 'POST', url: '/auth/session/login', headers: { cookie: `x=1; ${cookie}` } };
      expect(gate(login)).toBe(true);
      expect(login.headers.cookie).toBe('x=1');
    }
  });
});

describe('rememberingSigner (the session cookie signer on Fastify)', () => {
  const current = 'current secret, at least thirty-two characters';
  const older = 'older secret, still accepted for a while';
  const plain = new Signer([current, older], 'sha256');
  const id = 'Xq3v8yJ2mKp9Lw4rT6sN1bV7cZ0aF5gH8jD2kE4uQ9o';

  it("signs and verifies exactly as @fastify/cookie's Signer", () => {
    const signer = rememberingSigner([current, older]);
    expect(signer.sign(id)).toBe(plain.sign(id));
    expect(signer.unsign(plain.sign(id))).toEqual(plain.unsign(plain.sign(id)));
    expect(signer.sign('another id')).toBe(plain.sign('another id'));
  });

  it('hands back the verified cookie for the same id, and signs any other id afresh', () => {
    const signer = rememberingSigner([current, older]);
    const cookie = plain.sign(id);
    expect(signer.unsign(cookie)).toMatchObject({ valid: true, renew: false, value: id });
    expect(signer.sign(id)).toBe(cookie);
    expect(signer.sign('a new id after regenerate')).toBe(plain.sign('a new id after regenerate'));
  });

  it('never hands back a signature it did not verify', () => {
    const signer = rememberingSigner([current, older]);
    const forged = `${id}.${'A'.repeat(43)}`;
    expect(signer.unsign(forged).valid).toBe(false);
    expect(signer.sign(id)).toBe(plain.sign(id));
    expect(signer.sign(id)).not.toBe(forged);
  });

  it('verifies a cookie once, and checks every other text afresh, forged ones every time', () => {
    const signer = rememberingSigner([current, older]);
    const cookie = plain.sign(id);
    const first = signer.unsign(cookie);
    expect(signer.unsign(cookie)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // The same id under a signature one bit off, a signature moved to another id, a truncated one.
    const signature = cookie.slice(cookie.lastIndexOf('.') + 1);
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    for (const attempt of [`${id}.${flipped}`, `another-id.${signature}`, cookie.slice(0, -1)]) {
      expect(signer.unsign(attempt)).toEqual({ valid: false, renew: false, value: null });
      expect(signer.unsign(attempt)).toEqual({ valid: false, renew: false, value: null });
    }
    expect(signer.unsign(cookie)).toBe(first);
  });

  it('re-signs a cookie of the older secret with the current one', () => {
    const signer = rememberingSigner([current, older]);
    const old = new Signer([older], 'sha256').sign(id);
    expect(signer.unsign(old)).toMatchObject({ valid: true, renew: true, value: id });
    expect(signer.sign(id)).toBe(plain.sign(id));
    expect(signer.sign(id)).not.toBe(old);
  });

  it('stays right when requests interleave between verifying and signing', () => {
    const signer = rememberingSigner([current, older]);
    const a = plain.sign('id of request a');
    const b = plain.sign('id of request b');
    signer.unsign(a);
    signer.unsign(b);
    expect(signer.sign('id of request a')).toBe(a);
    expect(signer.sign('id of request b')).toBe(b);
  });
});
