import { createHash, randomBytes } from 'node:crypto';
import { nowMs } from '../time.js';
import { FactorChallenges } from './factor-challenges.js';
import type { FixtureApp, FixtureFactor, FixtureGroup, FixtureUser, SandboxFixture } from './fixture.js';
import { notFound, SandboxOktaError } from './okta-errors.js';
import { API_ACTOR, type SandboxLogEvent, SystemLog } from './system-log.js';

/**
 * The sandbox's in-memory Okta org. Built from a fixture, mutated only by the few write
 * operations the sandbox supports (reset_password, unlock, clearing sessions, factor challenges)
 * and its control routes (a push answered, a password the user set), and readable by tests
 * through `sandbox.state` so they can check what resetdesk did.
 */

export interface SandboxFactor extends FixtureFactor {
  created: string;
  lastUpdated: string;
}

export interface SandboxRole {
  id: string;
  type: string;
  label: string;
  created: string;
  lastUpdated: string;
}

export interface SandboxUser extends Omit<FixtureUser, 'factors' | 'roles' | 'status'> {
  status: FixtureUser['status'];
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  factors: SandboxFactor[];
  roles: SandboxRole[];
}

export interface SandboxGroup extends FixtureGroup {
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
}

export interface SandboxApp extends FixtureApp {
  url: string;
  created: string;
  lastUpdated: string;
}

/** One reset_password call that Okta would have answered with an email to the user. */
export interface ResetEmail {
  userId: string;
  at: string;
}

/** One reset_password call with sendEmail=false: the one-time link went back to the caller. */
export interface ResetToken {
  userId: string;
  at: string;
  resetPasswordUrl: string;
}

/** Okta's labels for the standard admin roles. */
const ROLE_LABELS: Record<string, string> = {
  SUPER_ADMIN: 'Super Administrator',
  ORG_ADMIN: 'Organization Administrator',
  APP_ADMIN: 'Application Administrator',
  USER_ADMIN: 'Group Administrator',
  HELP_DESK_ADMIN: 'Help Desk Administrator',
  READ_ONLY_ADMIN: 'Read Only Administrator',
  MOBILE_ADMIN: 'Mobile Administrator',
  API_ACCESS_MANAGEMENT_ADMIN: 'API Access Management Administrator',
  REPORT_ADMIN: 'Report Administrator',
  GROUP_MEMBERSHIP_ADMIN: 'Group Membership Administrator',
};

