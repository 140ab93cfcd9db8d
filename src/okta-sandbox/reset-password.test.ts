import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_FIXTURE_PATH, loadFixtureFile, type OktaSandbox, startOktaSandbox } from './index.js';

let sb: OktaSandbox;
beforeEach(async () => {
  sb = await startOktaSandbox({ fixture: loadFixtureFile(DEMO_FIXTURE_PATH) });
});
afterEach(() => sb.close());

function userId(login: string): string {
  const user = sb.state.findUser(login);
  if (!user) throw new Error(`no demo user ${login}`);
  return user.id;
}

async function reset(id: string, query = '?sendEmail=true') {
  const res = await fetch(`${sb.url}/api/v1/users/${id}/lifecycle/reset_password${query}`, {
    method: 'POST',
    headers: { Authorization: `SSWS ${sb.apiToken}`, Accept: 'application/json' },
  });
  return { res, body: (await res.json()) as any };
}

describe('POST /api/v1/users/{id}/lifecycle/reset_password', () => {
  it('moves the user to RECOVERY, answers {} and records one email', async () => {
    const id = userId('alice.nguyen@example.com');
    const { res, body } = await reset(id);
    expect(res.status).toBe(200);
    expect(body).toEqual({});
    expect(sb.state.users.get(id)?.status).toBe('RECOVERY');
    expect(sb.state.resetEmails).toEqual([{ userId: id, at: expect.any(String) }]);
    const user = (await (await fetch(`${sb.url}/api/v1/users/${id}`, { headers: { Authorization: `SSWS ${sb.apiToken}` } })).json()) as any;
    expect(user.status).toBe('RECOVERY');
  });

  it('unlocks a LOCKED_OUT user into RECOVERY', async () => {
    const id = userId('grace.park@example.com');
    expect((await reset(id)).res.status).toBe(200);
    expect(sb.state.users.get(id)?.status).toBe('RECOVERY');
  });

  it('returns a one-time link and sends no email with sendEmail=false', async () => {
    const id = userId('bob.martinez@example.com');
    const { res, body } = await reset(id, '?sendEmail=false');
    expect(res.status).toBe(200);
    expect(body.resetPasswordUrl).toMatch(new RegExp(`^${sb.url}/reset_password/\\w+`));
    expect(sb.state.resetEmails).toEqual([]);
    expect(sb.state.resetTokens.map((t) => t.userId)).toEqual([id]);
  });

  it('answers 403 E0000038 for users whose status forbids a reset', async () => {
    for (const login of ['erin.kowalski@example.com', 'frank.li@example.com', 'kate.brown@example.com']) {
      const id = userId(login);
      const before = sb.state.users.get(id)?.status;
      const { res, body } = await reset(id);
      expect(res.status, login).toBe(403);
      expect(body).toMatchObject({ errorCode: 'E0000038', errorSummary: "This operation is not allowed in the user's current status." });
      expect(sb.state.users.get(id)?.status).toBe(before);
    }
    expect(sb.state.resetEmails).toEqual([]);
  });

  it('requires sendEmail and a known user', async () => {
    const missing = await reset(userId('alice.nguyen@example.com'), '');
    expect(missing.res.status).toBe(400);
    expect(missing.body.errorCode).toBe('E0000001');
    const unknown = await reset('00unosuchuser0000000');
    expect(unknown.res.status).toBe(404);
  });
});
