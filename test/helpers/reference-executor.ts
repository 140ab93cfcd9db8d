import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../examples/reference-executor/executor.mjs', import.meta.url));

/** One JSON line the reference executor printed. */
interface ExecutorEvent {
  event: string;
  [key: string]: unknown;
}

export interface ReferenceExecutor {
  /** Its job webhook, for the store's `url`. */
  url: string;
  /** Everything it printed so far, one JSON line each. */
  events(): ExecutorEvent[];
  stop(): Promise<void>;
}

/**
 * Runs examples/reference-executor/executor.mjs as its own process, as an integrator would, on a
 * free loopback port: the suite's external stores point at it, so the round trip is the real one.
 */
export async function startReferenceExecutor(env: Record<string, string>): Promise<ReferenceExecutor> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: ExecutorEvent[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`the reference executor did not start: ${stderr}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`the reference executor exited (${code}): ${stderr}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        const event = JSON.parse(line) as ExecutorEvent;
        events.push(event);
        if (event.event === 'listening') {
          clearTimeout(timer);
          resolve(Number(event.port));
        }
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}/hooks/reset`,
    events: () => [...events],
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
