import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Confluence Cloud site on 127.0.0.1 speaking the REST API v2's wire format for the one
 * call resetdesk makes, GET /wiki/api/v2/pages/{id}, and enforcing its shapes: Basic
 * credentials (401 otherwise), `body-format=storage` (else the page comes without a storage body,
 * as Confluence answers without body-format — here a 400 so a client that forgets it fails
 * loudly), the v2 error bodies, and the page JSON (id, status, title, version, body.storage).
 */
export interface FakeConfluence {
  /** e.g. http://127.0.0.1:PORT — the CONFLUENCE_BASE_URL. */
  url: string;
  email: string;
  apiToken: string;
  /** Sets a page's storage body; each call publishes a new version (1, 2, …). */
  setPage(id: string, storage: string, title?: string): void;
  /** Moves a page to the trash: GET answers 404 from now on. */
  deletePage(id: string): void;
  /** Answers every call with this status (e.g. 503) until set back to null. */
  failWith(status: number | null): void;
  /** Requests received: method, path with query, and whether the credentials were right. */
  calls(): { method: string; path: string; authorized: boolean }[];
  close(): Promise<void>;
}

interface StoredPage {
  id: string;
  title: string;
  storage: string;
  version: number;
  createdAt: string;
  versionCreatedAt: string;
  deleted: boolean;
}

const SPACE_ID = '98305';
const AUTHOR_ID = '557058:f1e1a8f2-0000-4000-8000-000000000001';

export async function startFakeConfluence(opts: { email?: string; apiToken?: string } = {}): Promise<FakeConfluence> {
  const email = opts.email ?? 'resetdesk-bot@example.com';
  const apiToken = opts.apiToken ?? 'ATATT3xFfGF0-fake-token';
  const expected = `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}`;
  const pages = new Map<string, StoredPage>();
  const log: { method: string; path: string; authorized: boolean }[] = [];
  let failure: number | null = null;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
    res.end(JSON.stringify(body));
  };
  const v2Error = (res: ServerResponse, status: number, code: string, title: string, detail: string | null = null) =>
    send(res, status, { errors: [{ status, code, title, detail }] });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://confluence.invalid');
    const authorized = req.headers.authorization === expected;
    log.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, authorized });
    if (failure !== null) return v2Error(res, failure, 'SERVICE_UNAVAILABLE', 'Service Unavailable');
    if (!authorized) {
      // What Atlassian answers for missing or wrong Basic credentials.
      res.setHeader('www-authenticate', 'Basic realm="Confluence"');
      return send(res, 401, { code: 401, message: 'Unauthorized; scope does not match' });
    }
    const match = /^\/wiki\/api\/v2\/pages\/([^/]+)$/.exec(url.pathname);
    if (!match) return v2Error(res, 404, 'NOT_FOUND', 'Not Found', `No route for ${url.pathname}`);
    if (req.method !== 'GET') return v2Error(res, 405, 'METHOD_NOT_ALLOWED', 'Method Not Allowed');
    const id = decodeURIComponent(match[1] ?? '');
    if (!/^\d+$/.test(id)) return v2Error(res, 400, 'INVALID_REQUEST_PARAMETER', "Provided value {id} for 'id' is not the correct type.");
    const bodyFormat = url.searchParams.get('body-format');
    if (bodyFormat !== 'storage') {
      return v2Error(res, 400, 'INVALID_REQUEST_PARAMETER', `body-format must be storage in this fake (got ${String(bodyFormat)})`);
    }
    const page = pages.get(id);
    if (!page || page.deleted) return v2Error(res, 404, 'NOT_FOUND', 'Not Found');
    return send(res, 200, {
      id: page.id,
      status: 'current',
      title: page.title,
      spaceId: SPACE_ID,
      parentId: '65537',
      parentType: 'page',
      position: 0,
      authorId: AUTHOR_ID,
      ownerId: AUTHOR_ID,
      lastOwnerId: null,
      createdAt: page.createdAt,
      version: { createdAt: page.versionCreatedAt, message: '', number: page.version, minorEdit: false, authorId: AUTHOR_ID },
      body: { storage: { representation: 'storage', value: page.storage } },
      _links: {
        editui: `/pages/resumedraft.action?draftId=${page.id}`,
        webui: `/spaces/IT/pages/${page.id}/${encodeURIComponent(page.title.replace(/ /g, '+'))}`,
        tinyui: `/x/${page.id}`,
        base: 'http://confluence.invalid/wiki',
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    email,
    apiToken,
    setPage(id, storage, title) {
      const now = new Date().toISOString();
      const old = pages.get(id);
      pages.set(id, {
        id,
        title: title ?? old?.title ?? 'Password reset policy',
        storage,
        version: (old?.version ?? 0) + 1,
        createdAt: old?.createdAt ?? now,
        versionCreatedAt: now,
        deleted: false,
      });
    },
    deletePage(id) {
      const page = pages.get(id);
      if (page) page.deleted = true;
    },
    failWith(status) {
      failure = status;
    },
    calls: () => [...log],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A policy page as Confluence stores it: a heading, some text, the YAML in a code macro, more text. */
export function policyPageStorage(yaml: string, opts: { language?: string | null; before?: string; after?: string } = {}): string {
  const language = opts.language === undefined ? 'yaml' : opts.language;
  const languageParam = language === null ? '' : `<ac:parameter ac:name="language">${language}</ac:parameter>`;
  return [
    '<h1>Password reset policy</h1>',
    opts.before ??
      '<p>Approvers: read this before deciding. Resets for someone else&rsquo;s account need the manager&#39;s OK &amp; a ticket.</p>',
    `<ac:structured-macro ac:name="code" ac:schema-version="1" ac:macro-id="d6c6b2a4-1f1e-4a55-9b1e-2f6c2b7f0a01">${languageParam}<ac:parameter ac:name="linenumbers">true</ac:parameter><ac:plain-text-body><![CDATA[${yaml.replace(/]]>/g, ']]]]><![CDATA[>')}]]></ac:plain-text-body></ac:structured-macro>`,
    opts.after ?? '<ul><li>Escalations: reply within 24 h.</li><li>Questions: #it-help</li></ul>',
  ].join('');
}
