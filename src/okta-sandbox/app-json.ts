import type { SandboxApp, SandboxUser } from './sandbox-state.js';

/**
 * Okta's Application and Application User JSON. The spec discriminates apps by `signOnMode`
 * (AutoLoginApplication, SamlApplication, …) and each variant requires its own `name` and
 * `settings`, so the settings are built per sign-on mode with the fields those schemas require.
 */

/** Password-vaulting (SWA) sign-on modes: Okta stores a per-app username and password. */
const SWA_MODES = new Set(['AUTO_LOGIN', 'BROWSER_PLUGIN', 'SECURE_PASSWORD_STORE', 'BASIC_AUTH']);

const ORG_ID = '00o1exampleCorpOrg00';
const USERNAME_TEMPLATE = { template: '${source.login}', type: 'BUILT_IN' };

function origin(url: string): string {
  return new URL(url).origin;
}

function credentialsFor(app: SandboxApp): Record<string, unknown> {
  if (SWA_MODES.has(app.signOnMode)) {
    return { scheme: 'EDIT_USERNAME_AND_PASSWORD', userNameTemplate: USERNAME_TEMPLATE, revealPassword: false, signing: {} };
  }
  if (app.signOnMode === 'OPENID_CONNECT') {
    return {
      userNameTemplate: USERNAME_TEMPLATE,
      signing: { kid: `${app.id}-sig` },
      oauthClient: { autoKeyRotation: true, client_id: app.id, token_endpoint_auth_method: 'client_secret_basic' },
    };
  }
  return { userNameTemplate: USERNAME_TEMPLATE, signing: {} };
}

/** `settings.app` / `settings.signOn` / `settings.oauthClient` for the app's sign-on mode. */
function modeSettings(app: SandboxApp): Record<string, unknown> {
  const site = origin(app.url);
  switch (app.signOnMode) {
    case 'BROWSER_PLUGIN':
      return { app: { buttonField: 'button[type=submit]', passwordField: '#password', usernameField: '#username', url: app.url } };
    case 'SECURE_PASSWORD_STORE':
      return { app: { url: app.url, usernameField: '#username', passwordField: '#password', optionalField1: '', optionalField1Value: '' } };
    case 'BASIC_AUTH':
      return { app: { url: app.url, authURL: app.url } };
    case 'AUTO_LOGIN':
      return { app: {}, signOn: { loginUrl: app.url, redirectUrl: `${site}/` } };
    case 'BOOKMARK':
      return { app: { requestIntegration: false, url: app.url } };
    case 'WS_FEDERATION':
      return {
        app: {
          audienceRestriction: `urn:federation:${new URL(app.url).hostname}`,
          groupValueFormat: 'windowsDomainQualifiedName',
          wReplyURL: `${site}/wsfed`,
          wReplyOverride: false,
          nameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
          authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
          siteURL: site,
          usernameAttribute: 'username',
          realm: `urn:okta:app:${app.id}`,
        },
      };
    case 'OPENID_CONNECT':
      return {
        app: {},
        oauthClient: {
          client_uri: site,
          redirect_uris: [`${site}/oauth2/callback`],
          response_types: ['code'],
          grant_types: ['authorization_code', 'refresh_token'],
          application_type: 'web',
          consent_method: 'TRUSTED',
          issuer_mode: 'DYNAMIC',
          idp_initiated_login: { mode: 'DISABLED', default_scope: [] },
          wildcard_redirect: 'DISABLED',
        },
      };
    case 'SAML_2_0':
    case 'SAML_1_1':
      return {
        app: {},
        signOn: {
          defaultRelayState: '',
          ssoAcsUrl: `${site}/saml/acs`,
          idpIssuer: 'http://www.okta.com/${org.externalKey}',
          audience: site,
          recipient: `${site}/saml/acs`,
          destination: `${site}/saml/acs`,
          subjectNameIdTemplate: '${user.userName}',
          subjectNameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
          responseSigned: true,
          assertionSigned: true,
          signatureAlgorithm: 'RSA_SHA256',
          digestAlgorithm: 'SHA256',
          honorForceAuthn: true,
          authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
          requestCompressed: false,
          allowMultipleAcsEndpoints: false,
          acsEndpoints: [],
          attributeStatements: [],
        },
      };
  }
}

/** An app as `GET /api/v1/apps/{appId}` returns it. */
export function appJson(app: SandboxApp, base: string): Record<string, unknown> {
  const self = `${base}/api/v1/apps/${app.id}`;
  const linkName = `${app.name}_link`;
  const links: Record<string, unknown> = {
    logo: [{ name: 'medium', href: `${base}/assets/img/logos/default.png`, type: 'image/png' }],
    appLinks: [{ name: linkName, href: `${base}/home/${app.name}/${app.id}/aln1${app.id.slice(4)}`, type: 'text/html' }],
    help: { href: `${base}/app/${app.name}/${app.id}/setup/help/${app.signOnMode}/instructions`, type: 'text/html' },
    users: { href: `${self}/users` },
    groups: { href: `${self}/groups` },
    accessPolicy: { href: `${base}/api/v1/policies/rst1exampleCorpPol00` },
    [app.status === 'ACTIVE' ? 'deactivate' : 'activate']: {
      href: `${self}/lifecycle/${app.status === 'ACTIVE' ? 'deactivate' : 'activate'}`,
    },
  };
  if (app.signOnMode === 'SAML_2_0' || app.signOnMode === 'SAML_1_1') {
    links.metadata = { href: `${self}/sso/saml/metadata`, type: 'application/xml' };
  }
  return {
    id: app.id,
    orn: `orn:okta:idp:${ORG_ID}:apps:${app.name}:${app.id}`,
    name: app.name,
    label: app.label,
    status: app.status,
    lastUpdated: app.lastUpdated,
    created: app.created,
    accessibility: { selfService: false },
    visibility: { autoLaunch: false, autoSubmitToolbar: false, hide: { iOS: false, web: false }, appLinks: { [linkName]: true } },
    features: [],
    signOnMode: app.signOnMode,
    credentials: credentialsFor(app),
    settings: {
      ...modeSettings(app),
      notifications: { vpn: { network: { connection: 'DISABLED' } } },
      manualProvisioning: false,
      implicitAssignment: false,
      notes: {},
    },
    _links: links,
  };
}

/** A user's assignment to an app, as `GET /api/v1/apps/{appId}/users/{userId}` returns it. */
export function appUserJson(app: SandboxApp, user: SandboxUser, base: string): Record<string, unknown> {
  // ISO-8601 strings compare in time order (Math.max would turn them into NaN).
  const assigned = app.created > user.created ? app.created : user.created;
  return {
    id: user.id,
    scope: 'USER',
    status: 'ACTIVE',
    created: assigned,
    lastUpdated: assigned,
    statusChanged: assigned,
    passwordChanged: null,
    syncState: 'DISABLED',
    credentials: SWA_MODES.has(app.signOnMode) ? { userName: user.login, password: {} } : { userName: user.login },
    profile: {},
    _links: {
      app: { href: `${base}/api/v1/apps/${app.id}` },
      user: { href: `${base}/api/v1/users/${user.id}` },
    },
  };
}
