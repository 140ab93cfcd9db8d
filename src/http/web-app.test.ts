import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandler } from './error-handler.js';
import { registerWebApp } from './web-app.js';

const INDEX = '<!doctype html><title>app</title><script type="module" src="/assets/app-3f9a.js"></script>';

async function server(root: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  registerErrorHandler(app, await registerWebApp(app, root));
  app.get('/api/v1/real', async () => ({ ok: true }));
  await app.ready();
  return app;
}

describe('the web app from dist/web', () => {
  let root: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'resetdesk-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), INDEX);
    writeFileSync(join(root, 'assets', 'app-3f9a.js'), 'export {};');
    writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(root, '.env'), 'SECRET=1');
    app = await server(root);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers index.html, never cached, for / and for any client-side route', async () => {
    for (const url of ['/', '/requests/req_123', '/requests?status=Escalated', '/deep/link/']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers['content-type'], url).toMatch(/^text\/html/);
      expect(res.headers['cache-control'], url).toBe('no-store');
    }
    expect((await app.inject({ method: 'HEAD', url: '/' })).statusCode).toBe(200);
  });

  it('serves built files: hashed assets cached for good, other files revalidated', async () => {
    const asset = await app.inject({ method: 'GET', url: '/assets/app-3f9a.js' });
    expect([asset.statusCode, asset.body, asset.headers['cache-control']]).toEqual([
      200,
      'export {};',
      'public, max-age=31536000, immutable',
    ]);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect([icon.statusCode, icon.headers['cache-control']]).toEqual([200, 'no-cache']);
  });

  it('never serves a dotfile or anything outside the build', async () => {
    for (const url of ['/.env', '/assets/../.env', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/assets/%00x']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.body, url).not.toContain('SECRET');
      expect(res.body, url).not.toContain('root:');
    }
  });

  it("leaves the server's own paths and other methods to the JSON 404", async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/nope'],
      ['GET', '/api'],
      ['GET', '/auth/nope'],
      ['GET', '/dev/mailbox'],
      ['GET', '/healthz/x'],
      ['POST', '/requests'],
      ['DELETE', '/'],
    ] as const) {
      const res = await app.inject({ method, url });
      expect([res.statusCode, res.json().error.code], `${method} ${url}`).toEqual([404, 'ROUTE_NOT_FOUND']);
    }
    expect((await app.inject({ method: 'GET', url: '/api/v1/real' })).json()).toEqual({ ok: true });
  });
});

describe('before the web app is built', () => {
  let root: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    root = join(mkdtempSync(join(tmpdir(), 'resetdesk-web-')), 'missing');
    app = await server(root);
  });
  afterAll(async () => app?.close());

  it('answers a short page saying how to build it', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('npm run build');
    expect(res.body).toContain('<html lang="en">');
    expect((await app.inject({ method: 'GET', url: '/api/v1/nope' })).statusCode).toBe(404);
  });
});
