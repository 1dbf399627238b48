import { cookieCount } from '../common/http/cookies.js';
import { dropAmbiguousSessionCookie, sessionGate, withSessionCookie } from './session-transport.js';

describe('sessionGate (which requests get a session at all)', () => {
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

describe('withSessionCookie (the response sets one session cookie, whatever else it sets)', () => {
  it('adds it to none, a string or a list, keeping the other cookies', () => {
    expect(withSessionCookie(undefined, 'sid', 'sid=a')).toEqual(['sid=a']);
    expect(withSessionCookie('refresh_token=r', 'sid', 'sid=a')).toEqual(['refresh_token=r', 'sid=a']);
    expect(withSessionCookie(['x=1', 'sid=old; Path=/', 'sidx=2'], 'sid', 'sid=new')).toEqual([
      'x=1',
      'sidx=2',
      'sid=new',
    ]);
  });

  it('removes it, and only it', () => {
    expect(withSessionCookie(['sid=old', 'x=1'], 'sid')).toEqual(['x=1']);
    expect(withSessionCookie('sid=old', 'sid')).toEqual([]);
  });
});
