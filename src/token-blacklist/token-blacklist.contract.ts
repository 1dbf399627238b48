import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccessTokenRef, TokenBlacklist } from './token-blacklist.js';

/** One implementation on its real store, as the contract needs to see it. */
export interface ContractStore {
  blacklist: TokenBlacklist;
  /** Queries or commands sent to the store so far. */
  roundTrips(): number;
  /** Whether the store still physically holds this entry of this user (expired or not). */
  holds(kind: 'jti' | 'sid' | 'user', key: string, userId: string): Promise<boolean>;
  /** true where `purgeExpired` deletes the expired entries itself (the embedded store). */
  purgeDeletes: boolean;
  /** Another blacklist on a new connection to the same data: a restart, or a second instance. */
  reopen(): Promise<TokenBlacklist>;
  close(): Promise<void>;
}

const HOUR = 3_600_000;
/**
 * Lifetime of the entries a test watches expire. It must outlast the writes and reads that check
 * them before they expire, on a loaded CI machine too: 300 ms did not, once.
 */
const SHORT_MS = 2_000;
const inMs = (ms: number): Date => new Date(Date.now() + ms);

/** A token with fresh ids, issued now unless said otherwise. */
function token(overrides: Partial<AccessTokenRef> = {}): AccessTokenRef & { jti: string } {
  return {
    sid: randomUUID(),
    sub: randomUUID(),
    issuedAtMs: Date.now(),
    ...overrides,
    jti: overrides.jti ?? randomUUID(),
  };
}

