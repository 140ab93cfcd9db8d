import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROJECT_ROOT } from '../version.js';

/** Where Vite builds the web app (src/web). */
const WEB_APP_ROOT = join(PROJECT_ROOT, 'dist', 'web');

/** Paths that belong to the server: an unknown one there is a JSON 404, never the web app. */
const SERVER_PREFIXES = ['/api', '/auth', '/dev', '/healthz', '/readyz'];

/** Vite puts content-hashed files under assets/: a new build has new names, so they may be cached for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>resetdesk</title></head>
<body>
<main>
<h1>resetdesk is running</h1>
<p>The web app has not been built. Run <code>npm run build</code>, then reload this page.</p>
<p>The HTTP API works meanwhile: see <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</main>
</body>
</html>
`;

/** Answers a request from the web app; false when it is not the web app's to answer. */
export type WebAppFallback = (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;

/**
 * The web app is served from the not-found handler rather than a wildcard route, so it adds no
 * route to the API (its document, authorization matrix and auth hook stay as they are): a GET of
 * a built file answers the file, any other GET outside the server's own paths answers
 * index.html (client-side routing), and without a build a short page says how to make one.
 */
export async function registerWebApp(app: FastifyInstance, root: string = WEB_APP_ROOT): Promise<WebAppFallback> {
  await app.register(fastifyStatic, { serve: false });
  return async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = request.url.split('?')[0] ?? '/';
    if (SERVER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) return false;
    if (!existsSync(join(root, 'index.html'))) {
      await reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
      return true;
    }
    const file = builtFile(root, path);
    // index.html names the current assets: it must never be served from a cache.
    void reply.header('cache-control', file === undefined ? 'no-store' : file.startsWith(`assets${sep}`) ? IMMUTABLE : 'no-cache');
    await reply.sendFile(file ?? 'index.html', root, { cacheControl: false });
    return true;
  };
}

/** The built file a URL path names, relative to root; undefined for anything else (including dotfiles and `..`). */
function builtFile(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const absolute = resolve(root, `.${decoded}`);
  const rel = relative(root, absolute);
  if (!rel || rel.startsWith('..') || rel.split(sep).some((part) => part.startsWith('.'))) return undefined;
  try {
    return statSync(absolute).isFile() ? rel : undefined;
  } catch {
    return undefined;
  }
}
