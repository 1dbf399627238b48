import { randomBytes } from 'node:crypto';
import { DpopNonces } from './dpop-nonces.js';

const WINDOW = 5 * 60_000;
const nonces = (key = randomBytes(32)) => new DpopNonces({ nonceKey: key } as never);

describe('DpopNonces (stateless server nonces, RFC 9449 §8)', () => {
  const t0 = 1_800_000_000_000;

  it('accepts the nonce of this window and of the previous one, not older nor later ones', () => {
    const n = nonces();
    const issued = n.current(t0);
    expect(issued).toMatch(/^[\w-]{43}$/);
    expect(n.accepts(issued, t0)).toBe(true);
    expect(n.accepts(issued, t0 + WINDOW)).toBe(true);
    expect(n.accepts(issued, t0 + 2 * WINDOW)).toBe(false);
    expect(n.accepts(n.current(t0 + WINDOW), t0)).toBe(false);
  });

  it('rotates: each window has its own nonce', () => {
    const n = nonces();
    expect(n.current(t0)).not.toBe(n.current(t0 + WINDOW));
    expect(n.current(t0)).toBe(n.current(t0));
  });

  it('is shared by instances with the same key, and by no one else', () => {
    const key = randomBytes(32);
    expect(nonces(key).accepts(nonces(key).current(t0), t0)).toBe(true);
    expect(nonces().accepts(nonces(key).current(t0), t0)).toBe(false);
  });

  it.each([undefined, null, 42, '', 'x'.repeat(43), 'x'.repeat(1000)])('refuses %p', (value) => {
    expect(nonces().accepts(value, t0)).toBe(false);
  });
});