/** The behaviour every `TokenBlacklist` implementation must show, on its real store. */
export function describeTokenBlacklistContract(name: string, open: () => Promise<ContractStore>): void {
  describe(`TokenBlacklist contract: ${name}`, () => {
    let store: ContractStore;
    let bl: TokenBlacklist;
    beforeAll(async () => {
      store = await open();
      bl = store.blacklist;
    });
    afterAll(async () => {
      await store.close();
    });

    it('refuses a revoked jti and passes other tokens of the same session and user', async () => {
      const t = token();
      await bl.revokeToken(t.sub, t.jti, inMs(HOUR));
      await expect(bl.isRevoked(t)).resolves.toBe(true);
      await expect(bl.isRevoked({ ...t, jti: randomUUID() })).resolves.toBe(false);
    });

    it('refuses every token of a revoked sid and passes tokens of other sessions', async () => {
      const t = token();
      await bl.revokeSession(t.sub, t.sid, inMs(HOUR));
      await expect(bl.isRevoked(t)).resolves.toBe(true);
      await expect(bl.isRevoked({ ...t, jti: randomUUID() })).resolves.toBe(true);
      await expect(bl.isRevoked({ ...t, jti: randomUUID(), sid: randomUUID() })).resolves.toBe(false);
    });

    it('refuses tokens issued at or before the user cut-off, to the millisecond', async () => {
      const sub = randomUUID();
      const cutoff = Date.now();
      await bl.setUserCutoff(sub, cutoff, inMs(HOUR));
      await expect(bl.isRevoked(token({ sub, issuedAtMs: cutoff - 60_000 }))).resolves.toBe(true);
      await expect(bl.isRevoked(token({ sub, issuedAtMs: cutoff }))).resolves.toBe(true);
      // A login in the same second, right after a forced logout, works.
      await expect(bl.isRevoked(token({ sub, issuedAtMs: cutoff + 1 }))).resolves.toBe(false);
      await expect(bl.isRevoked(token({ issuedAtMs: cutoff - 60_000 }))).resolves.toBe(false);
    });

    it('never lowers a cut-off, and raises it', async () => {
      const sub = randomUUID();
      const base = Date.now();
      await bl.setUserCutoff(sub, base, inMs(HOUR));
      await bl.setUserCutoff(sub, base - 10_000, inMs(HOUR));
      await expect(bl.isRevoked(token({ sub, issuedAtMs: base - 5_000 }))).resolves.toBe(true);
      await expect(bl.isRevoked(token({ sub, issuedAtMs: base }))).resolves.toBe(true);
      await bl.setUserCutoff(sub, base + 10_000, inMs(HOUR));
      await expect(bl.isRevoked(token({ sub, issuedAtMs: base + 10_000 }))).resolves.toBe(true);
      await expect(bl.isRevoked(token({ sub, issuedAtMs: base + 10_001 }))).resolves.toBe(false);
    });

    it('refuses every token of a deleted user (cut-off Number.MAX_SAFE_INTEGER)', async () => {
      const sub = randomUUID();
      await bl.setUserCutoff(sub, Date.now(), inMs(HOUR));
      await bl.setUserCutoff(sub, Number.MAX_SAFE_INTEGER, inMs(HOUR));
      await expect(bl.isRevoked(token({ sub, issuedAtMs: Date.now() + HOUR }))).resolves.toBe(true);
      await bl.setUserCutoff(sub, Date.now(), inMs(HOUR));
      await expect(bl.isRevoked(token({ sub, issuedAtMs: Date.now() + HOUR }))).resolves.toBe(true);
    });

    it('keeps the later expiry when the same key is revoked twice', async () => {
      const longFirst = token();
      const shortFirst = token();
      const user = token();
      await bl.revokeToken(longFirst.sub, longFirst.jti, inMs(HOUR));
      await bl.revokeToken(longFirst.sub, longFirst.jti, inMs(200));
      await bl.revokeSession(shortFirst.sub, shortFirst.sid, inMs(200));
      await bl.revokeSession(shortFirst.sub, shortFirst.sid, inMs(HOUR));
      await bl.setUserCutoff(user.sub, user.issuedAtMs, inMs(HOUR));
      await bl.setUserCutoff(user.sub, user.issuedAtMs + 1, inMs(200));
      await sleep(400);
      await expect(bl.isRevoked(longFirst)).resolves.toBe(true);
      await expect(bl.isRevoked(shortFirst)).resolves.toBe(true);
      await expect(bl.isRevoked(user)).resolves.toBe(true);
      await expect(bl.isRevoked({ ...user, issuedAtMs: user.issuedAtMs + 1 })).resolves.toBe(true);
    });

    it('forgets entries once they expire, and the purge removes what is stored', async () => {
      const t = token();
      const cut = token();
      const stale = token();
      await bl.revokeToken(t.sub, t.jti, inMs(SHORT_MS));
      await bl.revokeSession(t.sub, t.sid, inMs(SHORT_MS));
      await bl.setUserCutoff(cut.sub, cut.issuedAtMs, inMs(SHORT_MS));
      await bl.setUserCutoff(stale.sub, stale.issuedAtMs + 10_000, inMs(SHORT_MS));
      await expect(bl.isRevoked({ ...t, sid: randomUUID() })).resolves.toBe(true);
      await expect(bl.isRevoked({ ...t, jti: randomUUID() })).resolves.toBe(true);
      await expect(bl.isRevoked(cut)).resolves.toBe(true);
      await sleep(SHORT_MS + 200);
      await expect(bl.isRevoked(t)).resolves.toBe(false);
      await expect(bl.isRevoked(cut)).resolves.toBe(false);
      // An expired cut-off no longer counts as the maximum: a lower one set afterwards holds.
      await bl.setUserCutoff(stale.sub, stale.issuedAtMs - 10_000, inMs(HOUR));
      await expect(bl.isRevoked(stale)).resolves.toBe(false);
      await expect(bl.isRevoked({ ...stale, issuedAtMs: stale.issuedAtMs - 10_000 })).resolves.toBe(true);

      const purged = await bl.purgeExpired();
      if (store.purgeDeletes) expect(purged).toBeGreaterThanOrEqual(3);
      await expect(store.holds('jti', t.jti, t.sub)).resolves.toBe(false);
      await expect(store.holds('sid', t.sid, t.sub)).resolves.toBe(false);
      await expect(store.holds('user', cut.sub, cut.sub)).resolves.toBe(false);
    });

    it('leaves live entries alone when purging', async () => {
      const t = token();
      await bl.revokeToken(t.sub, t.jti, inMs(HOUR));
      await bl.purgeExpired();
      await expect(store.holds('jti', t.jti, t.sub)).resolves.toBe(true);
      await expect(bl.isRevoked(t)).resolves.toBe(true);
    });

    it('stores nothing for an expiry already past (the token is refused for its exp anyway)', async () => {
      const t = token();
      await bl.revokeToken(t.sub, t.jti, inMs(-1000));
      await bl.setUserCutoff(t.sub, t.issuedAtMs, inMs(-1000));
      await expect(store.holds('jti', t.jti, t.sub)).resolves.toBe(false);
      await expect(store.holds('user', t.sub, t.sub)).resolves.toBe(false);
      await expect(bl.isRevoked(t)).resolves.toBe(false);
    });

    it('keeps an entry with an absurd expiry (an Invalid Date, year 300000) as long as it can, never throws', async () => {
      const t = token();
      const u = token();
      const overflow = new Date(1e13 * 1000 + 30_000);
      expect(Number.isNaN(overflow.getTime())).toBe(true);
      await bl.revokeToken(t.sub, t.jti, overflow);
      await bl.revokeSession(t.sub, t.sid, new Date(8.6e15));
      await bl.setUserCutoff(u.sub, u.issuedAtMs, overflow);
      await expect(bl.isRevoked({ ...t, sid: randomUUID() })).resolves.toBe(true);
      await expect(bl.isRevoked({ ...t, jti: randomUUID() })).resolves.toBe(true);
      await expect(bl.isRevoked(u)).resolves.toBe(true);
      await bl.purgeExpired();
      await expect(store.holds('jti', t.jti, t.sub)).resolves.toBe(true);
      await expect(store.holds('user', u.sub, u.sub)).resolves.toBe(true);
    });

    it('checks a cookie session (no jti) by its sid and its user cut-off', async () => {
      const t = token();
      const { jti: _jti, ...cookie } = t;
      await expect(bl.isRevoked(cookie)).resolves.toBe(false);
      await bl.revokeToken(t.sub, t.jti, inMs(HOUR));
      // A jti entry says nothing about a credential without one.
      await expect(bl.isRevoked(cookie)).resolves.toBe(false);
      await bl.revokeSession(t.sub, t.sid, inMs(HOUR));
      await expect(bl.isRevoked(cookie)).resolves.toBe(true);
      const other = token();
      const { jti: _otherJti, ...otherCookie } = other;
      await bl.setUserCutoff(other.sub, other.issuedAtMs, inMs(HOUR));
      await expect(bl.isRevoked(otherCookie)).resolves.toBe(true);
      await expect(bl.isRevoked({ ...otherCookie, issuedAtMs: other.issuedAtMs + 1 })).resolves.toBe(false);
    });

    it('checks jti, sid and cut-off in exactly one round trip', async () => {
      const revoked = token();
      await bl.setUserCutoff(revoked.sub, revoked.issuedAtMs, inMs(HOUR));
      const { jti: _jti, ...cookie } = token();
      for (const t of [revoked, token(), cookie]) {
        const before = store.roundTrips();
        await bl.isRevoked(t);
        expect(store.roundTrips() - before).toBe(1);
      }
    });

    it('is seen by a new connection to the same store (restart, or another instance)', async () => {
      const t = token();
      const cut = token();
      await bl.revokeToken(t.sub, t.jti, inMs(HOUR));
      await bl.setUserCutoff(cut.sub, cut.issuedAtMs, inMs(HOUR));
      const other = await store.reopen();
      await expect(other.isRevoked(t)).resolves.toBe(true);
      await expect(other.isRevoked(cut)).resolves.toBe(true);
      await expect(other.isRevoked({ ...cut, issuedAtMs: cut.issuedAtMs + 1 })).resolves.toBe(false);
    });
  });
}
