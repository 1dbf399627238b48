import { setTimeout as sleep } from 'node:timers/promises';
import { Housekeeping } from './housekeeping.js';

/** A task whose runs end only when the test says so. */
function gatedTask() {
  const gates: Array<() => void> = [];
  let started = 0;
  const task = () => {
    started++;
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  return { task, started: () => started, finish: () => gates.shift()?.() };
}

describe('Housekeeping', () => {
  it('stop() resolves only once the run in flight has ended, and no run starts after it', async () => {
    const gated = gatedTask();
    const h = new Housekeeping(gated.task, () => undefined);
    h.start(10);
    await sleep(30);
    expect(gated.started()).toBe(1);

    let stopped = false;
    const stopping = h.stop().then(() => (stopped = true));
    await sleep(30);
    expect(stopped).toBe(false);

    gated.finish();
    await stopping;
    expect(stopped).toBe(true);
    await sleep(40);
    expect(gated.started()).toBe(1);
  });

  it('runs one at a time: ticks while a run is in flight start nothing', async () => {
    const gated = gatedTask();
    const h = new Housekeeping(gated.task, () => undefined);
    h.start(5);
    await sleep(50);
    expect(gated.started()).toBe(1);
    gated.finish();
    await sleep(30);
    expect(gated.started()).toBe(2);
    const stopping = h.stop();
    gated.finish();
    await stopping;
  });

  it('reports a failure by its message, never rejects, and tries again on the next tick', async () => {
    const failures: string[] = [];
    let calls = 0;
    const h = new Housekeeping(
      () => (++calls === 1 ? Promise.reject(new Error('database is locked')) : Promise.resolve()),
      (message) => failures.push(message),
    );
    await expect(h.run()).resolves.toBeUndefined();
    expect(failures).toEqual(['database is locked']);
    h.start(5);
    await sleep(30);
    await h.stop();
    expect(calls).toBeGreaterThan(1);
    expect(failures).toHaveLength(1);
  });
});
