import { parseFixture, type SandboxFixture } from '../../src/okta-sandbox/index.js';

/**
 * Signing in to resetdesk the way a browser does, without a browser: fetch with a small cookie
 * jar, following each redirect by hand, through /auth/login, the identity provider (the
 * sandbox's demo provider: its login page lists users as buttons) and /auth/callback.
 */

interface StoredCookie {
  value: string;
  path: string;
}

/** Cookies per host (browsers share them across ports) and path; enough for these flows. */
class CookieJar {
  private readonly hosts = new Map<string, Map<string, StoredCookie>>();

  /** The Cookie header a browser would send to `url`. */
  header(url: URL): string {
    const cookies = this.hosts.get(url.hostname) ?? new Map<string, StoredCookie>();
    return [...cookies]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  /** Keeps what a response's Set-Cookie headers set, and drops what they expire. */
  store(url: URL, response: Response): void {
    const cookies = this.hosts.get(url.hostname) ?? new Map<string, StoredCookie>();
    this.hosts.set(url.hostname, cookies);
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((p) => p.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const attr = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const expired = attr('max-age') === '0' || (attr('expires') !== undefined && Date.parse(attr('expires') ?? '') <= Date.now());
      if (expired) cookies.delete(name);
      else cookies.set(name, { value: pair.slice(eq + 1), path: attr('path') ?? '/' });
    }
  }

  /** A cookie's value for `url`'s host, if the jar holds it. */
  get(url: URL, name: string): string | undefined {
    return this.hosts.get(url.hostname)?.get(name)?.value;
  }
}

/** A browser's view: a cookie jar, and fetch that sends its cookies and never follows redirects. */
export interface Browser {
  jar: CookieJar;
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
}

export function newBrowser(): Browser {
  const jar = new CookieJar();
  return {
    jar,
    async fetch(url, init = {}) {
      const target = new URL(url);
      const headers = new Headers(init.headers);
      const cookie = jar.header(target);
      if (cookie) headers.set('cookie', cookie);
      const response = await fetch(target, { ...init, headers, redirect: 'manual' });
      jar.store(target, response);
      return response;
    },
  };
}

/** What a finished sign-in left behind. */
export interface SignedIn {
  /** Where /auth/callback sent the browser (the returnTo it honoured), absolute. */
  landedAt: string;
  /** The Set-Cookie header of the session cookie, as sent. */
  sessionSetCookie: string;
}

/** The identity provider's login page, reached from resetdesk's /auth/login as a browser would. */
export async function openLoginPage(browser: Browser, baseUrl: string, returnTo = '/'): Promise<{ url: URL; html: string }> {
  let url = new URL(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`, baseUrl);
  let response = await browser.fetch(url);
  // To the provider, and on to its login page.
  while (response.status >= 300 && response.status < 400) {
    url = new URL(response.headers.get('location') ?? '', url);
    response = await browser.fetch(url);
  }
  const html = await response.text();
  if (response.status !== 200) throw new Error(`the login page answered ${response.status}: ${html.slice(0, 300)}`);
  return { url, html };
}

/**
 * Signs `email` in at resetdesk (`baseUrl`) through the demo identity provider's login page.
 * Fails when the page has no button for that user.
 */
export async function signInAs(browser: Browser, baseUrl: string, email: string, returnTo = '/'): Promise<SignedIn> {
  const page = await openLoginPage(browser, baseUrl, returnTo);
  const action = /<form method="post" action="([^"]+)"/.exec(page.html)?.[1];
  const account = new RegExp(
    `<button type="submit" name="account" value="([^"]+)">Sign in as [^<]* — ${escapeRegExp(email)}</button>`,
  ).exec(page.html)?.[1];
  if (!action || !account) throw new Error(`no sign-in button for ${email} on the login page: ${page.html.slice(0, 2000)}`);
  let url = new URL(action, page.url);
  let response = await browser.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ account }).toString(),
  });
  // Back through the provider to /auth/callback, which answers with the session cookie.
  let sessionSetCookie: string | undefined;
  while (response.status >= 300 && response.status < 400) {
    const next = new URL(response.headers.get('location') ?? '', url);
    if (url.pathname === '/auth/callback') {
      sessionSetCookie = response.headers.getSetCookie().find((c) => c.startsWith('resetdesk_session='));
      if (!sessionSetCookie) throw new Error('/auth/callback set no session cookie');
      return { landedAt: next.href, sessionSetCookie };
    }
    url = next;
    response = await browser.fetch(url);
  }
  throw new Error(`the sign-in ended at ${url.pathname} with ${response.status}: ${(await response.text()).slice(0, 300)}`);
}

/** A JSON call as the browser (its cookies); `csrfToken` goes in x-csrf-token when given. */
export async function callAs(
  browser: Browser,
  baseUrl: string,
  method: string,
  path: string,
  opts: { body?: unknown; csrfToken?: string; headers?: Record<string, string>; contentType?: string } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  // A body with another content type (a CSV upload) is sent as the string it is.
  const asIs = opts.contentType !== undefined && typeof opts.body === 'string';
  if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  if (opts.csrfToken !== undefined) headers['x-csrf-token'] = opts.csrfToken;
  const response = await browser.fetch(new URL(path, baseUrl), {
    method,
    headers,
    ...(opts.body !== undefined ? { body: asIs ? (opts.body as string) : JSON.stringify(opts.body) } : {}),
  });
  // An event stream runs for minutes: its status and headers are the answer; the body is left unread.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    await response.body?.cancel();
    return { status: response.status, body: null, headers: response.headers };
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, body, headers: response.headers };
}

/** A fresh browser signed in as `email`, with the CSRF token GET /api/v1/me handed it. */
export async function signedInBrowser(baseUrl: string, email: string): Promise<{ browser: Browser; csrfToken: string }> {
  const browser = newBrowser();
  await signInAs(browser, baseUrl, email);
  const me = await callAs(browser, baseUrl, 'GET', '/api/v1/me');
  const csrfToken = (me.body as { csrfToken?: unknown } | null)?.csrfToken;
  if (typeof csrfToken !== 'string') throw new Error(`GET /api/v1/me after signing in answered ${me.status}: ${JSON.stringify(me.body)}`);
  return { browser, csrfToken };
}

/**
 * `fixture` plus the groups sign-in maps to roles by default ("IT Approvers", "IT Admins"),
 * with these users (ids) in them.
 */
export function withSignInGroups(fixture: SandboxFixture, members: { approvers: string[]; admins: string[] }): SandboxFixture {
  const approvers = '00gTTTTTTTTTTTTTTT90';
  const admins = '00gTTTTTTTTTTTTTTT91';
  const extra = (id: string) => [...(members.approvers.includes(id) ? [approvers] : []), ...(members.admins.includes(id) ? [admins] : [])];
  return parseFixture({
    ...fixture,
    // The fixture may already have one of these groups (the test org's "IT Approvers" has this id).
    groups: [
      ...fixture.groups,
      ...[
        { id: approvers, name: 'IT Approvers' },
        { id: admins, name: 'IT Admins' },
      ].filter((g) => !fixture.groups.some((f) => f.id === g.id)),
    ],
    users: fixture.users.map((u) => ({ ...u, groupIds: [...new Set([...u.groupIds, ...extra(u.id)])] })),
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
