import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../src/http/api-types.js';
import { DIALECTS } from './helpers/databases.js';
import { errorOf, startTestContext, type TestContext } from './helpers/test-context.js';

type RequestView = components['schemas']['Request'];

interface Stream {
  status: number;
  contentType: string | undefined;
  /** Resolves with every `event: request` once the server ends the stream. */
  done: Promise<RequestView[]>;
  /** Resolves with the first event. */
  first: Promise<RequestView>;
}

/** Reads a server-sent event stream with a bare HTTP client, as EventSource would. */
function openStream(baseUrl: string, path: string, token: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(path, baseUrl), { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
      const views: RequestView[] = [];
      let buffer = '';
      let onFirst: (v: RequestView) => void = () => {};
      const first = new Promise<RequestView>((r) => {
        onFirst = r;
      });
      const done = new Promise<RequestView[]>((r, fail) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block
              .split('\n')
              .filter((l) => l.startsWith('data: '))
              .map((l) => l.slice(6))
              .join('\n');
            if (block.split('\n').includes('event: request') && data) {
              views.push(JSON.parse(data) as RequestView);
              if (views.length === 1) onFirst(views[0]!);
            }
            end = buffer.indexOf('\n\n');
          }
        });
        res.on('end', () => r(views));
        res.on('error', fail);
      });
      resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], done, first });
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('stream timed out')));
  });
}

describe.each(DIALECTS)('GET /api/v1/requests/{id}/stream on %s', (dialect) => {
  let t: TestContext;
  let alice: string;
  let bob: string;
  let approver: string;

  beforeAll(async () => {
    t = await startTestContext(dialect);
    alice = await t.token('alice@example.com');
    bob = await t.token('bob@example.com');
    approver = await t.token('irene@example.com', 'approver');
  });
  afterAll(async () => t?.close());

  async function escalated(): Promise<string> {
    const created = await t.create(alice, { app: 'Salesforce', justification: 'stream' });
    await t.waitForStatus(created.data!.request_id, alice, ['Escalated']);
    return created.data!.request_id;
  }

  it('sends the request at once, then each change, until it is Closed as Completed', async () => {
    const id = await escalated();
    const stream = await openStream(t.url, `/api/v1/requests/${id}/stream`, alice);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const first = await stream.first;
    expect(first).toMatchObject({ request_id: id, status: 'Escalated', app: 'Salesforce' });
    expect(first).not.toHaveProperty('summary');

    expect((await t.decide(id, approver, 'approve')).status).toBe(200);
    const views = await stream.done;
    const statuses = views.map((v) => v.status);
    expect(statuses[0]).toBe('Escalated');
    // Completed shows either as its own event or as the resolution Closed keeps.
    expect(views.some((v) => v.status === 'Completed' || v.resolution === 'Completed')).toBe(true);
    expect(views.at(-1)).toMatchObject({ status: 'Closed', resolution: 'Completed', manualDecision: 'Approved' });
    // Only changes are sent: no two consecutive events are the same version.
    for (let i = 1; i < views.length; i++) {
      expect(`${views[i]!.status}|${views[i]!.updatedAt}`).not.toBe(`${views[i - 1]!.status}|${views[i - 1]!.updatedAt}`);
    }
  }, 30_000);

  it("is a 404 to a requester following someone else's request, and needs a token", async () => {
    const id = await escalated();
    const res = await t.raw('GET', `/api/v1/requests/${id}/stream`, { token: bob });
    expect(res.status).toBe(404);
    expect(errorOf(res)?.code).toBe('REQUEST_NOT_FOUND');
    expect((await t.raw('GET', `/api/v1/requests/${id}/stream`)).status).toBe(401);
  });

  it('a stream still open when the server stops is ended, not waited for', async () => {
    const id = await escalated();
    const stream = await openStream(t.url, `/api/v1/requests/${id}/stream`, approver);
    await stream.first;
    const started = Date.now();
    await t.app.server.close();
    expect(await stream.done).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
