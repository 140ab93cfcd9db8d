/**
 * Okta's JSON answers → the domain's OktaFacts shapes. Only the fields resetdesk reads are
 * checked; anything else Okta adds is ignored, so new Okta fields never break a lookup.
 */
import { z } from 'zod';
import type {
  FactorResult,
  FactorVerification,
  OktaAppInfo,
  OktaFactor,
  OktaGroup,
  OktaLogEvent,
  OktaRole,
  OktaUser,
} from '../../domain/okta-facts.js';
import { AppError } from '../../errors/error-codes.js';

const optionalString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

/**
 * An ISO 8601 date-time, normalised to UTC. Lenient on purpose: a missing or unreadable value
 * becomes undefined ("unknown") instead of failing the whole user, since its only reader (the
 * Okta reset retry) takes unknown as "not shown to have happened".
 */
const optionalTimestamp = z.iso
  .datetime({ offset: true })
  .nullish()
  .catch(undefined)
  .transform((v) => (v == null ? undefined : new Date(v).toISOString()));

const userSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  statusChanged: optionalTimestamp,
  // Strict: an unreadable value must not pass for "no transition in progress".
  transitioningToStatus: optionalString,
  profile: z.object({
    login: z.string(),
    email: optionalString,
    firstName: optionalString,
    lastName: optionalString,
  }),
});

const appSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  label: z.string(),
  signOnMode: z.string(),
  status: z.string(),
});

const roleSchema = z.object({ type: z.string(), label: optionalString, status: optionalString });

const groupSchema = z.object({ id: z.string().min(1), profile: z.object({ name: z.string() }) });

const factorSchema = z.object({
  id: z.string().min(1),
  factorType: z.string(),
  provider: z.string(),
  status: z.string(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown shape';
    throw new AppError('OKTA_ERROR', `Okta's ${what} answer has an unexpected shape (${where})`);
  }
  return result.data;
}

export function toOktaUser(value: unknown): OktaUser {
  const user = parse(userSchema, value, 'user');
  const out: OktaUser = { id: user.id, status: user.status, login: user.profile.login, email: user.profile.email ?? '' };
  if (user.profile.firstName !== undefined) out.firstName = user.profile.firstName;
  if (user.profile.lastName !== undefined) out.lastName = user.profile.lastName;
  if (user.statusChanged !== undefined) out.statusChanged = user.statusChanged;
  if (user.transitioningToStatus !== undefined) out.transitioningToStatus = user.transitioningToStatus;
  return out;
}

export function toOktaApp(value: unknown): OktaAppInfo {
  const app = parse(appSchema, value, 'app');
  return { id: app.id, name: app.name, label: app.label, signOnMode: app.signOnMode, status: app.status };
}

export function toOktaRoles(values: unknown[]): OktaRole[] {
  return values.map((value) => {
    const role = parse(roleSchema, value, 'role');
    const out: OktaRole = { type: role.type };
    if (role.label !== undefined) out.label = role.label;
    if (role.status !== undefined) out.status = role.status;
    return out;
  });
}

export function toOktaGroups(values: unknown[]): OktaGroup[] {
  return values.map((value) => {
    const group = parse(groupSchema, value, 'group');
    return { id: group.id, name: group.profile.name };
  });
}

export function toOktaFactors(values: unknown[]): OktaFactor[] {
  return values.map((value) => {
    const factor = parse(factorSchema, value, 'factor');
    return { id: factor.id, factorType: factor.factorType, provider: factor.provider, status: factor.status };
  });
}

const verificationSchema = z.object({
  factorResult: z.string(),
  expiresAt: optionalTimestamp,
  _links: z.object({ poll: z.object({ href: z.string().min(1) }).nullish() }).nullish(),
  _embedded: z
    .object({ challenge: z.object({ correctAnswer: z.number().int().nullish() }).nullish() })
    .nullish()
    .catch(undefined),
});

/**
 * Okta's `factorResult` → ours. Okta's other verdicts on an answer (a code used twice, a push
 * answered too late, FAILED) are a "no" for the person proving who they are; EXPIRED is a push
 * nobody answered in time.
 */
const FACTOR_RESULTS: Record<string, FactorResult> = {
  WAITING: 'WAITING',
  CHALLENGE: 'CHALLENGE',
  SUCCESS: 'SUCCESS',
  REJECTED: 'REJECTED',
  TIMEOUT: 'TIMEOUT',
  EXPIRED: 'TIMEOUT',
  FAILED: 'REJECTED',
  CANCELLED: 'REJECTED',
  PASSCODE_REPLAYED: 'REJECTED',
  TIME_WINDOW_EXCEEDED: 'REJECTED',
};

/** A verify or poll answer (`UserFactorVerifyResponse`, `UserFactorPushTransaction`). */
export function toFactorVerification(value: unknown, what: string): FactorVerification {
  const v = parse(verificationSchema, value, what);
  const result = FACTOR_RESULTS[v.factorResult];
  if (!result) throw new AppError('OKTA_ERROR', `Okta's ${what} answer has factorResult ${JSON.stringify(v.factorResult.slice(0, 40))}`);
  const pollUrl = v._links?.poll?.href ?? null;
  if (result === 'WAITING' && pollUrl === null) throw new AppError('OKTA_ERROR', `Okta's ${what} answer is WAITING without a poll link`);
  return {
    result,
    pollUrl: result === 'WAITING' ? pollUrl : null,
    numberChallenge: v._embedded?.challenge?.correctAnswer ?? null,
    expiresAt: v.expiresAt ?? null,
  };
}

const logEventSchema = z.object({
  uuid: z.string().min(1),
  eventType: z.string().min(1),
  published: z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString()),
  outcome: z.object({ result: optionalString }).nullish(),
});

export function toOktaLogEvents(values: unknown[]): OktaLogEvent[] {
  return values.map((value) => {
    const e = parse(logEventSchema, value, 'System Log event');
    return { uuid: e.uuid, eventType: e.eventType, published: e.published, outcome: e.outcome?.result ?? null };
  });
}
