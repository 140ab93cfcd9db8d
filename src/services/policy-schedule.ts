/**
 * Runs `task` every `intervalMs` in the background: never two runs at once (a tick that finds the
 * previous run still going is skipped), errors go to `onError`, and the timer does not keep the
 * process alive. `stop()` clears the timer and waits for a run under way.
 */
export function runEvery(intervalMs: number, task: () => Promise<unknown>, onError: (err: unknown) => void): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = task()
      .then(() => undefined, onError)
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref?.();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
