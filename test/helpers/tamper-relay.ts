/**
 * A relay between Prism and the sandbox that corrupts answers on request, to prove that Prism
 * really rejects responses that violate the spec (the contract test's canary).
 */
import { createServer as createHttpServer, request as httpRequest } from 'node:http';

/** Requests carrying this header get a corrupted answer from the tamper relay. */
export const TAMPER_HEADER = 'x-contract-tamper';

/** Every string property of the object (or of an array's first object) becomes a number. */
function corruptJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [corruptJson(value[0]), ...value.slice(1)] : value;
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? 12345 : v]));
}

export interface TamperRelay {
  url: string;
  close(): Promise<void>;
}

/**
 * A transparent HTTP relay between Prism and the upstream, byte for byte (raw headers kept, so
 * repeated `Link` headers stay separate) — except that a request with TAMPER_HEADER gets its JSON
 * answer corrupted by `corruptJson`. A test uses it to prove Prism really validates each
 * operation's response: Prism skips validation silently when it cannot compile a schema.
 */
export async function startTamperRelay(upstream: string): Promise<TamperRelay> {
  const target = new URL(upstream);
  const server = createHttpServer((req, res) => {
    const tamper = req.headers[TAMPER_HEADER] !== undefined;
    const headers = { ...req.headers };
    delete headers[TAMPER_HEADER];
    const out = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (upstreamRes) => {
      if (!tamper) {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.rawHeaders);
        upstreamRes.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      upstreamRes.on('data', (c: Buffer) => chunks.push(c));
      upstreamRes.on('end', () => {
        let body = Buffer.concat(chunks).toString('utf8');
        try {
          body = JSON.stringify(corruptJson(JSON.parse(body) as unknown));
        } catch {
          // not JSON: passed through unchanged
        }
        const raw: string[] = [];
        for (let i = 0; i + 1 < upstreamRes.rawHeaders.length; i += 2) {
          const name = upstreamRes.rawHeaders[i] ?? '';
          if (!['content-length', 'transfer-encoding'].includes(name.toLowerCase())) raw.push(name, upstreamRes.rawHeaders[i + 1] ?? '');
        }
        raw.push('content-length', String(Buffer.byteLength(body)));
        res.writeHead(upstreamRes.statusCode ?? 502, raw);
        res.end(body);
      });
    });
    out.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`tamper relay: ${err.message}`);
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('tamper relay did not listen');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
