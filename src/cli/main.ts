import { loadConfig } from '../config/config.js';
import { AppError } from '../errors/error-codes.js';
import { VERSION } from '../version.js';
import { appsCommand } from './apps.command.js';
import { auditCommand } from './audit.command.js';
import { migrateCommand } from './migrate.command.js';
import { oktaSandboxCommand } from './okta-sandbox.command.js';
import { openapiCommand } from './openapi.command.js';
import { policyCommand } from './policy.command.js';
import { reportCommand } from './report.command.js';
import { serveCommand } from './serve.command.js';
import { tokenCommand } from './token.command.js';

export const USAGE = `resetdesk ${VERSION} — password-reset requests, resolved end to end

Usage:
  resetdesk serve [--role all|api|worker]  start the API and background worker (api: HTTP only;
                                           worker: background work and health checks; default ROLE or all)
  resetdesk migrate                        apply database migrations
  resetdesk apps import FILE.csv           import the app catalog (header App,URL,oktaID[,sensitive,approverGroup,resetMethod])
  resetdesk apps list                      print the app catalog
  resetdesk apps sync [--dry-run]          add and update catalog apps from Okta (--dry-run: print the changes only)
  resetdesk report coverage [--json | --csv]
                                           every app's reset path under the current policy, its gaps
                                           and what closes them (a table; --json, --csv)
  resetdesk token create --email E --role requester|approver|admin|intake [--label L]
                                           create an API token (printed alone on the last line)
  resetdesk token revoke ID                revoke an API token
  resetdesk audit verify [--anchor SEQ:HASH]
                                           check the audit log's hash chain (exit 1 names the first broken event)
  resetdesk audit export [--since WHEN] [--until WHEN] [--out FILE]
                                           write the audit log as JSON Lines (for a SIEM)
  resetdesk okta-sandbox [--port N] [--host H] [--fixture FILE] [--latency MS]
                                           run the built-in Okta sandbox alone
  resetdesk okta-sandbox push list|approve|reject --user LOGIN [--tx ID] [--url URL]
                                           the demo's phone: answer an Okta Verify push
  resetdesk okta-sandbox codes [--user LOGIN] | totp --user LOGIN | password-changed --user LOGIN
                                           SMS / email codes sent, a TOTP code, a new password set
  resetdesk openapi                        print the OpenAPI document of the HTTP API
  resetdesk policy check FILE              validate a policy file; prints FILE:LINE: path: problem for every error
  resetdesk policy show                    print the policy in force (version, source, last sync, YAML)

Configuration comes from environment variables (see docs/configuration.md), e.g.
  DATABASE_URL=sqlite:./data/resetdesk.db   PORT=3000   OKTA_ORG_URL=…   SMTP_URL=…`;

/** Runs the CLI; returns the exit code. Errors become one clear line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(loadConfig(), rest);
      case 'migrate':
        return await migrateCommand(loadConfig(), rest);
      case 'apps':
        return await appsCommand(loadConfig(), rest);
      case 'token':
        return await tokenCommand(loadConfig(), rest);
      case 'report':
        return await reportCommand(loadConfig(), rest);
      case 'audit':
        return await auditCommand(loadConfig(), rest);
      case 'policy':
        return await policyCommand(rest, () => loadConfig());
      case 'okta-sandbox':
        return await oktaSandboxCommand(rest);
      case 'openapi':
        return await openapiCommand();
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 1 : 0;
      case '--version':
      case '-v':
        console.log(VERSION);
        return 0;
      default:
        console.error(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof AppError) {
      console.error(err.message);
      return err.code === 'CONFIG_INVALID' ? 78 : 1; // 78 = EX_CONFIG
    }
    const e = err as { code?: string; message?: string };
    if (e.code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(e.message ?? String(err));
    return 1;
  }
}
