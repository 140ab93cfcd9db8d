import { parseArgs } from 'node:util';
import { AppError } from '../errors/error-codes.js';
import { runSandboxCli } from '../okta-sandbox/index.js';

export async function oktaSandboxCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '8081' },
      host: { type: 'string', default: '127.0.0.1' },
      fixture: { type: 'string' },
      latency: { type: 'string', default: '0' },
    },
  });
  const port = Number(values.port);
  const latencyMs = Number(values.latency);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new AppError('VALIDATION_FAILED', `--port must be a port number, got "${values.port}"`);
  if (!Number.isFinite(latencyMs) || latencyMs < 0)
    throw new AppError('VALIDATION_FAILED', `--latency must be milliseconds >= 0, got "${values.latency}"`);
  const sandbox = await runSandboxCli({ port, host: values.host, ...(values.fixture ? { fixturePath: values.fixture } : {}), latencyMs });
  await waitForSignal();
  await sandbox.close();
  return 0;
}

export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
