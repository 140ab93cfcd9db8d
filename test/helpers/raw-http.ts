import http from 'node:http';

/**
 * A bare HTTP/1.1 client for security tests. Unlike fetch, it sends the path byte for byte (no
 * dot-segment resolution, no re-encoding), any method, any content type and any body bytes, so
 * the server — not the client — decides what to do with them.
 */
export interface RawRequest {
  method: string;
  /** Sent verbatim: characters outside \x21-\xff must already be percent-encoded. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Default 10 s. */
  timeoutMs?: number;
  /** Keep-alive agent to reuse connections; default: a fresh connection per request. */
  agent?: http.Agent;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

export function rawRequest(baseUrl: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const timeoutMs = r.timeoutMs ?? 10_000;
  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false;
    let responded = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
    const headers: Record<string, string> = { ...r.headers };
    const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
    if (body && !has('content-length') && !has('transfer-encoding')) headers['content-length'] = String(body.length);

    let req: http.ClientRequest;
    try {
      req = http.request({ host: url.hostname, port: url.port, method: r.method, path: r.path, headers, agent: r.agent ?? false });
    } catch (err) {
      reject(new Error(`client could not send the request: ${(err as Error).message}`));
      return;
    }
    const timer = setTimeout(() => {
      finish(() => reject(new Error(`no response within ${timeoutMs} ms`)));
      req.destroy();
    }, timeoutMs);

    req.on('response', (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      const done = (text: string) => {
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      };
      // A server-sent event stream of an open request never ends by design: its first complete
      // event is the answer, and the connection is closed like a browser leaving the page.
      const streaming = res.statusCode === 200 && String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        const text = Buffer.concat(chunks).toString('utf8');
        if (streaming && text.includes('\n\n')) {
          finish(() => done(text));
          req.destroy();
        }
      });
      res.on('error', (err) => finish(() => reject(err)));
      res.on('end', () => finish(() => done(Buffer.concat(chunks).toString('utf8'))));
    });
    // A server may answer (413, 401, 431…) and close before it has read the whole body: once a
    // response has arrived, a write error (EPIPE, ECONNRESET) is not the server's failure.
    req.on('error', (err) => {
      if (!responded) finish(() => reject(err));
    });
    if (body) req.end(body);
    else req.end();
  });
}

/** `{ error: { code, message } }` with non-empty string code and string message. */
export function isErrorShape(json: unknown): boolean {
  if (json === null || typeof json !== 'object') return false;
  const error = (json as { error?: unknown }).error;
  if (error === null || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code.length > 0 && typeof message === 'string';
}
