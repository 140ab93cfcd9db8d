import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nearCatalogApps } from '../src/domain/app-match.js';
import { parseAppsCsv } from '../src/services/app-csv.js';
import { receiveChatMessage } from '../src/services/conversation.service.js';
import { DIALECTS } from './helpers/databases.js';
import { errorOf, NO_COOLDOWN, startTestContext, type TestContext } from './helpers/test-context.js';
import { APPS } from './helpers/test-org.js';

/** App aliases: other names a catalog app is requested by, unique across the catalog. */
describe('aliases in the matcher and the CSV parser', () => {
  it('a typo of an alias offers the app it names, once', () => {
    const apps = [
      { name: 'Microsoft Office 365', aliases: ['o365', 'outlook'] },
      { name: 'Expensify', aliases: [] },
    ];
    expect(nearCatalogApps('outlok', apps)).toEqual(['Microsoft Office 365']);
    expect(nearCatalogApps('expensfy', apps)).toEqual(['Expensify']);
    expect(nearCatalogApps('zzz', apps)).toEqual([]);
  });

  it('reads the aliases column (| separated), and the seed header still imports as is', () => {
    const seed = parseAppsCsv('App,URL,oktaID\nMyApp,https://myapp.example.com/reset,0oa1\n');
    expect(seed[0]).not.toHaveProperty('aliases');
    const withAliases = parseAppsCsv('App,URL,oktaID,aliases\nMicrosoft Office 365,,, o365 | outlook \nOther,,,\n');
    expect(withAliases.map((a) => [a.name, a.aliases])).toEqual([
      ['Microsoft Office 365', ['o365', 'outlook']],
      ['Other', []],
    ]);
  });

  it('refuses aliases that repeat, name the app itself, clash within the file, or are too many or too long', () => {
    const bad = (csv: string) => {
      try {
        parseAppsCsv(csv);
      } catch (err) {
        return (err as Error).message;
      }
      return 'imported';
    };
    expect(bad('App,URL,oktaID,aliases\nA,,,x|X\n')).toContain('line 2: alias "X" appears twice');
    expect(bad('App,URL,oktaID,aliases\nAlpha,,,alpha\n')).toContain(`alias "alpha" is the app's own name`);
    expect(bad('App,URL,oktaID,aliases\nAlpha,,,beta\nBeta,,,\n')).toContain('line 3: App "Beta" is already an alias on line 2');
    expect(bad('App,URL,oktaID,aliases\nAlpha,,,gamma\nBeta,,,GAMMA\n')).toContain(
      'line 3: alias "GAMMA" is already a name or alias on line 2',
    );
    const many = Array.from({ length: 21 }, (_, i) => `a${i}`).join('|');
    expect(bad(`App,URL,oktaID,aliases\nAlpha,,,${many}\n`)).toContain('has 21 aliases; at most 20');
    expect(bad(`App,URL,oktaID,aliases\nAlpha,,,${'x'.repeat(101)}\n`)).toContain('longer than 100 characters');
  });
});

