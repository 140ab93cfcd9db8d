import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { createApiToken, revokeApiToken } from '../db/repositories/token.repository.js';
import { ROLES } from '../domain/types.js';
import { AppError } from '../errors/error-codes.js';

const createArgs = z.object({
  email: z.email({ error: '--email must be an email address' }),
  role: z.enum(ROLES, { error: `--role must be one of ${ROLES.join(', ')}` }),
  label: z.string().max(200).optional(),
});

export async function tokenCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { email: { type: 'string' }, role: { type: 'string' }, label: { type: 'string' } },
    });
    const parsed = createArgs.safeParse(values);
    if (!parsed.success) throw new AppError('VALIDATION_FAILED', parsed.error.issues.map((i) => i.message).join('; '));
    const database = openDatabase(config.databaseUrl);
    try {
      await migrateToLatest(database.db);
      const { id, token } = await createApiToken(database.db, parsed.data);
      console.log(`Created ${parsed.data.role} token ${id} for ${parsed.data.email.toLowerCase()}. It is shown once; store it now.`);
      console.log(token); // alone on the last line, so scripts can take it with `tail -n1`
      return 0;
    } finally {
      await database.close();
    }
  }
  if (sub === 'revoke') {
    const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
    const id = positionals[0];
    if (!id) throw new AppError('VALIDATION_FAILED', 'Usage: resetdesk token revoke ID');
    const database = openDatabase(config.databaseUrl);
    try {
      await migrateToLatest(database.db);
      if (!(await revokeApiToken(database.db, id))) throw new AppError('NOT_FOUND', `No active token with id ${id}.`);
      console.log(`Revoked token ${id}.`);
      return 0;
    } finally {
      await database.close();
    }
  }
  throw new AppError('VALIDATION_FAILED', 'Usage: resetdesk token create --email E --role ROLE | resetdesk token revoke ID');
}
