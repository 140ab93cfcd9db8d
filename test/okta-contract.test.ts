/**
 * Okta contract test: resetdesk's Okta connector talks to the built-in Okta sandbox THROUGH
 * Stoplight Prism in proxy mode, loaded with Okta's published Management API spec. Prism checks
 * every request the connector sends and every response the sandbox returns; any violation —
 * from Prism's log or from the `sl-violations` header / problem+json answers it returns with
 * `--errors` — fails the test that caused it, listed line by line. The sandbox's call log proves
 * each exchange really reached the sandbox (Prism never answered on its own).
 *
 * The spec is test/vendor/okta-management-openapi.yaml (see its README), or `$OKTA_OPENAPI_SPEC`; it is patched into a temp file so Prism 5 loads it (test/helpers/prism.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOktaConnector, OktaApiError, type OktaConnector } from '../src/connectors/okta/index.js';
import { DEMO_FIXTURE_PATH, type OktaSandbox, parseFixture, type SandboxCall, startOktaSandbox } from '../src/okta-sandbox/index.js';
import { type PatchedSpec, resolveOktaSpecPath, writePatchedOktaSpec } from './helpers/okta-spec-patch.js';
import { type PrismProxy, type PrismViolation, startPrismProxy } from './helpers/prism.js';
import { startTamperRelay, TAMPER_HEADER, type TamperRelay } from './helpers/tamper-relay.js';

// Demo org members used below (fixtures/demo-okta.json).
const ALICE = '00uYlBhaBjP6F04MCQFq'; // ACTIVE, plain user, assigned to Expensify and Salesforce
const BOB = '00u39ogfamXfiN661lQB'; // ACTIVE, plain user (reset in this test)
const CAROL = '00uKQRYBylH19zIPVZw7'; // ACTIVE, SUPER_ADMIN
const DAVE = '00uQC5NtUJKcwdLAQahV'; // ACTIVE, not assigned to Expensify
const SWA_APP = '0oaMpCb6AfBRBJkuLPgW'; // Expensify, template_swa / BROWSER_PLUGIN
const SAML_APP = '0oaaxOQlnLnQRoEx6ReR'; // Salesforce, SAML_2_0
const UNKNOWN_APP = '0oaDoesNotExist00000';
const IT_APPROVERS = '00gn4UQhddRYTDR3MlPB'; // carol.smith (and LENA below)
const ALL_STAFF = '00gDB1mHZ98dCuv0av3u'; // everyone but frank and kate; several not ACTIVE
const ALICE_PUSH = 'opfDbu1W18VvvSd1oGtn'; // Okta Verify push
const CAROL_PUSH = 'opfeCfj1MXCXLaV4uGP5';
const BOB_TOTP = 'uftUPCMteWrOj5Sq9LJ5'; // Google Authenticator, demo secret
const GRACE = '00upE2dw3M7CBP6lxASU'; // LOCKED_OUT
const IRENE = '00uJLVyJgW4HTxHLpkpl'; // PASSWORD_EXPIRED, SMS only
const IRENE_SMS = 'mblizNtQ2I6wYBHag9Ib';
const LENA_EMAIL_FACTOR = 'emfContractLena00000';
const PASSWORD_EVENTS = ['user.account.reset_password', 'user.account.update_password'];
// Added to the demo org here: a user whose login is not their email (findUser's fallback) and
// who belongs to every group.
const LENA = '00uContractAltLogin1';
const LENA_LOGIN = 'lkim@corp.example.com';
const LENA_EMAIL = 'lena.kim@example.com';

/**
 * Violations that are quirks of Okta's published spec, not of resetdesk or the sandbox.
 * Each entry matches one method + path + message and says why it is acceptable.
 */
const ALLOWED_SPEC_QUIRKS: { method: string; path: RegExp; message: RegExp; why: string }[] = [
  {
    // The spec lists only 200/403/429 for GET /api/v1/users (no 401; 401 appears on 74 of its
    // 732 operations, none of those used here), yet the real Okta answers an invalid SSWS token
    // with 401 + E0000011 (Okta's error-code reference). Prism can only warn that the status is
    // undocumented; the test checks the 401 body against the spec's Error schema itself.
    method: 'GET',
    path: /^\/api\/v1\/users$/,
    message: /Unable to match the returned status code with those defined in the document: 200,\s*403,\s*429/,
    why: 'spec documents no 401',
  },
];

