import { startResetdesk } from '../app.js';
import type { Config } from '../config/config.js';
import { waitForSignal } from './okta-sandbox.command.js';

export async function serveCommand(config: Config, _args: string[]): Promise<number> {
  const app = await startResetdesk(config);
  const base = config.publicUrl ?? app.url;
  const lines = [
    `resetdesk listening on ${app.url}`,
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
  const signal = await waitForSignal();
  app.ctx.logger.info({ signal }, 'shutting down');
  await app.stop();
  return 0;
}
