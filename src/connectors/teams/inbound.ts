/**
 * Inbound activities: is this request Teams speaking for our bot, in our organisation? The token
 * is checked by the Bot Framework SDK (botframework-connector's ParameterizedBotFrameworkAuthentication:
 * signature by a key from the OpenID metadata's JWKS, endorsed for the channel; issuer; expiry with
 * its 5-minute leeway; audience = our app id; `serviceurl` claim = the activity's serviceUrl), after
 * three checks of our own that keep its other paths (emulator, skills, ASE) out: the channel is
 * `msteams`, the token's issuer is the Bot Framework's, and nothing but a Bearer token is offered.
 * The tenant is ours to check: the SDK does not know whose organisation the activity is from.
 */
import connector from 'botframework-connector';
import { BOT_CONNECTOR_SCOPE, BOT_FRAMEWORK_ISSUER } from './constant.js';
import { activitySchema, type InboundCheck, isHttpsOrLoopback, type TeamsConfig } from './types.js';

const { AuthenticationConfiguration, BotFrameworkAuthenticationFactory, PasswordServiceClientCredentialFactory } = connector;

type Refusal = Extract<InboundCheck, { ok: false }>;
const refuse = (message: string): Refusal => ({ ok: false, status: 401, code: 'TEAMS_TOKEN_INVALID', message });

/** Builds the checker for one bot; the SDK caches the signing keys per metadata URL. */
export function createInboundAuthenticator(
  config: TeamsConfig,
): (authorization: string | undefined, body: unknown) => Promise<InboundCheck> {
  const auth = BotFrameworkAuthenticationFactory.create(
    '',
    true,
    config.loginUrl ?? '',
    BOT_CONNECTOR_SCOPE,
    BOT_FRAMEWORK_ISSUER,
    '',
    config.openIdMetadataUrl,
    // Never reached (emulator tokens are refused by issuer first); the same keys, not the internet's.
    config.openIdMetadataUrl,
    '',
    new PasswordServiceClientCredentialFactory(config.appId, config.appPassword, config.tenantId),
    new AuthenticationConfiguration(),
  );

  return async (authorization, body) => {
    const parsed = activitySchema.safeParse(body);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return {
        ok: false,
        status: 400,
        code: 'VALIDATION_FAILED',
        message: `The body is not a Bot Framework activity (${first?.path.join('.') || 'body'}: ${first?.message}).`,
      };
    }
    const activity = parsed.data;
    const token = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization?.trim() ?? '')?.[1];
    if (!token) return refuse('No Bearer token from the Bot Framework in the Authorization header.');
    if (activity.channelId !== 'msteams')
      return refuse(`Only Microsoft Teams activities are accepted (channelId ${JSON.stringify(activity.channelId.slice(0, 40))}).`);
    if (!isHttpsOrLoopback(activity.serviceUrl)) return refuse('The activity’s serviceUrl is not an https:// URL.');
    if (issuerOf(token) !== BOT_FRAMEWORK_ISSUER) return refuse(`The token was not issued by ${BOT_FRAMEWORK_ISSUER}.`);
    try {
      await auth.authenticateRequest(activity as never, `Bearer ${token}`);
    } catch (err) {
      const e = err as { message?: unknown; statusCode?: unknown };
      // The SDK reports a metadata or key download that failed as a 500: Microsoft is unreachable, not the token bad.
      if (e.statusCode === 500)
        return { ok: false, status: 503, code: 'TEAMS_UNAVAILABLE', message: 'The Bot Framework’s signing keys could not be read.' };
      return refuse(`The Bot Framework token does not verify: ${String(e.message ?? err).slice(0, 200)}`);
    }
    const tenantId = activity.channelData?.tenant?.id ?? activity.conversation.tenantId;
    if (!tenantId || tenantId.toLowerCase() !== config.tenantId.toLowerCase()) {
      return refuse('The activity comes from another Microsoft Entra tenant than MICROSOFT_APP_TENANT_ID.');
    }
    return { ok: true, activity, tenantId: config.tenantId };
  };
}

/** The token's `iss`, read without verifying (only to choose which rules apply; the SDK verifies). */
function issuerOf(token: string): string | null {
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && 'iss' in payload && typeof payload.iss === 'string' ? payload.iss : null;
  } catch {
    return null;
  }
}
