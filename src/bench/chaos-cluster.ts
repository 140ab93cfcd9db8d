import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

/** The CLI, from src/bench (tests) or dist/bench (npm run chaos): both sit two folders down. */
const BIN = new URL('../../bin/resetdesk.js', import.meta.url).pathname;
const READY_TIMEOUT_MS = 30_000;

interface Instance {
  child: ChildProcessWithoutNullStreams;
  url: string | null;
  output: string;
}

/**
 * Several `resetdesk serve` processes on one database, each a real process that can be killed
 * with SIGKILL and started again, as a crash and a supervisor's restart would. Callers take the
 * next live instance's URL round-robin; an instance being restarted is skipped until it listens.
 */
export interface Cluster {
  /** The next live instance's base URL (round-robin); waits while none is up. */
  next(): Promise<string>;
  /** Every instance's base URL, by slot (null while one is being restarted). */
  urls(): (string | null)[];
  /** SIGKILLs instance `slot` and starts a new process in its place; resolves once it listens. */
  killAndRestart(slot: number): Promise<void>;
  /** Sends `signal` to every live instance (e.g. SIGUSR2 for a heap snapshot, see bench-harness.ts). */
  signal(signal: NodeJS.Signals): void;
  readonly size: number;
  /** Everything the instances printed (for a failed run's report). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `size` instances with `env` (plus PATH and PORT=0). `nodeArgs` go to node before the
 * CLI, e.g. `--cpu-prof` (which NODE_OPTIONS does not accept).
 */
export async function startCluster(size: number, env: Record<string, string>, nodeArgs: string[] = []): Promise<Cluster> {
  const slots: Instance[] = [];
  let turn = 0;
  let log = '';
  // Should the caller die without stop() (an uncaught error, process.exit), no instance outlives it.
  const killAll = () => {
    for (const s of slots) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  };
  process.on('exit', killAll);

  function launch(): Promise<Instance> {
    const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve'], { env: { PATH: process.env.PATH ?? '', ...env, PORT: '0' } });
    const instance: Instance = { child, url: null, output: '' };
    const collect = (d: Buffer) => {
      instance.output += d.toString();
      log += d.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`an instance did not start: ${instance.output}`));
      }, READY_TIMEOUT_MS);
      const check = () => {
        const url = instance.output.match(/resetdesk listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
        if (!url) return;
        clearTimeout(timer);
        child.stdout.off('data', check);
        instance.url = url;
        resolve(instance);
      };
      child.stdout.on('data', check);
      child.once('exit', (code, signal) => {
        instance.url = null;
        clearTimeout(timer);
        reject(new Error(`an instance exited (${code ?? signal}): ${instance.output}`));
      });
    });
  }

  try {
    for (let i = 0; i < size; i++) slots.push(await launch());
  } catch (err) {
    killAll();
    process.off('exit', killAll);
    throw err;
  }

  return {
    size,
    async next() {
      for (let waited = 0; waited < READY_TIMEOUT_MS; waited += 20) {
        for (let i = 0; i < slots.length; i++) {
          const instance = slots[turn++ % slots.length];
          if (instance?.url) return instance.url;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('no instance is up');
    },
    async killAndRestart(slot) {
      const old = slots[slot];
      if (!old) throw new Error(`no instance ${slot}`);
      old.url = null;
      old.child.removeAllListeners('exit');
      const gone = new Promise((resolve) => old.child.once('exit', resolve));
      old.child.kill('SIGKILL');
      await gone;
      const fresh = launch();
      // The slot stays empty (skipped by next()) until the new process listens.
      slots[slot] = { ...old, url: null };
      slots[slot] = await fresh;
    },
    urls: () => slots.map((s) => s.url),
    signal(signal) {
      for (const s of slots) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill(signal);
    },
    output: () => log,
    async stop() {
      process.off('exit', killAll);
      await Promise.all(
        slots.map(async (s) => {
          s.url = null;
          if (s.child.exitCode !== null || s.child.signalCode !== null) return;
          s.child.removeAllListeners('exit');
          const gone = new Promise((resolve) => s.child.once('exit', resolve));
          s.child.kill('SIGTERM');
          await gone;
        }),
      );
    },
  };
}
