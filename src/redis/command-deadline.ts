/**
 * Raised when Redis has not answered a command in time. The stores treat it like any other Redis
 * failure: the request gets a 503.
 */
export class RedisDeadlineError extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
    this.name = 'RedisDeadlineError';
  }
}

/** Methods that are not one command: connecting, closing, subscriptions that last. */
const UNTIMED = new Set<PropertyKey>([
  'connect',
  'close',
  'quit',
  'disconnect',
  'destroy',
  'subscribe',
  'unsubscribe',
  'pSubscribe',
  'pUnsubscribe',
  'sSubscribe',
  'sUnsubscribe',
]);

/** Methods that return a transaction builder, whose `exec` is the command to time. */
const TRANSACTIONS = new Set<PropertyKey>(['multi', 'MULTI']);

/**
 * The client with a deadline on every command. node-redis' own `commandOptions.timeout` covers
 * only a command's wait to be written, not its wait for the reply: a Redis that is connected but
 * does not answer (paused, swapping, a half-open link) would hold every request that needs it,
 * for as long as it stays silent. Here the caller's promise rejects at the deadline instead; a
 * reply that comes later is dropped. One timer per command, no other cost on the hot path.
 * A transaction (`multi()…exec()`, used by the rate limiter) gets the deadline on its `exec`.
 * `observe`, when given, hears how long each command took and whether it failed (the deadline included).
 */
export function withCommandDeadline<T extends object>(client: T, ms: number, observe?: CommandObserver): T {
  const wrappers = new Map<PropertyKey, unknown>();
  const timed: T = new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || UNTIMED.has(property)) return value;
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        const method = value as (...args: unknown[]) => unknown;
        wrapper = (...args: unknown[]): unknown => {
          const result = method.apply(target, args);
          if (result instanceof Promise) return deadline(result, ms, observe);
          // A chained call (`multi().set(…)`) stays on the timed side.
          if (result === target) return timed;
          if (TRANSACTIONS.has(property) && typeof result === 'object' && result !== null) {
            return withCommandDeadline(result, ms, observe);
          }
          return result;
        };
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
  return timed;
}

export type CommandObserver = (seconds: number, failed: boolean) => void;

/** A timer this far past its time means the process, not Redis, was held up. */
const STALLED = 1.5;

/**
 * `pending`, or a RedisDeadlineError once `ms` have passed without its settling; `observe` is told its time.
 * A timer that runs long past its time says this process was not running (a long GC pause, a
 * starved CPU), not that Redis was silent: the reply may be waiting to be read, or the command
 * still waiting to be written. Such a command gets one more period before it fails.
 */
export function deadline<T>(pending: Promise<T>, ms: number, observe?: CommandObserver): Promise<T> {
  const start = performance.now();
  let observed = false;
  const settled = (failed: boolean): void => {
    if (!observe || observed) return;
    observed = true;
    observe((performance.now() - start) / 1e3, failed);
  };
  return new Promise<T>((resolve, reject) => {
    const expire = (): void => {
      settled(true);
      reject(new RedisDeadlineError(ms));
    };
    let timer = setTimeout(() => {
      if (performance.now() - start >= STALLED * ms) timer = setTimeout(expire, ms);
      else expire();
    }, ms);
    // Settling after the deadline is a no-op, and a late rejection is handled here, not left unhandled.
    pending.then(
      (value) => {
        clearTimeout(timer);
        settled(false);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        settled(true);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
