/**
 * The benchmark's Okta org and app catalog: a mid-sized company where most reset requests are
 * routine SWA self-service, with a realistic share of SSO escalations, risk escalations and
 * denials. Kept apart from test/ (not compiled) and from the demo fixture (tuned for people).
 */
import type { NewApp } from '../db/repositories/app.repository.js';
import { parseFixture, type SandboxFixture } from '../okta-sandbox/index.js';
import { seededRandom } from './seeded-random.js';

/** A 20-character Okta-style id: 3-character prefix + `n` padded to 17 characters. */
const oktaId = (prefix: string, n: number) => `${prefix}${'B'.repeat(17 - String(n).length)}${n}`;

const GROUPS = { everyone: oktaId('00g', 1), admins: oktaId('00g', 2) };

const BENCH_APPS = {
  expensify: oktaId('0oa', 1), // AUTO_LOGIN (SWA)
  zendesk: oktaId('0oa', 2), // BROWSER_PLUGIN (SWA)
  jira: oktaId('0oa', 3), // SECURE_PASSWORD_STORE (SWA)
  salesforce: oktaId('0oa', 4), // SAML_2_0 (SSO)
  workday: oktaId('0oa', 5), // SAML_2_0, sensitive in the catalog
};

type Kind = 'regular' | 'suspended' | 'no_mfa' | 'admin_role' | 'admin_group' | 'unassigned';

interface BenchUser {
  n: number;
  kind: Kind;
  login: string;
}

/** 60 people: 48 regular, 4 suspended, 4 without MFA, 2 admins, 2 without SWA app assignments. */
export const BENCH_USERS: BenchUser[] = (() => {
  const plan: [Kind, number][] = [
    ['regular', 48],
    ['suspended', 4],
    ['no_mfa', 4],
    ['admin_role', 1],
    ['admin_group', 1],
    ['unassigned', 2],
  ];
  const users: BenchUser[] = [];
  for (const [kind, count] of plan) {
    for (let i = 0; i < count; i++) {
      const n = users.length + 1;
      users.push({ n, kind, login: `${kind.replace('_', '-')}${i + 1}@bench.example.com` });
    }
  }
  return users;
})();

export function benchFixture(): SandboxFixture {
  const everyone = BENCH_USERS.map((u) => oktaId('00u', u.n));
  const swaAssigned = BENCH_USERS.filter((u) => u.kind !== 'unassigned').map((u) => oktaId('00u', u.n));
  return parseFixture({
    apiToken: 'bench-ssws-token-0123456789',
    // Far above Okta's real per-minute limits: the benchmark measures resetdesk, not throttling.
    rateLimit: { limit: 1_000_000, windowSeconds: 60 },
    groups: [
      { id: GROUPS.everyone, name: 'Everyone' },
      { id: GROUPS.admins, name: 'Administrators' },
    ],
    users: BENCH_USERS.map((u) => ({
      id: oktaId('00u', u.n),
      status: u.kind === 'suspended' ? 'SUSPENDED' : 'ACTIVE',
      login: u.login,
      email: u.login,
      firstName: `Bench${u.n}`,
      lastName: 'User',
      factors: [
        {
          id: `opf${'b'.repeat(17 - String(u.n).length)}${u.n}`,
          factorType: 'push',
          provider: 'OKTA',
          status: u.kind === 'no_mfa' ? 'PENDING_ACTIVATION' : 'ACTIVE',
        },
      ],
      roles: u.kind === 'admin_role' ? [{ type: 'SUPER_ADMIN' }] : [],
      groupIds: u.kind === 'admin_group' ? [GROUPS.everyone, GROUPS.admins] : [GROUPS.everyone],
    })),
    // biome-ignore format: one row per line reads as a table
    apps: [
      { id: BENCH_APPS.expensify, name: 'expensify', label: 'Expensify', signOnMode: 'AUTO_LOGIN', status: 'ACTIVE', assignedUserIds: swaAssigned },
      { id: BENCH_APPS.zendesk, name: 'template_swa', label: 'Zendesk', signOnMode: 'BROWSER_PLUGIN', status: 'ACTIVE', assignedUserIds: swaAssigned },
      { id: BENCH_APPS.jira, name: 'template_sps', label: 'Jira', signOnMode: 'SECURE_PASSWORD_STORE', status: 'ACTIVE', assignedUserIds: swaAssigned },
      { id: BENCH_APPS.salesforce, name: 'salesforce', label: 'Salesforce', signOnMode: 'SAML_2_0', status: 'ACTIVE', assignedUserIds: everyone },
      { id: BENCH_APPS.workday, name: 'workday', label: 'Workday', signOnMode: 'SAML_2_0', status: 'ACTIVE', assignedUserIds: everyone },
    ],
  });
}

