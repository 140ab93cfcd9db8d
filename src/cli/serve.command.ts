import { parseArgs } from 'node:util';
import { startResetdesk } from '../app.js';
import type { Config } from '../config/config.js';
import { AppError } from '../errors/error-codes.js';
import { stopTracing } from '../observability/tracing.js';
import { waitForSignal } from './okta-sandbox.command.js';

const ROLES = ['all', 'api', 'worker'] as const;

/** `--role` overrides ROLE: one image, started three ways behind one load balancer. */
function roleOf(config: Config, args: string[]): Config['role'] {
  let values: { role?: string | undefined };
  try {
    ({ values } = parseArgs({ args, options: { role: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new AppError('VALIDATION_FAILED', `${(err as Error).message}. Usage: resetdesk serve [--role all|api|worker]`);
  }
  if (values.role === undefined) return config.role;
  const role = ROLES.find((r) => r === values.role);
  if (!role) throw new AppError('VALIDATION_FAILED', `--role must be one of ${ROLES.join(', ')} (got "${values.role}").`);
  return role;
}

export async function serveCommand(config: Config, args: string[]): Promise<number> {
  const role = roleOf(config, args);
  const app = await startResetdesk({ ...config, role });
  const base = config.publicUrl ?? app.url;
  if (role === 'worker') {
    console.log(`resetdesk worker running (role worker); health checks on ${app.url}/healthz and /readyz`);
    return stopOnSignal(app);
  }
  const lines = [
    `resetdesk listening on ${app.url}${role === 'api' ? ' (role api: background work runs on worker instances)' : ''}`,
    `  Web app:   ${base}/${app.sandbox?.oidc ? ' (sign in as a demo user: see fixtures/README.md)' : ''}`,
    `  OpenAPI:   ${base}/api/openapi.json`,
    `  Readiness: ${base}/readyz`,
  ];
  if (app.sandbox) lines.push(`  Okta:      built-in sandbox at ${app.sandbox.url} (demo users: see fixtures/README.md)`);
  if (app.devMailbox) lines.push(`  Mail:      built-in dev mailbox — read it at ${base}/dev/mailbox`);
  if (app.sandbox) {
    lines.push(
      '',
      'Try it (in another terminal):',
      '  TOKEN=$(npx resetdesk token create --email alice.nguyen@example.com --role requester | tail -n1)',
      `  curl -s -X POST ${base}/api/v1/requests -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
      `       -d '{"app":"Expensify","justification":"Forgot my password"}'`,
      `  curl -s ${base}/dev/mailbox`,
    );
  }
  console.log(lines.join('\n'));
  return stopOnSignal(app);
}

async function stopOnSignal(app: Awaited<ReturnType<typeof startResetdesk>>): Promise<number> {
  const signal = await waitForSignal();
  app.ctx.logger.info({ signal }, 'shutting down');
  await app.stop();
  // The last requests' and jobs' spans go out before the process ends (a no-op without tracing).
  await stopTracing();
  // Jobs still running after the drain were handed to other instances; their open sockets (an
  // SMTP server that never answers) must not keep this process alive. Unref'd: a process with
  // nothing left exits at once without it.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}
