import type { ExecutionContext } from '@nestjs/common';
import { makeLimiter } from '../../abuse/limiters.js';
import { DomainError } from '../../common/errors.js';
import { IntrospectionClientGuard } from './introspection-client.guard.js';

const SECRET = 'orders-secret-0123456789';
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** The one thing the guard reads of Nest's context: the request. */
const contextFor = (authorization: string | undefined, ip = '10.0.0.1'): ExecutionContext =>
  ({ switchToHttp: () => ({ getRequest: () => ({ headers: { authorization }, ip }) }) }) as unknown as ExecutionContext;

function guard(perClient = 100, failures = 100): IntrospectionClientGuard {
  return new IntrospectionClientGuard(
    {
      clients: new Map([
        ['orders', SECRET],
        ['billing', 'billing sécret:0123456789'],
      ]),
    },
    makeLimiter({ name: 'c', points: perClient, durationSeconds: 60 }, null, 'test:'),
    makeLimiter({ name: 'f', points: failures, durationSeconds: 60 }, null, 'test:'),
  );
}

const refusal = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('IntrospectionClientGuard (HTTP Basic against INTROSPECTION_CLIENTS)', () => {
  it('lets a configured client in, with its id and secret form-encoded as RFC 6749 §2.3.1 says', async () => {
    await expect(guard().canActivate(contextFor(basic('orders', SECRET)))).resolves.toBe(true);
    const spaced = encodeURIComponent('billing sécret:0123456789');
    await expect(guard().canActivate(contextFor(basic('billing', spaced)))).resolves.toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['a Bearer token', 'Bearer abc'],
    ['a wrong secret', basic('orders', `${SECRET}x`)],
    ['a prefix of the secret', basic('orders', SECRET.slice(0, -1))],
    ["another client's secret", basic('orders', 'billing%20s%C3%A9cret%3A0123456789')],
    ['an unknown client', basic('nobody', SECRET)],
    ['no colon', `Basic ${Buffer.from('orders').toString('base64')}`],
    ['a bad percent-encoding', basic('orders', '%zz')],
    ['an over-long header', basic('orders', 'x'.repeat(2000))],
  ])('refuses %s with a 401 and a Basic challenge', async (_, header) => {
    const err = await refusal(guard().canActivate(contextFor(header)));
    expect(err).toMatchObject({ status: 401, headers: { 'WWW-Authenticate': expect.stringMatching(/^Basic /) } });
  });

  it('limits calls per client: past the limit a 429, while another client goes on', async () => {
    const g = guard(3);
    for (let i = 0; i < 3; i++) await g.canActivate(contextFor(basic('orders', SECRET)));
    const err = await refusal(g.canActivate(contextFor(basic('orders', SECRET))));
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'RATE_LIMITED' });
    await expect(g.canActivate(contextFor(basic('billing', 'billing+s%C3%A9cret%3A0123456789')))).resolves.toBe(true);
  });

  it('limits failed authentications per IP: a guessing client is stopped, another IP is not', async () => {
    const g = guard(100, 2);
    for (let i = 0; i < 2; i++) await refusal(g.canActivate(contextFor(basic('orders', `guess-${i}`))));
    expect(await refusal(g.canActivate(contextFor(basic('orders', 'guess-x'))))).toMatchObject({
      code: 'RATE_LIMITED',
    });
    await expect(g.canActivate(contextFor(basic('orders', SECRET), '10.0.0.2'))).resolves.toBe(true);
  });
});