/** Statuses from which Okta lets an admin start a password reset. */
const RESETTABLE = new Set(['ACTIVE', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT']);

const DAY = 86_400_000;
/** Fixed origin for made-up timestamps, so responses are the same on every run. */
const EPOCH = Date.UTC(2023, 2, 1, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** A stable 20-character Okta-style id derived from a seed (role assignment ids etc.). */
function derivedId(prefix: string, seed: string): string {
  const body = createHash('sha256').update(seed).digest('base64url').replace(/[-_]/g, '');
  return (prefix + body).slice(0, 20);
}

function slug(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

function buildUser(u: FixtureUser, i: number): SandboxUser {
  const created = EPOCH + i * DAY;
  const staged = u.status === 'STAGED';
  const neverSignedIn = staged || u.status === 'PROVISIONED';
  const activated = staged ? null : created + 60_000;
  const statusChanged = staged ? null : u.status === 'ACTIVE' ? activated : EPOCH + 400 * DAY + i * 3_600_000;
  const lastLogin = neverSignedIn ? null : EPOCH + 700 * DAY + i * 3_600_000;
  const passwordChanged = neverSignedIn ? null : created + 120_000;
  const lastUpdated = Math.max(created, statusChanged ?? 0, passwordChanged ?? 0);
  const { factors, roles, ...rest } = u;
  return {
    ...rest,
    created: iso(created),
    activated: activated === null ? null : iso(activated),
    statusChanged: statusChanged === null ? null : iso(statusChanged),
    lastLogin: lastLogin === null ? null : iso(lastLogin),
    lastUpdated: iso(lastUpdated),
    passwordChanged: passwordChanged === null ? null : iso(passwordChanged),
    factors: factors.map((f) => ({ ...f, created: iso(created + DAY), lastUpdated: iso(created + DAY) })),
    roles: roles.map((r) => ({
      id: derivedId('ra1', `${u.id}:${r.type}`),
      type: r.type,
      label: r.label ?? ROLE_LABELS[r.type] ?? r.type,
      created: iso(created + 2 * DAY),
      lastUpdated: iso(created + 2 * DAY),
    })),
  };
}

/** The in-memory org; see the file comment. */
export class SandboxState {
  /** Users in fixture order, keyed by id. */
  readonly users = new Map<string, SandboxUser>();
  readonly groups = new Map<string, SandboxGroup>();
  readonly apps = new Map<string, SandboxApp>();
  /** Every reset_password?sendEmail=true, in order: the sandbox's "outbox". */
  readonly resetEmails: ResetEmail[] = [];
  /** Every reset_password?sendEmail=false, in order. */
  readonly resetTokens: ResetToken[] = [];
  /** Open Okta sessions per user id (DELETE …/sessions sets it to 0); users who signed in before start with one. */
  readonly sessions = new Map<string, number>();
  /** Pushes, SMS / email codes and TOTP checks (see factor-challenges.ts). */
  readonly challenges: FactorChallenges;
  /** The System Log (`GET /api/v1/logs`). */
  readonly systemLog: SystemLog;
  private readonly now: () => number;

  /**
   * `now` stamps user records and drives rate limits and tokens; `clock` stamps the System Log
   * and ages push transactions and codes — by default resetdesk's injectable clock (src/time.ts),
   * so a test that moves that clock expires a push, and the log's times compare with resetdesk's.
   */
  constructor(fixture: SandboxFixture, now: () => number = Date.now, clock: () => number = nowMs) {
    this.now = now;
    this.challenges = new FactorChallenges(clock);
    this.systemLog = new SystemLog(clock);
    for (const [i, u] of fixture.users.entries()) {
      const user = buildUser(u, i);
      this.users.set(u.id, user);
      this.sessions.set(u.id, user.lastLogin === null ? 0 : 1);
    }
    for (const [i, g] of fixture.groups.entries()) {
      this.groups.set(g.id, {
        ...g,
        created: iso(EPOCH - 30 * DAY + i * 3_600_000),
        lastUpdated: iso(EPOCH - 30 * DAY + i * 3_600_000),
        lastMembershipUpdated: iso(EPOCH + 300 * DAY),
      });
    }
    for (const [i, a] of fixture.apps.entries()) {
      this.apps.set(a.id, {
        ...a,
        url: a.url ?? `https://${slug(a.label) || 'app'}.example.com/login`,
        created: iso(EPOCH - 60 * DAY + i * DAY),
        lastUpdated: iso(EPOCH - 10 * DAY + i * DAY),
      });
    }
  }

  /** A user by id, or by login (case-insensitive, as Okta matches logins). */
  findUser(idOrLogin: string): SandboxUser | undefined {
    const byId = this.users.get(idOrLogin);
    if (byId) return byId;
    const login = idOrLogin.toLowerCase();
    for (const u of this.users.values()) if (u.login.toLowerCase() === login) return u;
    return undefined;
  }

  /** Like findUser, but answers Okta's 404 for an unknown user. */
  requireUser(idOrLogin: string): SandboxUser {
    const user = this.findUser(idOrLogin);
    if (!user) throw notFound(idOrLogin, 'User');
    return user;
  }

  /** All users ordered by id, the order Okta's cursors walk. */
  usersById(): SandboxUser[] {
    return [...this.users.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The groups a user belongs to, ordered by id. */
  groupsOf(user: SandboxUser): SandboxGroup[] {
    return user.groupIds
      .map((id) => this.groups.get(id))
      .filter((g): g is SandboxGroup => g !== undefined)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** All groups ordered by id, the order Okta's cursors walk. */
  groupsById(): SandboxGroup[] {
    return [...this.groups.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** A group's members (any status), ordered by id. */
  membersOf(group: SandboxGroup): SandboxUser[] {
    return this.usersById().filter((u) => u.groupIds.includes(group.id));
  }

  /** Like apps.get, but answers Okta's 404 for an unknown app. */
  requireApp(appId: string): SandboxApp {
    const app = this.apps.get(appId);
    if (!app) throw notFound(appId, 'AppInstance');
    return app;
  }

  /** Whether the user is directly assigned to the app. */
  isAssigned(app: SandboxApp, userId: string): boolean {
    return app.assignedUserIds.includes(userId);
  }

  /**
   * Okta's admin password reset: the user moves to RECOVERY and either gets an email
   * (recorded in `resetEmails`) or the one-time link is returned to the caller. A user already
   * in RECOVERY can be reset again (a new link); `statusChanged` is, as Okta defines it, when
   * the status last changed, so it stays put then — only `lastUpdated` moves.
   */
  resetPassword(user: SandboxUser, sendEmail: boolean, baseUrl: string): ResetToken | ResetEmail {
    if (!RESETTABLE.has(user.status)) throw new SandboxOktaError('E0000038');
    const at = iso(this.now());
    if (user.status !== 'RECOVERY') user.statusChanged = at;
    user.status = 'RECOVERY';
    user.lastUpdated = at;
    this.logAdmin('user.account.reset_password', user);
    if (sendEmail) {
      const email = { userId: user.id, at };
      this.resetEmails.push(email);
      return email;
    }
    const token = randomBytes(15).toString('base64url').replace(/[-_]/g, 'x');
    const record = { userId: user.id, at, resetPasswordUrl: `${baseUrl}/reset_password/${token}` };
    this.resetTokens.push(record);
    return record;
  }

  /**
   * Okta's admin unlock: LOCKED_OUT → ACTIVE (logged). Any other status is Okta's 403 E0000032
   * ("Unlock is not allowed for this user"), as the real API answers.
   */
  unlock(user: SandboxUser): void {
    if (user.status !== 'LOCKED_OUT') throw new SandboxOktaError('E0000032');
    const at = iso(this.now());
    user.status = 'ACTIVE';
    user.statusChanged = at;
    user.lastUpdated = at;
    this.logAdmin('user.account.unlock_by_admin', user);
  }

  /** Ends every session of the user (`DELETE /api/v1/users/{id}/sessions`); logged when there was one. */
  clearSessions(user: SandboxUser): void {
    const open = this.sessions.get(user.id) ?? 0;
    this.sessions.set(user.id, 0);
    if (open > 0) this.logAdmin('user.session.clear', user);
  }

  /**
   * The user sets a new password (following the reset link, or changing it signed in):
   * `user.account.update_password` in the System Log, RECOVERY / PASSWORD_EXPIRED → ACTIVE, a new
   * session. Not an API operation: the sandbox's control route and tests call it.
   */
  completePasswordChange(user: SandboxUser): SandboxLogEvent {
    if (!['ACTIVE', 'RECOVERY', 'PASSWORD_EXPIRED'].includes(user.status)) {
      throw new Error(`${user.login} is ${user.status}: Okta would not let them set a password`);
    }
    const at = iso(this.now());
    if (user.status !== 'ACTIVE') user.statusChanged = at;
    user.status = 'ACTIVE';
    user.passwordChanged = at;
    user.lastUpdated = at;
    user.lastLogin = at;
    this.sessions.set(user.id, (this.sessions.get(user.id) ?? 0) + 1);
    const self = { id: user.id, type: 'User', alternateId: user.login, displayName: `${user.firstName} ${user.lastName}` };
    return this.systemLog.record({ eventType: 'user.account.update_password', actor: self, target: [self] });
  }

  /** Logs an admin (API) operation on `user`. */
  private logAdmin(eventType: string, user: SandboxUser): void {
    this.systemLog.record({
      eventType,
      actor: API_ACTOR,
      target: [{ id: user.id, type: 'User', alternateId: user.login, displayName: `${user.firstName} ${user.lastName}` }],
    });
  }
}