function allowed(v: PrismViolation): boolean {
  return ALLOWED_SPEC_QUIRKS.some((q) => q.method === v.method && q.path.test(v.path) && q.message.test(v.message));
}

function formatViolation(v: PrismViolation): string {
  return `  [${v.source}${v.status ? ` ${v.status}` : ''}] ${v.method} ${v.path} — ${v.severity}: ${v.message}`;
}

/** The demo org plus LENA. */
function contractFixture() {
  const raw = JSON.parse(readFileSync(DEMO_FIXTURE_PATH, 'utf8')) as {
    groups: { id: string }[];
    users: unknown[];
    apps: { id: string; assignedUserIds: string[] }[];
  };
  raw.users.push({
    id: LENA,
    status: 'ACTIVE',
    login: LENA_LOGIN,
    email: LENA_EMAIL,
    firstName: 'Lena',
    lastName: 'Kim',
    factors: [{ id: LENA_EMAIL_FACTOR, factorType: 'email', provider: 'OKTA', status: 'ACTIVE' }],
    roles: [],
    groupIds: raw.groups.map((g) => g.id),
  });
  return parseFixture(raw, 'contract fixture');
}

/** The spec's `components.schemas.Error` property names, read from the spec itself. */
function specErrorProperties(specFile: string): string[] {
  const doc = JSON.parse(readFileSync(specFile, 'utf8')) as { components: { schemas: { Error: { properties: Record<string, unknown> } } } };
  return Object.keys(doc.components.schemas.Error.properties).sort();
}

/**
 * Two quirks of the spec's factor verification schemas that contradict Okta's own examples in
 * the same file, so Prism would refuse every real exchange; this narrows both (and checks the
 * quirks are still there, so the patch goes when Okta fixes them):
 * - `UserFactorVerifyRequest` is a `oneOf` whose branches (one per factor type, which is in the
 *   URL, not the body) overlap completely: `{ "passCode": "…" }` — the spec's own
 *   `FactorPasscodeRequest` example — matches eight of them, so "exactly one" never holds. It
 *   becomes an `anyOf` (each branch's own rules still apply).
 * - `UserFactorVerifyResponse(Waiting).profile` says every profile value is an object, while the
 *   spec's `UserFactorChallengeSmsResponse` example answers `profile.phoneNumber: "+1…"` and the
 *   push examples `profile.credentialId: "…"`. Profile values may be any JSON value.
 */
function patchFactorVerifySchemas(specFile: string): void {
  // biome-ignore lint/suspicious/noExplicitAny: a walk through the spec document's JSON
  type Obj = Record<string, any>;
  const doc = JSON.parse(readFileSync(specFile, 'utf8')) as Obj;
  const schemas = doc.components.schemas as Obj;
  const examples = doc.components.examples as Obj;
  const request = schemas.UserFactorVerifyRequest as Obj;
  if (!Array.isArray(request.oneOf)) throw new Error('UserFactorVerifyRequest is no longer a oneOf: drop this patch');
  if (typeof examples.UserFactorChallengeSmsResponse?.value?.profile?.phoneNumber !== 'string') {
    throw new Error("the spec's SMS challenge example changed: re-check the profile patch");
  }
  request.anyOf = request.oneOf;
  delete request.oneOf;
  for (const name of ['UserFactorVerifyResponse', 'UserFactorVerifyResponseWaiting']) {
    const profile = (schemas[name] as Obj).properties.profile as Obj;
    if (profile.additionalProperties?.type !== 'object') throw new Error(`${name}.profile changed: drop this patch`);
    profile.additionalProperties = {};
  }
  writeFileSync(specFile, JSON.stringify(doc));
}

