import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeamsConnector } from '../src/connectors/teams/index.js';
import { isAppError } from '../src/errors/error-codes.js';
import { type FakeTeams, startFakeTeams } from './helpers/fake-teams.js';

/** The connector's outbound side against the fake Microsoft over HTTP: the token grant, its cache, the Bot Connector calls. */
describe('Teams connector (outbound)', () => {
  let teams: FakeTeams;
  const settings = () => ({
    appId: teams.appId,
    appPassword: teams.appPassword,
    tenantId: teams.tenantId,
    loginUrl: teams.loginUrl,
    openIdMetadataUrl: teams.openIdMetadataUrl,
    serviceUrl: teams.serviceUrl,
  });
  const to = () => ({ serviceUrl: teams.serviceUrl, conversationId: 'a:1chat', tenantId: teams.tenantId });

  beforeAll(async () => {
    teams = await startFakeTeams();
    teams.members.set('29:upn', { aadObjectId: randomUUID(), name: 'Upn', userPrincipalName: 'Bob@Example.com' });
    teams.members.set('29:none', { aadObjectId: randomUUID(), name: 'None' });
  });
  afterAll(async () => teams?.close());

  it('fetches one token for many calls, and sends it only with them', async () => {
    const connector = createTeamsConnector(settings());
    const before = teams.tokenRequests();
    const first = await connector.send(to(), { text: 'one' });
    await connector.send(to(), { text: 'two' });
    await connector.update(to(), first.id, { text: 'one, edited' });
    expect(teams.tokenRequests() - before).toBe(1);
    const calls = teams.calls();
    expect(new Set(calls.map((c) => c.token)).size).toBe(1);
    expect(calls.map((c) => [c.method, c.targetId])).toEqual([
      ['POST', null],
      ['POST', null],
      ['PUT', first.id],
    ]);
    expect(calls[0]!.body).toMatchObject({
      type: 'message',
      text: 'one',
      conversation: { id: 'a:1chat' },
      channelData: { tenant: { id: teams.tenantId } },
    });
  });

  it('reads a member’s email, else their userPrincipalName, lower-cased; null for a stranger', async () => {
    const connector = createTeamsConnector(settings());
    expect(await connector.member(to(), '29:upn')).toMatchObject({ email: 'bob@example.com' });
    expect(await connector.member(to(), '29:none')).toMatchObject({ email: null });
    expect(await connector.member(to(), '29:stranger')).toBeNull();
  });

  it('a refused secret is TEAMS_ERROR naming the variables, never the secret', async () => {
    const connector = createTeamsConnector({ ...settings(), appPassword: 'a-wrong-secret-value' });
    const err = await connector.send(to(), { text: 'x' }).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('TEAMS_ERROR');
    expect((err as Error).message).toMatch(/MICROSOFT_APP_PASSWORD/);
    expect((err as Error).message).toMatch(/invalid_client/);
    expect((err as Error).message).not.toContain('a-wrong-secret-value');
  });

  it('an unreachable Bot Connector is TEAMS_UNAVAILABLE (retried by the job)', async () => {
    const connector = createTeamsConnector(settings());
    const err = await connector.send({ ...to(), serviceUrl: 'http://127.0.0.1:9/' }, { text: 'x' }).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('TEAMS_UNAVAILABLE');
  });
});
