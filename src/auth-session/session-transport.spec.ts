import { Signer } from '@fastify/cookie';
import { rememberingSigner, sessionGate } from './session-transport.js';

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