describe.each(DIALECTS)('app aliases on %s', (dialect) => {
  let t: TestContext;
  let admin: string;
  let alice: string;

  beforeAll(async () => {
    t = await startTestContext(dialect, { policy: NO_COOLDOWN });
    admin = await t.token('root@example.com', 'admin');
    alice = await t.token('alice@example.com');
  });
  afterAll(async () => t?.close());

  const catalog = async () => (await t.client(admin).GET('/api/v1/apps')).data!.apps;
  const appNamed = async (name: string) => (await catalog()).find((a) => a.name === name)!;
  const setAliases = async (name: string, aliases: string[]) =>
    t.client(admin).PATCH('/api/v1/apps/{id}', { params: { path: { id: (await appNamed(name)).id } }, body: { aliases } });
  const csvImport = (csv: string) =>
    t.raw('POST', '/api/v1/apps/import', { token: admin, rawBody: csv, headers: { 'content-type': 'text/csv' } });

  it('the API takes and returns aliases, trimmed', async () => {
    const created = await t.client(admin).POST('/api/v1/apps', {
      body: { name: 'Microsoft Office 365', sensitive: false, resetMethod: 'auto', aliases: [' o365 ', 'Outlook'] },
    });
    expect(created.response.status).toBe(201);
    expect(created.data?.aliases).toEqual(['o365', 'Outlook']);
    expect((await appNamed('Microsoft Office 365')).aliases).toEqual(['o365', 'Outlook']);
    const edited = await setAliases('Microsoft Office 365', ['o365']);
    expect(edited.data?.aliases).toEqual(['o365']);
    // An edit without aliases keeps them.
    const renamed = await t
      .client(admin)
      .PATCH('/api/v1/apps/{id}', { params: { path: { id: created.data!.id } }, body: { sensitive: true } });
    expect(renamed.data?.aliases).toEqual(['o365']);
  });

  it('validates aliases: non-empty, at most 20 of at most 100 characters, no repeats', async () => {
    for (const [aliases, text] of [
      [['  '], 'must not be empty'],
      [Array.from({ length: 21 }, (_, i) => `x${i}`), 'at most 20'],
      [['y'.repeat(101)], 'at most 100'],
      [['dup', 'DUP'], 'must not repeat'],
    ] as const) {
      const res = await t.raw('PATCH', `/api/v1/apps/${(await appNamed('Intranet')).id}`, { token: admin, body: { aliases } });
      expect(res.status, JSON.stringify(aliases)).toBe(400);
      expect(errorOf(res)?.message).toContain(text);
    }
  });

  it('refuses an alias another app has as name or alias with a 400 naming both apps', async () => {
    const asName = await setAliases('Intranet', ['salesforce']);
    expect(asName.response.status).toBe(400);
    expect(asName.error?.error.code).toBe('APP_ALIAS_CLASH');
    expect(asName.error?.error.message).toBe('"salesforce" of "Intranet" is already a name or alias of "Salesforce".');
    const asAlias = await setAliases('Intranet', ['O365']);
    expect(asAlias.error?.error.message).toBe('"O365" of "Intranet" is already a name or alias of "Microsoft Office 365".');
    const newName = await t.client(admin).POST('/api/v1/apps', { body: { name: 'o365', sensitive: false, resetMethod: 'auto' } });
    expect([newName.response.status, newName.error?.error.code]).toEqual([400, 'APP_ALIAS_CLASH']);
    expect(newName.error?.error.message).toContain('"Microsoft Office 365"');
    expect((await appNamed('Intranet')).aliases).toEqual([]);
  });

  it('a request by alias is for the app it names (API)', async () => {
    await setAliases('Expensify', ['expenses']);
    const res = await t.create(alice, { app: 'EXPENSES', justification: 'alias' });
    expect(res.status).toBe(201);
    // Filed under the app's name, so duplicates and the cooldown see one app whichever name is typed.
    expect(await t.waitForStatus(res.data!.request_id, alice, ['Closed'])).toMatchObject({ app: 'Expensify', resolution: 'Completed' });
    // A name nobody has is still not guessed.
    const unknown = await t.create(alice, { app: 'expensesss', justification: 'typo' });
    expect((await t.waitForStatus(unknown.data!.request_id, alice, ['Waiting', 'Closed'])).status).not.toBe('Completed');
  });

  it('a request by alias is for the app it names (chat)', async () => {
    await setAliases('Salesforce', ['sfdc']);
    const say = (text: string) =>
      receiveChatMessage(t.app.ctx, { channel: 'slack', key: `alias/${dialect}`, requester: 'alice@example.com', author: 'alice', text });
    expect((await say('reset please')).replies).toEqual([{ text: "Which app's password should be reset?" }]);
    expect((await say('sfdc')).replies).toEqual([{ text: 'Why do you need the reset?' }]);
    const filed = await say('forgot it after holiday');
    const id = filed.requestId!;
    expect(id).toBeTruthy();
    expect((await t.request(id, alice)).app).toBe('Salesforce');
    // Salesforce's way (verify, then approvers), not an unknown app's question.
    expect((await t.waitForStatus(id, alice, ['Verifying', 'Escalated', 'Waiting', 'Closed'])).status).toMatch(/Verifying|Escalated/);
  });

  it('CSV: with and without the aliases column, clashes refused, export imports back unchanged', async () => {
    const before = await appNamed('Expensify');
    // Without the column the aliases stay.
    expect((await csvImport(`App,URL,oktaID\nExpensify,https://expensify.example.com/reset,${APPS.expensify}\n`)).status).toBe(200);
    expect((await appNamed('Expensify')).aliases).toEqual(before.aliases);
    // With it they are replaced.
    const res = await csvImport(
      `App,URL,oktaID,aliases\nExpensify,https://expensify.example.com/reset,${APPS.expensify},expenses|receipts\n`,
    );
    expect(res.status).toBe(200);
    expect((await appNamed('Expensify')).aliases).toEqual(['expenses', 'receipts']);
    // An alias of an app the file does not list: refused, nothing stored.
    const clash = await csvImport('App,URL,oktaID,aliases\nNew Thing,,,sfdc\n');
    expect([clash.status, errorOf(clash)?.code]).toEqual([400, 'APP_ALIAS_CLASH']);
    expect(errorOf(clash)?.message).toContain('"Salesforce"');
    expect((await catalog()).some((a) => a.name === 'New Thing')).toBe(false);

    const exported = await t.raw('GET', '/api/v1/apps/export.csv', { token: admin });
    const csv = exported.body as string;
    expect(csv.split('\r\n')[0]).toBe('App,URL,oktaID,sensitive,approverGroup,resetMethod,store,aliases');
    expect(csv).toContain('Expensify,https://expensify.example.com/reset,');
    expect(csv).toContain('expenses|receipts');
    const all = await catalog();
    expect((await csvImport(csv)).body).toEqual({ created: 0, updated: all.length });
    expect(await catalog()).toEqual(all);
  });
});
