import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EphemeralStore } from './ephemeral-store.js';

/** One implementation on its real store, as the contract needs to see it. */
export interface EphemeralContractStore {
  store: EphemeralStore;
  /** Another store on a new connection to the same data: a restart, or a second instance. */
  reopen(): Promise<EphemeralStore>;
  close(): Promise<void>;
}

const MINUTE = 60_000;
const key = (what = 'k'): string => `test:${what}:${randomUUID()}`;

/** The behaviour every `EphemeralStore` implementation must show, on its real store. */
export function describeEphemeralStoreContract(name: string, open: () => Promise<EphemeralContractStore>): void {
  describe(`EphemeralStore contract: ${name}`, () => {
    let opened: EphemeralContractStore;
    let store: EphemeralStore;
    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened.close();
    });

    it('claim: true for the first use only, for a claimed and for a put key', async () => {
      const k = key();
      await expect(store.claim(k, MINUTE)).resolves.toBe(true);
      await expect(store.claim(k, MINUTE)).resolves.toBe(false);
      const p = key();
      await store.put(p, 'v', MINUTE);
      await expect(store.claim(p, MINUTE)).resolves.toBe(false);
      await expect(store.get(p)).resolves.toBe('v');
    });

    it('of racing claims of one key, exactly one wins, also across connections', async () => {
      const other = await opened.reopen();
      for (let round = 0; round < 5; round++) {
        const k = key('race');
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? store : other).claim(k, MINUTE)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      }
    });

    it('put, get, take: the value once, then null for everyone', async () => {
      const k = key();
      await expect(store.get(k)).resolves.toBeNull();
      await expect(store.take(k)).resolves.toBeNull();
      await store.put(k, 'first', MINUTE);
      await store.put(k, 'second ✓ {"json":1}', MINUTE);
      await expect(store.get(k)).resolves.toBe('second ✓ {"json":1}');
      await expect(store.get(k)).resolves.toBe('second ✓ {"json":1}');
      await expect(store.take(k)).resolves.toBe('second ✓ {"json":1}');
      await expect(store.take(k)).resolves.toBeNull();
      await expect(store.get(k)).resolves.toBeNull();
      // Taken means gone: the key can be claimed afresh.
      await expect(store.claim(k, MINUTE)).resolves.toBe(true);
    });

    it('of racing takes of one value, exactly one gets it, also across connections', async () => {
      const other = await opened.reopen();
      for (let round = 0; round < 5; round++) {
        const k = key('take');
        await store.put(k, 'challenge', MINUTE);
        const results = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? store : other).take(k)));
        expect(results.filter((r) => r === 'challenge')).toHaveLength(1);
        expect(results.filter((r) => r === null)).toHaveLength(15);
      }
    });

    it('increment counts attempts on a live entry, keeps its value, and a put restarts it', async () => {
      const k = key();
      await expect(store.increment(k)).resolves.toBeNull();
      await expect(store.get(k)).resolves.toBeNull();
      await store.put(k, 'user-1', MINUTE);
      await expect(store.increment(k)).resolves.toBe(1);
      await expect(store.increment(k)).resolves.toBe(2);
      const counts = await Promise.all(Array.from({ length: 8 }, () => store.increment(k)));
      expect([...counts].sort((a, b) => a! - b!)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
      await expect(store.get(k)).resolves.toBe('user-1');
      await store.put(k, 'user-1', MINUTE);
      await expect(store.increment(k)).resolves.toBe(1);
      await expect(store.take(k)).resolves.toBe('user-1');
      await expect(store.increment(k)).resolves.toBeNull();
    });

    it('delete removes an entry, and deleting nothing is fine', async () => {
      const k = key();
      await store.put(k, 'v', MINUTE);
      await store.delete(k);
      await expect(store.get(k)).resolves.toBeNull();
      await store.delete(k);
      await expect(store.claim(k, MINUTE)).resolves.toBe(true);
    });

    it('forgets every kind of entry once its ttl has passed', async () => {
      const claimed = key();
      const put = key();
      const counted = key();
      await store.claim(claimed, 200);
      await store.put(put, 'v', 200);
      await store.put(counted, 'v', 200);
      await store.increment(counted);
      await sleep(350);
      await expect(store.get(put)).resolves.toBeNull();
      await expect(store.take(put)).resolves.toBeNull();
      await expect(store.increment(counted)).resolves.toBeNull();
      await expect(store.get(counted)).resolves.toBeNull();
      await expect(store.claim(claimed, MINUTE)).resolves.toBe(true);
      await expect(store.claim(claimed, MINUTE)).resolves.toBe(false);
    });

    it('an increment does not extend the expiry', async () => {
      const k = key();
      await store.put(k, 'v', 1000);
      const putAt = Date.now();
      // Margins of hundreds of ms, for a loaded machine: the entry expires at most 1000 ms after
      // `putAt`, and at least 1000 ms after the put began; an increment that slid the expiry would
      // keep it until at least 1400 ms after the put began.
      await sleep(400);
      await expect(store.increment(k)).resolves.toBe(1);
      await sleep(Math.max(0, putAt + 1100 - Date.now()));
      await expect(store.get(k)).resolves.toBeNull();
    });

    it('is seen by a new connection to the same store (restart, or another instance)', async () => {
      const k = key();
      const v = key();
      await store.claim(k, MINUTE);
      await store.put(v, 'shared', MINUTE);
      const other = await opened.reopen();
      await expect(other.claim(k, MINUTE)).resolves.toBe(false);
      await expect(other.take(v)).resolves.toBe('shared');
      await expect(store.get(v)).resolves.toBeNull();
    });

    it('refuses keys and ttls no caller should pass', async () => {
      await expect(store.claim('', MINUTE)).rejects.toThrow(TypeError);
      await expect(store.claim('x'.repeat(256), MINUTE)).rejects.toThrow(TypeError);
      await expect(store.put(key(), 'v', 0)).rejects.toThrow(TypeError);
      await expect(store.claim(key(), 1.5)).rejects.toThrow(TypeError);
      await expect(store.claim(key(), Number.NaN)).rejects.toThrow(TypeError);
    });
  });
}
