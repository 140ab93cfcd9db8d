import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import type { SandboxState, SandboxUser } from './sandbox-state.js';

/**
 * The demo identity provider's login page: every user Okta would let sign in, as one button
 * each ("Sign in as Alice Nguyen — alice.nguyen@example.com"). No password: this is a demo org.
 */

/**
 * Okta refuses suspended, deprovisioned, locked-out and not yet activated users; so does the
 * demo. Users with an expired or reset password would set a new one on the way in: the demo
 * lets them straight in, so a requester can still follow their request after an Okta reset.
 */
const SIGN_IN_STATUSES: ReadonlySet<string> = new Set(['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY']);
const canSignIn = (user: SandboxUser): boolean => SIGN_IN_STATUSES.has(user.status);

const MAX_FORM_BYTES = 4096;

/** The page (GET) and the choice (POST) of one sign-in interaction, `/oidc/interaction/<uid>`. */
export async function handleLoginInteraction(
  provider: Provider,
  state: SandboxState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'POST') {
    const form = new URLSearchParams(await readForm(req));
    const user = state.users.get(form.get('account') ?? '');
    if (!user || !canSignIn(user)) {
      renderMessagePage(res, 400, 'Cannot sign in', 'That user does not exist or may not sign in. Go back and choose another.');
      return;
    }
    // Like an Okta org whose sign-on policy asks for a second factor where one is enrolled: the
    // ID token's amr shows MFA only for users with an ACTIVE factor (resetdesk's web channel
    // verifies the others before it acts).
    const mfa = user.factors.some((f) => f.status === 'ACTIVE');
    const amr = mfa ? ['pwd', 'mfa'] : ['pwd'];
    await provider.interactionFinished(req, res, { login: { accountId: user.id, amr } }, { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name !== 'login') {
    renderMessagePage(res, 400, 'Unexpected step', `The demo identity provider does not handle "${details.prompt.name}".`);
    return;
  }
  const users = [...state.users.values()].filter(canSignIn).sort((a, b) => displayName(a).localeCompare(displayName(b)));
  const items = users
    .map((u) => {
      const groups = state.groupsOf(u).map((g) => g.name);
      return `<li><button type="submit" name="account" value="${escapeHtml(u.id)}">Sign in as ${escapeHtml(displayName(u))} — ${escapeHtml(u.email)}</button>
<span class="groups">Groups: ${groups.length ? escapeHtml(groups.join(', ')) : 'none'}</span></li>`;
    })
    .join('\n');
  const content = `<p>This is the demo's identity provider (the built-in Okta sandbox). Choose who you are: no password is needed.
Users Okta would not let sign in (suspended, locked out, deprovisioned…) are not listed.</p>
<form method="post" action="/oidc/interaction/${encodeURIComponent(details.uid)}" aria-labelledby="choose">
<h2 id="choose">Demo users</h2>
<ul>
${items}
</ul>
</form>`;
  sendHtml(res, 200, htmlPage('Sign in to Example Corp', content));
}

/** A short page with a heading and one paragraph (errors, "not ready"). */
export function renderMessagePage(res: ServerResponse, status: number, title: string, message: string): void {
  sendHtml(res, status, htmlPage(title, `<p>${escapeHtml(message)}</p>`));
}

/** A complete, accessible page: language, title, one main landmark and one h1. `content` is HTML. */
export function htmlPage(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — demo identity provider</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; color: #1a1a1a; background: #f6f7f9; margin: 0; }
main { max-width: 40rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 8px; }
ul { list-style: none; padding: 0; }
li { margin: 0.75rem 0; }
button { font: inherit; padding: 0.5rem 0.75rem; border: 1px solid #1c4ed8; border-radius: 6px; background: #1c4ed8; color: #fff; cursor: pointer; }
button:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.groups { display: block; color: #4b5563; font-size: 0.875rem; }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${content}
</main>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const displayName = (u: SandboxUser): string => `${u.firstName} ${u.lastName}`;

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // Its own inline styles only. No form-action: the choice redirects on to the relying party.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
