import { sessionGate } from './session-transport.js';

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
