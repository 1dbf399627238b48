import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value of libuv's threadpool threads in a server process: the lowest CPU priority. */
export const THREADPOOL_NICE = 19;

/**
 * Gives libuv's threadpool threads, where argon2 hashes passwords, the lowest CPU priority, so that
 * on a busy core the event loop preempts a hash instead of waiting behind it: a login storm then
 * barely delays guarded requests (`npm run bench`, "storm"). Logins still get every cycle the event
 * loop leaves. Linux only (a thread's nice value is its own there); the threads are found by the
 * name libuv gives them, `libuv-worker`, which Node 20's libuv does not, so there it does nothing.
 * Call it once the pool exists (it starts with the first hash, at module init). Returns how many
 * threads it lowered.
 */
export function lowerThreadpoolPriority(): number {
  if (process.platform !== 'linux') return 0;
  let lowered = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'libuv-worker') continue;
      setPriority(Number(tid), THREADPOOL_NICE);
      lowered++;
    } catch {
      // A thread that ended meanwhile, or a system that refuses: the priority stays as it was.
    }
  }
  return lowered;
}