describe('Okta connector ↔ sandbox, validated by Prism against the Okta Management API spec', () => {
  let spec: PatchedSpec | undefined;
  let sandbox: OktaSandbox | undefined;
  let prism: PrismProxy | undefined;
  let relay: TamperRelay | undefined;
  let okta: OktaConnector;
  let logMark = 0;
  /** Allowlisted violations seen, printed at the end so the allowlist can be kept honest. */
  const tolerated: string[] = [];

  const px = (): PrismProxy => {
    if (!prism) throw new Error('Prism is not running');
    return prism;
  };
  const sb = (): OktaSandbox => {
    if (!sandbox) throw new Error('the sandbox is not running');
    return sandbox;
  };
  const connector = (token: string): OktaConnector =>
    createOktaConnector(
      // One attempt per call, so each connector call is exactly one exchange; no app or group cache.
      { orgUrl: px().url, auth: { kind: 'ssws', token }, maxRetries: 0, appCacheTtlMs: 0, groupCacheTtlMs: 0, timeoutMs: 10_000 },
      { fetch: px().fetch, sleep: async () => undefined },
    );
  /** What the sandbox answered since the test began, as `METHOD /path STATUS`. */
  const received = (): string[] =>
    sb()
      .calls()
      .map((c: SandboxCall) => `${c.method} ${c.path} ${c.status}`);

  beforeAll(async () => {
    // Throws (fails the suite, never skips) when the spec is missing.
    const specPath = resolveOktaSpecPath();
    spec = writePatchedOktaSpec(specPath);
    patchFactorVerifySchemas(spec.file);
    sandbox = await startOktaSandbox({ fixture: contractFixture() });
    // Prism → relay → sandbox; the relay is transparent unless a request asks it to tamper.
    relay = await startTamperRelay(sandbox.url);
    prism = await startPrismProxy({ spec: spec.file, upstream: relay.url, readyTimeoutMs: 80_000 });
    okta = connector(sandbox.apiToken);
  }, 90_000);

  afterAll(async () => {
    if (tolerated.length > 0) console.info(`Allowlisted Okta spec quirks seen:\n${[...new Set(tolerated)].join('\n')}`);
    // OKTA_CONTRACT_PRISM_LOG=<file> keeps Prism's whole output for debugging.
    const logFile = process.env.OKTA_CONTRACT_PRISM_LOG;
    if (logFile && prism) writeFileSync(logFile, prism.lines().join('\n'));
    await prism?.stop();
    await relay?.close();
    await sandbox?.close();
    spec?.remove();
  });

  beforeEach(() => {
    if (!prism || !sandbox) return; // beforeAll failed; its error is the one to report
    sb().clearCalls();
    px().clearResponseViolations();
    logMark = px().lines().length;
  });

  afterEach(async () => {
    if (!prism) return;
    await px().settle();
    const all = [...px().responseViolations(), ...px().logViolations(logMark)];
    const failing = all.filter((v) => !allowed(v));
    tolerated.push(...all.filter(allowed).map(formatViolation));
    if (failing.length > 0) {
      throw new Error(`Prism reported ${failing.length} contract violation(s):\n${failing.map(formatViolation).join('\n')}`);
    }
  });

  it('Prism really validates: a request that violates the spec is refused and reported (canary)', async () => {
    // reset_password without the required `sendEmail` query parameter.
    const res = await px().fetch(`${px().url}/api/v1/users/${ALICE}/lifecycle/reset_password`, {
      method: 'POST',
      headers: { Authorization: `SSWS ${sb().apiToken}`, Accept: 'application/json' },
    });
    expect(res.status).toBe(422);
    await px().settle();
    expect(
      px()
        .responseViolations()
        .map((v) => v.message),
    ).toContainEqual(expect.stringMatching(/required property 'sendemail'/i));
    expect(
      px()
        .logViolations(logMark)
        .map((v) => `${v.method} ${v.path} ${v.message}`),
    ).toContainEqual(expect.stringMatching(new RegExp(`^POST /api/v1/users/${ALICE}/lifecycle/reset_password .*UNPROCESSABLE_ENTITY`)));
    expect(received()).toEqual([]); // refused by Prism, never forwarded
    // Expected violations: not this test's failure.
    px().clearResponseViolations();
    logMark = px().lines().length;
  });

  describe('findUser', () => {
    it('finds a user by login', async () => {
      const result = await okta.findUser('alice.nguyen@example.com');
      expect(result).toMatchObject({ kind: 'found', user: { id: ALICE, status: 'ACTIVE', login: 'alice.nguyen@example.com' } });
      expect(received()).toEqual(['GET /api/v1/users 200']);
      expect(sb().calls()[0]?.query).toEqual({ filter: 'profile.login eq "alice.nguyen@example.com"', limit: '2' });
    });

    it('falls back to the email when no login matches', async () => {
      const result = await okta.findUser(LENA_EMAIL);
      expect(result).toMatchObject({ kind: 'found', user: { id: LENA, login: LENA_LOGIN, email: LENA_EMAIL } });
      expect(received()).toEqual(['GET /api/v1/users 200', 'GET /api/v1/users 200']);
      expect(
        sb()
          .calls()
          .map((c) => c.query.filter),
      ).toEqual([`profile.login eq "${LENA_EMAIL}"`, `profile.email eq "${LENA_EMAIL}"`]);
    });

    it('reports not_found after both lookups come back empty', async () => {
      expect(await okta.findUser('nobody@example.com')).toEqual({ kind: 'not_found' });
      expect(received()).toEqual(['GET /api/v1/users 200', 'GET /api/v1/users 200']);
    });
  });

  it('getUser returns the user', async () => {
    expect(await okta.getUser(CAROL)).toMatchObject({ id: CAROL, status: 'ACTIVE', login: 'carol.smith@example.com', firstName: 'Carol' });
    expect(received()).toEqual([`GET /api/v1/users/${CAROL} 200`]);
  });

  describe('getApp', () => {
    it('reads a SWA app', async () => {
      expect(await okta.getApp(SWA_APP)).toEqual({
        id: SWA_APP,
        name: 'template_swa',
        label: 'Expensify',
        signOnMode: 'BROWSER_PLUGIN',
        status: 'ACTIVE',
      });
      expect(received()).toEqual([`GET /api/v1/apps/${SWA_APP} 200`]);
    });

    it('reads a SAML app', async () => {
      expect(await okta.getApp(SAML_APP)).toMatchObject({ id: SAML_APP, name: 'salesforce', signOnMode: 'SAML_2_0' });
      expect(received()).toEqual([`GET /api/v1/apps/${SAML_APP} 200`]);
    });

    it('returns null for an unknown app (404)', async () => {
      expect(await okta.getApp(UNKNOWN_APP)).toBeNull();
      expect(received()).toEqual([`GET /api/v1/apps/${UNKNOWN_APP} 404`]);
    });
  });

  describe('isAssigned', () => {
    it('is true for an assigned user', async () => {
      expect(await okta.isAssigned(SWA_APP, ALICE)).toBe(true);
      expect(received()).toEqual([`GET /api/v1/apps/${SWA_APP}/users/${ALICE} 200`]);
    });

    it('is false when Okta answers 404', async () => {
      expect(await okta.isAssigned(SWA_APP, DAVE)).toBe(false);
      expect(received()).toEqual([`GET /api/v1/apps/${SWA_APP}/users/${DAVE} 404`]);
    });
  });

  describe('listAdminRoles', () => {
    it('lists the roles of an admin', async () => {
      const roles = await okta.listAdminRoles(CAROL);
      expect(roles.map((r) => r.type)).toEqual(['SUPER_ADMIN']);
      expect(received()).toEqual([`GET /api/v1/users/${CAROL}/roles 200`]);
    });

    it('lists no roles for a plain user', async () => {
      expect(await okta.listAdminRoles(ALICE)).toEqual([]);
      expect(received()).toEqual([`GET /api/v1/users/${ALICE}/roles 200`]);
    });
  });

  it('listGroups returns every group of the user', async () => {
    // The connector does not expose a page size (it reads Okta's default page and follows
    // `Link: rel="next"`); paging itself is exercised on the users list below.
    const groups = await okta.listGroups(LENA);
    expect(groups.map((g) => g.name).sort()).toEqual(['All Staff', 'Engineering', 'Finance', 'IT Admins', 'IT Approvers', 'Sales']);
    expect(received()).toEqual([`GET /api/v1/users/${LENA}/groups 200`]);
  });

  describe('approver groups', () => {
    it('findGroupByName searches by profile.name and picks the exact match', async () => {
      expect(await okta.findGroupByName('IT Approvers')).toEqual({ id: IT_APPROVERS, name: 'IT Approvers' });
      expect(received()).toEqual(['GET /api/v1/groups 200']);
      expect(sb().calls()[0]?.query).toEqual({ search: 'profile.name eq "IT Approvers"' });
    });

    it('findGroupByName answers null when Okta has no such group', async () => {
      expect(await okta.findGroupByName('Nobody "here"')).toBeNull();
      expect(received()).toEqual(['GET /api/v1/groups 200']);
      expect(sb().calls()[0]?.query).toEqual({ search: 'profile.name eq "Nobody \\"here\\""' });
    });

    it('listGroupMembers returns the ACTIVE members only', async () => {
      const members = await okta.listGroupMembers(IT_APPROVERS);
      expect(members?.map((u) => u.id).sort()).toEqual([CAROL, LENA].sort());
      const staff = await okta.listGroupMembers(ALL_STAFF);
      expect(staff?.every((u) => u.status === 'ACTIVE')).toBe(true);
      expect(staff?.map((u) => u.login)).not.toContain('erin.kowalski@example.com'); // SUSPENDED
      expect(staff?.map((u) => u.id)).toEqual(expect.arrayContaining([ALICE, BOB, CAROL, DAVE, LENA]));
      expect(received()).toEqual([`GET /api/v1/groups/${IT_APPROVERS}/users 200`, `GET /api/v1/groups/${ALL_STAFF}/users 200`]);
    });

    it('listGroupMembers answers null for a group Okta does not have (404)', async () => {
      expect(await okta.listGroupMembers('00gDoesNotExist00000')).toBeNull();
      expect(received()).toEqual(['GET /api/v1/groups/00gDoesNotExist00000/users 404']);
    });

    it("a group's members page by Link headers (limit/after), as the spec describes", async () => {
      const auth = { Authorization: `SSWS ${sb().apiToken}`, Accept: 'application/json' };
      let next: string | undefined = `${px().url}/api/v1/groups/${ALL_STAFF}/users?limit=3`;
      const ids: string[] = [];
      let pages = 0;
      while (next && pages < 20) {
        const res = await px().fetch(next, { headers: auth });
        expect(res.status).toBe(200);
        ids.push(...((await res.json()) as { id: string }[]).map((u) => u.id));
        pages += 1;
        const link = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
        next = link ? `${px().url}${new URL(link).pathname}${new URL(link).search}` : undefined;
      }
      expect(pages).toBeGreaterThan(1);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining([ALICE, BOB, CAROL, DAVE, LENA]));
    });
  });

  describe('listApplications (the catalog sync)', () => {
    it('listApps reads every ACTIVE and INACTIVE app in one page of up to 200', async () => {
      const apps = await okta.listApps();
      expect(apps.length).toBe(sb().state.apps.size);
      expect(apps).toContainEqual(expect.objectContaining({ id: SWA_APP, signOnMode: 'BROWSER_PLUGIN', status: 'ACTIVE' }));
      expect(apps).toContainEqual(expect.objectContaining({ id: SAML_APP, signOnMode: 'SAML_2_0' }));
      expect(received()).toEqual(['GET /api/v1/apps 200']);
      expect(sb().calls()[0]?.query.limit).toBe('200');
    });

    it('pages by Link headers (limit/after), as the spec describes', async () => {
      const auth = { Authorization: `SSWS ${sb().apiToken}`, Accept: 'application/json' };
      let next: string | undefined = `${px().url}/api/v1/apps?limit=2`;
      const ids: string[] = [];
      let pages = 0;
      while (next && pages < 50) {
        const res = await px().fetch(next, { headers: auth });
        expect(res.status).toBe(200);
        const page = (await res.json()) as { id: string }[];
        expect(page.length).toBeLessThanOrEqual(2);
        ids.push(...page.map((a) => a.id));
        pages += 1;
        const link = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
        next = link ? `${px().url}${new URL(link).pathname}${new URL(link).search}` : undefined;
      }
      expect(pages).toBeGreaterThan(1);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual([...sb().state.apps.keys()].sort());
    });
  });

  it('countAppUsers (the coverage report) reads listApplicationUsers in pages of 500 and counts them', async () => {
    const expected = sb().state.apps.get(SWA_APP)?.assignedUserIds.length ?? -1;
    expect(expected).toBeGreaterThan(0);
    expect(await okta.countAppUsers(SWA_APP)).toBe(expected);
    expect(received()).toEqual([`GET /api/v1/apps/${SWA_APP}/users 200`]);
    expect(sb().calls()[0]?.query.limit).toBe('500');
  });

  it('paginated list responses (Link headers, limit/after) conform to the spec', async () => {
    // Through Prism, the sandbox's links name the sandbox's own origin (Prism forwards without
    // the client's Host header), so each next link is followed on Prism's origin.
    const auth = { Authorization: `SSWS ${sb().apiToken}`, Accept: 'application/json' };
    let next: string | undefined = `${px().url}/api/v1/users?filter=${encodeURIComponent('status eq "ACTIVE"')}&limit=2`;
    const ids: string[] = [];
    let pages = 0;
    while (next && pages < 20) {
      const res = await px().fetch(next, { headers: auth });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { id: string }[];
      expect(page.length).toBeLessThanOrEqual(2);
      ids.push(...page.map((u) => u.id));
      pages += 1;
      const link = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      next = link ? `${px().url}${new URL(link).pathname}${new URL(link).search}` : undefined;
    }
    expect(pages).toBeGreaterThan(1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([ALICE, BOB, CAROL, DAVE, LENA]));
    expect(received()).toHaveLength(pages);
    expect(
      sb()
        .calls()
        .slice(1)
        .every((c) => c.query.after !== undefined && c.query.limit === '2'),
    ).toBe(true);
  });

  it('listFactors returns the enrolled factors', async () => {
    const factors = await okta.listFactors(CAROL);
    expect(factors.map((f) => f.factorType).sort()).toEqual(['push', 'token:software:totp']);
    expect(received()).toEqual([`GET /api/v1/users/${CAROL}/factors 200`]);
  });

  it('resetPassword moves an ACTIVE user to RECOVERY', async () => {
    await okta.resetPassword(BOB);
    expect(received()).toEqual([`POST /api/v1/users/${BOB}/lifecycle/reset_password 200`]);
    expect(sb().calls()[0]?.query).toEqual({ sendEmail: 'true' });
    expect(await okta.getUser(BOB)).toMatchObject({ id: BOB, status: 'RECOVERY' });
  });

  it('Prism really validates every response exercised here: corrupted answers are caught (canary)', async () => {
    // Prism validates nothing, silently, for a response whose schema AJV cannot compile (see
    // writePatchedOktaSpec). So each operation above is replayed with the relay turning the
    // sandbox's strings into numbers; Prism must refuse every one of those answers.
    const exchanges: [method: 'GET' | 'POST', path: string][] = [
      ['GET', `/api/v1/users?filter=${encodeURIComponent('profile.login eq "alice.nguyen@example.com"')}&limit=2`],
      ['GET', `/api/v1/users/${CAROL}`],
      ['GET', `/api/v1/apps/${SWA_APP}`],
      ['GET', `/api/v1/apps/${SAML_APP}`],
      ['GET', `/api/v1/apps/${UNKNOWN_APP}`], // the 404 Error body
      ['GET', `/api/v1/apps/${SWA_APP}/users/${ALICE}`],
      ['GET', `/api/v1/users/${CAROL}/roles`],
      ['GET', `/api/v1/users/${LENA}/groups`],
      ['GET', `/api/v1/users/${CAROL}/factors`],
      ['GET', `/api/v1/groups?search=${encodeURIComponent('profile.name eq "IT Approvers"')}`],
      ['GET', `/api/v1/groups/${IT_APPROVERS}/users`],
      // sendEmail=false answers with a resetPasswordUrl (sendEmail=true answers `{}`).
      ['POST', `/api/v1/users/${DAVE}/lifecycle/reset_password?sendEmail=false`],
    ];
    const missed: string[] = [];
    for (const [method, path] of exchanges) {
      const res = await px().fetch(`${px().url}${path}`, {
        method,
        headers: { Authorization: `SSWS ${sb().apiToken}`, Accept: 'application/json', [TAMPER_HEADER]: '1' },
      });
      const body = (await res.json()) as { type?: string; validation?: { location?: string[] }[] };
      const caught =
        res.status === 500 && /#VIOLATIONS$/.test(body.type ?? '') && (body.validation ?? []).some((v) => v.location?.[0] === 'response');
      if (!caught) missed.push(`${method} ${path} → ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
    }
    expect(missed, 'Prism let corrupted answers through (it is not validating these responses)').toEqual([]);
    expect(sb().calls()).toHaveLength(exchanges.length); // each one reached the sandbox
    await px().settle();
    // Expected violations: not this test's failure.
    px().clearResponseViolations();
    logMark = px().lines().length;
  });

  describe('verifying the person: factor challenges', () => {
    /** Through Prism the sandbox's links name its own origin; the same path is polled on Prism's. */
    const onPrism = (link: string | null): string => {
      const url = new URL(link ?? '');
      return `${px().url}${url.pathname}${url.search}`;
    };

    it('a push (number matching, as for a factor listFactors reported), polled until approved', async () => {
      await okta.listFactors(ALICE);
      const sent = await okta.verifyFactor(ALICE, ALICE_PUSH);
      expect(sent).toMatchObject({ result: 'WAITING', numberChallenge: expect.any(Number), expiresAt: expect.any(String) });
      const pollUrl = onPrism(sent.pollUrl);
      expect(await okta.pollFactorTransaction(pollUrl)).toMatchObject({ result: 'WAITING', numberChallenge: sent.numberChallenge });
      const tx = sb().pendingPushes()[0]?.transactionId ?? '';
      sb().answerPush(tx, 'approve');
      expect(await okta.pollFactorTransaction(pollUrl)).toMatchObject({ result: 'SUCCESS' });
      const txPath = `/api/v1/users/${ALICE}/factors/${ALICE_PUSH}/transactions/${tx}`;
      expect(received()).toEqual([
        `GET /api/v1/users/${ALICE}/factors 200`,
        `POST /api/v1/users/${ALICE}/factors/${ALICE_PUSH}/verify 201`,
        `GET ${txPath} 200`,
        `GET ${txPath} 200`,
      ]);
    });

    it('a plain push, rejected on the phone; another that times out', async () => {
      // A connector that has not listed carol's factors sends the body-less verify: a plain push.
      const fresh = connector(sb().apiToken);
      const rejected = await fresh.verifyFactor(CAROL, CAROL_PUSH);
      expect(rejected).toMatchObject({ result: 'WAITING', numberChallenge: null });
      sb().answerPush(sb().pendingPushes()[0]?.transactionId ?? '', 'reject');
      expect(await fresh.pollFactorTransaction(onPrism(rejected.pollUrl))).toMatchObject({ result: 'REJECTED' });

      const expiring = await fresh.verifyFactor(CAROL, CAROL_PUSH);
      const transaction = sb().state.challenges.transaction(sb().pendingPushes()[0]?.transactionId ?? '');
      if (!transaction) throw new Error('no pending push');
      transaction.expiresAt = new Date(Date.now() - 1000).toISOString(); // as if five minutes had passed
      expect(await fresh.pollFactorTransaction(onPrism(expiring.pollUrl))).toMatchObject({ result: 'TIMEOUT' });
      expect(received().map((r) => r.replace(/transactions\/\S+/, 'transactions/{tx}'))).toEqual([
        `POST /api/v1/users/${CAROL}/factors/${CAROL_PUSH}/verify 201`,
        `GET /api/v1/users/${CAROL}/factors/${CAROL_PUSH}/transactions/{tx} 200`,
        `POST /api/v1/users/${CAROL}/factors/${CAROL_PUSH}/verify 201`,
        `GET /api/v1/users/${CAROL}/factors/${CAROL_PUSH}/transactions/{tx} 200`,
      ]);
    });

    it('TOTP: the current code → SUCCESS; a wrong one → 403 E0000068, answered as REJECTED', async () => {
      const code = sb().totpCode(BOB);
      expect(await okta.verifyFactor(BOB, BOB_TOTP, { passCode: code })).toMatchObject({ result: 'SUCCESS' });
      expect(await okta.verifyFactor(BOB, BOB_TOTP, { passCode: code === '000000' ? '111111' : '000000' })).toMatchObject({
        result: 'REJECTED',
      });
      expect(received()).toEqual([
        `POST /api/v1/users/${BOB}/factors/${BOB_TOTP}/verify 200`,
        `POST /api/v1/users/${BOB}/factors/${BOB_TOTP}/verify 403`,
      ]);
    });

    it.each([
      ['SMS', IRENE, IRENE_SMS],
      ['email', LENA, LENA_EMAIL_FACTOR],
    ])('%s: a code is sent (CHALLENGE), then verified (SUCCESS)', async (_kind, userId, factorId) => {
      expect(await okta.verifyFactor(userId, factorId)).toMatchObject({ result: 'CHALLENGE' });
      const code = sb()
        .sentCodes()
        .findLast((c) => c.factorId === factorId)?.code;
      expect(await okta.verifyFactor(userId, factorId, { passCode: code ?? '' })).toMatchObject({ result: 'SUCCESS' });
      expect(received()).toEqual([
        `POST /api/v1/users/${userId}/factors/${factorId}/verify 200`,
        `POST /api/v1/users/${userId}/factors/${factorId}/verify 200`,
      ]);
    });
  });

  describe('unlock, sessions and the System Log', () => {
    it('unlockUser moves a LOCKED_OUT user to ACTIVE; a second unlock is 403 E0000032', async () => {
      await okta.unlockUser(GRACE);
      expect(sb().state.users.get(GRACE)?.status).toBe('ACTIVE');
      await expect(okta.unlockUser(GRACE)).rejects.toMatchObject({ httpStatus: 403, oktaErrorCode: 'E0000032' });
      expect(received()).toEqual([`POST /api/v1/users/${GRACE}/lifecycle/unlock 200`, `POST /api/v1/users/${GRACE}/lifecycle/unlock 403`]);
    });

    it('clearUserSessions answers 204', async () => {
      await okta.clearUserSessions(DAVE);
      expect(sb().sessionCount(DAVE)).toBe(0);
      expect(received()).toEqual([`DELETE /api/v1/users/${DAVE}/sessions 204`]);
    });

    it("listPasswordEvents reads the user's reset and new password from the System Log", async () => {
      const since = new Date(Date.now() - 60_000).toISOString();
      await okta.resetPassword(CAROL);
      sb().completePasswordChange(CAROL);
      const events = await okta.listPasswordEvents(CAROL, since, PASSWORD_EVENTS);
      expect(events.map((e) => [e.eventType, e.outcome])).toEqual([
        ['user.account.reset_password', 'SUCCESS'],
        ['user.account.update_password', 'SUCCESS'],
      ]);
      expect(received()).toEqual([`POST /api/v1/users/${CAROL}/lifecycle/reset_password 200`, 'GET /api/v1/logs 200']);
    });
  });

  it('a bad SSWS token gets 401 with Okta’s error body', async () => {
    const bad = connector('00not-the-sandbox-token');
    const err = await bad.findUser('alice.nguyen@example.com').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OktaApiError);
    expect(err).toMatchObject({
      httpStatus: 401,
      code: 'OKTA_AUTH_FAILED',
      oktaErrorCode: 'E0000011',
      errorSummary: 'Invalid token provided',
    });
    expect(received()).toEqual(['GET /api/v1/users 401']);
    // Prism did validate the 401 answer (it can only warn that 401 is undocumented; allowlisted).
    await px().settle();
    expect(px().responseViolations()).toContainEqual(
      expect.objectContaining({
        method: 'GET',
        path: '/api/v1/users',
        status: 401,
        message: expect.stringMatching(/Unable to match the returned status code/),
      }),
    );

    // The body itself, against the spec's Error schema (Prism cannot: no 401 is documented).
    const res = await px().fetch(`${px().url}/api/v1/users?limit=1`, {
      headers: { Authorization: 'SSWS 00not-the-sandbox-token', Accept: 'application/json' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(specErrorProperties(spec?.file ?? ''));
    expect(body).toMatchObject({ errorCode: 'E0000011', errorSummary: 'Invalid token provided', errorLink: 'E0000011', errorCauses: [] });
    expect(body.errorId).toEqual(expect.any(String));
  });
});
