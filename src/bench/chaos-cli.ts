/**
 * `npm run chaos`: the chaos run (chaos.ts) at full size, its figures as a table. Settings from
 * the environment: CHAOS_REQUESTS (1000), CHAOS_INSTANCES (3), CHAOS_KILL_EVERY_MS (3000),
 * CHAOS_CLIENTS (16), CHAOS_PACE_MS (20: each client's pause between requests), and the PostgreSQL server in TEST_DATABASE_URL (default the local one).
 * Exits 1 when a check fails, never because of speed.
 */
import { cpus } from 'node:os';
import { runChaos } from './chaos.js';

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number`);
  return v;
};

const options = {
  postgresUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  requests: num('CHAOS_REQUESTS', 1000),
  instances: num('CHAOS_INSTANCES', 3),
  killEveryMs: num('CHAOS_KILL_EVERY_MS', 3000),
  clients: num('CHAOS_CLIENTS', 16),
  paceMs: num('CHAOS_PACE_MS', 20),
};
console.log(
  `chaos: ${options.requests} requests, ${options.instances} instances on PostgreSQL, one killed (SIGKILL) every ${options.killEveryMs} ms; ${cpus().length} cores, Node ${process.version}`,
);
const report = await runChaos(options);
const width = Math.max(...Object.keys(report.figures).map((k) => k.length));
for (const [name, value] of Object.entries(report.figures)) console.log(`  ${name.padEnd(width)}  ${value}`);
if (report.problems.length > 0) {
  console.log('\nproblems:');
  for (const p of report.problems) console.log(`  - ${p}`);
  process.exitCode = 1;
} else {
  console.log('\nall checks passed');
}