// biome-ignore format: one row per line reads as a table
export const BENCH_CATALOG: NewApp[] = [
  { name: 'Expensify', oktaAppId: BENCH_APPS.expensify, resetUrl: 'https://expensify.example.com/reset', resetMethod: 'auto', sensitive: false, approverGroup: null },
  { name: 'Zendesk', oktaAppId: BENCH_APPS.zendesk, resetUrl: 'https://zendesk.example.com/reset', resetMethod: 'auto', sensitive: false, approverGroup: null },
  { name: 'Jira', oktaAppId: BENCH_APPS.jira, resetUrl: 'https://jira.example.com/reset', resetMethod: 'auto', sensitive: false, approverGroup: null },
  { name: 'Salesforce', oktaAppId: BENCH_APPS.salesforce, resetUrl: null, resetMethod: 'auto', sensitive: false, approverGroup: 'crm-owners' },
  { name: 'Workday', oktaAppId: BENCH_APPS.workday, resetUrl: null, resetMethod: 'auto', sensitive: true, approverGroup: 'hr-owners' },
];

export interface BenchRequest {
  requester: string;
  app: string;
  /** The rule the default policy must fire; the benchmark checks it. */
  expectRule: string;
}

interface MixEntry {
  weight: number;
  kind: Kind;
  apps: string[];
  rule: string;
}

/** Weighted request mix (percent): what a help desk sees on an ordinary day. */
const MIX: [MixEntry, ...MixEntry[]] = [
  { weight: 70, kind: 'regular', apps: ['Expensify', 'Zendesk', 'Jira'], rule: 'swa_self_service' },
  { weight: 10, kind: 'regular', apps: ['Salesforce'], rule: 'sso_requires_approval' },
  { weight: 4, kind: 'regular', apps: ['Workday'], rule: 'sensitive_app' },
  { weight: 5, kind: 'suspended', apps: ['Expensify', 'Salesforce'], rule: 'user_status' },
  { weight: 3, kind: 'unassigned', apps: ['Expensify', 'Zendesk', 'Jira'], rule: 'not_assigned' },
  { weight: 3, kind: 'no_mfa', apps: ['Expensify', 'Jira'], rule: 'mfa_missing' },
  { weight: 1, kind: 'admin_role', apps: ['Expensify'], rule: 'privileged_user' },
  { weight: 1, kind: 'admin_group', apps: ['Zendesk'], rule: 'privileged_user' },
  { weight: 3, kind: 'regular', apps: ['Timesheets'], rule: 'app_not_in_catalog' },
];

/** `n` requests drawn from MIX with a fixed seed. */
export function benchRequests(n: number, seed = 20261123): BenchRequest[] {
  const rand = seededRandom(seed);
  const total = MIX.reduce((s, m) => s + m.weight, 0);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out: BenchRequest[] = [];
  for (let i = 0; i < n; i++) {
    let r = rand() * total;
    const entry =
      MIX.find((m) => {
        r -= m.weight;
        return r < 0;
      }) ?? MIX[0];
    const people = BENCH_USERS.filter((u) => u.kind === entry.kind);
    out.push({ requester: pick(people).login, app: pick(entry.apps), expectRule: entry.rule });
  }
  return out;
}
