import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Background, DRAIN_MS } from './background.js';

describe('Background', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('shutdown waits for work in flight that ends', async () => {
    const background = new Background();
    let done = false;
    background.run('test', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      done = true;
    });
    await background.onModuleDestroy();
    expect(done).toBe(true);
  });

  it('shutdown stops waiting after DRAIN_MS for work that hangs (a stalled mail server), and says so', async () => {
    jest.useFakeTimers();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const background = new Background();
    background.run('test', () => new Promise<void>(() => undefined));
    let stopped = false;
    const stop = background.onModuleDestroy().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(DRAIN_MS - 1);
    expect(stopped).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await stop;
    expect(stopped).toBe(true);
    expect(warn).toHaveBeenCalledWith({ tasks: 1 }, 'Shutdown did not wait for background work');
  });

  it('a failing task is logged by its name and message, never rejects the shutdown', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const background = new Background();
    background.run('Verification mail', () => Promise.reject(new Error('connection refused')));
    await expect(background.onModuleDestroy()).resolves.toBeUndefined();
    expect(error).toHaveBeenCalledWith({ err: 'connection refused' }, 'Verification mail failed');
  });
});
