import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runEvery } from './policy-schedule.js';

describe('runEvery (the policy sync and reload schedule)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the task once per interval, not before the first', async () => {
    const task = vi.fn(async () => undefined);
    const schedule = runEvery(15 * 60_000, task, () => undefined);
    await vi.advanceTimersByTimeAsync(15 * 60_000 - 1);
    expect(task).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(task).toHaveBeenCalledTimes(3);
    await schedule.stop();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(task).toHaveBeenCalledTimes(3);
  });

  it('skips a tick while the previous run is still going, and reports errors without stopping', async () => {
    let release: () => void = () => undefined;
    const errors: unknown[] = [];
    let calls = 0;
    const task = vi.fn(() => {
      calls++;
      if (calls === 1) return new Promise<void>((r) => (release = r));
      return Promise.reject(new Error(`boom ${calls}`));
    });
    const schedule = runEvery(1000, task, (err) => errors.push(err));
    await vi.advanceTimersByTimeAsync(3000); // the first run is still going: ticks 2 and 3 are skipped
    expect(task).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(2);
    expect(errors).toEqual([new Error('boom 2')]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(3);
    await schedule.stop();
  });

  it('stop() waits for a run under way', async () => {
    let release: () => void = () => undefined;
    let finished = false;
    const schedule = runEvery(
      1000,
      () =>
        new Promise<void>((r) => {
          release = () => {
            finished = true;
            r();
          };
        }),
      () => undefined,
    );
    await vi.advanceTimersByTimeAsync(1000);
    const stopped = schedule.stop();
    release();
    await stopped;
    expect(finished).toBe(true);
  });
});
