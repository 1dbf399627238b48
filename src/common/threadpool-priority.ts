import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value of libuv's threadpool threads in a server process: the lowest CPU priority. */
export const THREADPOOL_NICE = 19;

export interface ThreadpoolPriority {
  /** libuv threadpool threads found and set to nice THREADPOOL_NICE. */
  threads: number;
  /** How many of them also run under SCHED_IDLE. */
  idle: number;
}

/**
 * Gives libuv's threadpool threads, where argon2 hashes passwords, the lowest CPU priority, so that
 * on a busy core the event loop preempts a hash instead of waiting behind it: a login storm then
 * barely delays guarded requests (`npm run bench`, "storm"). Logins still get every cycle the event
 * loop leaves.
 *
 * Each thread gets nice 19, then SCHED_IDLE through `chrt` (util-linux; Node has no call for a
 * thread's scheduling policy). Nice 19 alone is not enough on Linux's scheduler: a hash thread that
 * is running keeps the core for the rest of its time slice when the event loop wakes, so the event
 * loop waited on the run queue about three times as long during a storm as without one; a
 * SCHED_IDLE thread is preempted at once (README, "Decisions"). Without `chrt` the threads keep
 * nice 19.
 *
 * Linux only (a thread's priority is its own there); the threads are found by the name libuv gives
 * them, `libuv-worker`, which Node 20's libuv does not, so there it does nothing. Call it once the
 * pool exists (it starts with the first hash, at module init).
 */
export function lowerThreadpoolPriority(): ThreadpoolPriority {
  const result = { threads: 0, idle: 0 };
  if (process.platform !== 'linux') return result;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'libuv-worker') continue;
      setPriority(Number(tid), THREADPOOL_NICE);
      result.threads++;
    } catch {
      // A thread that ended meanwhile, or a system that refuses: the priority stays as it was.
      continue;
    }
    try {
      execFileSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 5_000 });
      result.idle++;
    } catch {
      // No chrt, or it was refused: nice 19 stays.
    }
  }
  return result;
}
