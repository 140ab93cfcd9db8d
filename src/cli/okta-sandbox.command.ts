import { parseArgs } from 'node:util';
import { AppError } from '../errors/error-codes.js';
import { DEMO_FIXTURE_PATH, loadFixtureFile, type PendingPush, runSandboxCli } from '../okta-sandbox/index.js';

/**
 * `resetdesk okta-sandbox [--port N] [--host H] [--fixture FILE] [--latency MS]` starts the
 * sandbox. Its control subcommands act as the user's phone and browser on a running one (see
 * src/okta-sandbox/control-routes.ts); each takes `--url` (default http://127.0.0.1:8081) and
 * `--token` (default: the demo fixture's SSWS token):
 *
 *   okta-sandbox push list                          pushes waiting for an answer
 *   okta-sandbox push approve|reject --user LOGIN   answers the user's latest waiting push (or --tx ID)
 *   okta-sandbox codes [--user LOGIN]               SMS / email codes sent
 *   okta-sandbox totp --user LOGIN                  the code the user's authenticator app shows now
 *   okta-sandbox password-changed --user LOGIN      the user sets a new password (after a reset link)
 */
const CONTROL_COMMANDS = new Set(['push', 'codes', 'totp', 'password-changed']);

export async function oktaSandboxCommand(args: string[]): Promise<number> {
  if (args[0] && CONTROL_COMMANDS.has(args[0])) return controlCommand(args[0], args.slice(1));
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

async function controlCommand(command: string, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8081' },
      token: { type: 'string' },
      user: { type: 'string' },
      tx: { type: 'string' },
    },
  });
  const base = values.url.replace(/\/+$/, '');
  const token = values.token ?? loadFixtureFile(DEMO_FIXTURE_PATH).apiToken;
  const call = async (method: 'GET' | 'POST', path: string): Promise<unknown> => {
    const res = await fetch(`${base}${path}`, { method, headers: { Authorization: `SSWS ${token}`, Accept: 'application/json' } });
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    if (!res.ok) throw new AppError('VALIDATION_FAILED', `The sandbox answered ${res.status}: ${body.message ?? 'no details'}`);
    return body;
  };
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  const user = (): string => {
    if (!values.user) throw new AppError('VALIDATION_FAILED', `okta-sandbox ${command} needs --user LOGIN`);
    return encodeURIComponent(values.user);
  };

  if (command === 'push') {
    const action = positionals[0] ?? 'list';
    if (action === 'list') {
      print(await call('GET', '/sandbox/push'));
      return 0;
    }
    if (action !== 'approve' && action !== 'reject')
      throw new AppError('VALIDATION_FAILED', 'usage: okta-sandbox push list|approve|reject');
    let tx = values.tx;
    if (!tx) {
      const login = decodeURIComponent(user()).toLowerCase();
      const pending = (await call('GET', '/sandbox/push')) as PendingPush[];
      tx = pending.filter((p) => p.login.toLowerCase() === login || p.userId === values.user).at(-1)?.transactionId;
      if (!tx) throw new AppError('VALIDATION_FAILED', `No push is waiting for ${values.user}.`);
    }
    print(await call('POST', `/sandbox/push/${encodeURIComponent(tx)}/${action}`));
    return 0;
  }
  if (command === 'codes') {
    print(await call('GET', `/sandbox/codes${values.user ? `?user=${encodeURIComponent(values.user)}` : ''}`));
    return 0;
  }
  if (command === 'totp') {
    print(await call('GET', `/sandbox/users/${user()}/totp`));
    return 0;
  }
  print(await call('POST', `/sandbox/users/${user()}/password`));
  return 0;
}
