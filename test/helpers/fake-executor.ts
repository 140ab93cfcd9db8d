import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One job POST the fake received, as sent. */
interface Delivery {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  body: Record<string, unknown>;
}

export interface FakeExecutor {
  url: string;
  deliveries(): Delivery[];
  /** The statuses of the next answers, in order; after them 202. */
  answerWith(...statuses: number[]): void;
  clear(): void;
  close(): Promise<void>;
}

/**
 * An executor whose answers a test chooses, and which never calls back on its own: the test
 * plays the executor's callback (signed or forged) by hand. The round trip with a real executor
 * is the reference executor's (reference-executor.ts).
 */
export async function startFakeExecutor(): Promise<FakeExecutor> {
  const deliveries: Delivery[] = [];
  let queue: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
      } catch {
        /* recorded as sent */
      }
      deliveries.push({ headers: req.headers, rawBody, body });
      const status = queue.shift() ?? 202;
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify(status < 300 ? { accepted: true } : { error: 'no' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/reset`,
    deliveries: () => [...deliveries],
    answerWith(...statuses) {
      queue = statuses;
    },
    clear() {
      deliveries.length = 0;
      queue = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
