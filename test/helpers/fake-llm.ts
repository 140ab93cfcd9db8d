import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake OpenAI-compatible endpoint on 127.0.0.1: `POST /v1/chat/completions` with a Bearer API
 * key (else 401, whose error text quotes the key it got, as real providers partly do), answering
 * from a script — a queue of canned answers, one per request — with `choices[0].message`
 * (`tool_calls` or `content`) and `usage`. Every request body is recorded. An empty queue is a 500.
 * Without a scripted `usage`, the n-th completion reports n × 100 + 10 prompt and n + 5 completion
 * tokens: distinct per answer, so a total shows which answers were summed.
 */
type FakeLlmAnswer =
  | {
      toolCalls?: { name: string; arguments: string; id?: string }[];
      content?: string | null;
      usage?: { prompt_tokens: number; completion_tokens: number };
    }
  /** An HTTP error (or any raw body) instead of a completion. */
  | { status: number; body?: unknown }
  /** Never answers (the client times out). */
  | { hang: true };

interface RecordedRequest {
  authorization: string | undefined;
  body: {
    model?: string;
    messages?: { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }[];
    tools?: { type: string; function: { name: string; parameters?: unknown } }[];
  } & Record<string, unknown>;
}

export interface FakeLlm {
  /** e.g. http://127.0.0.1:PORT/v1 — the connector's baseUrl. */
  baseUrl: string;
  apiKey: string;
  /** Appends answers to the queue. */
  script(...answers: FakeLlmAnswer[]): void;
  requests(): RecordedRequest[];
  /** Empties the queue and the recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeLlm(): Promise<FakeLlm> {
  const apiKey = `sk-test-${randomBytes(12).toString('hex')}`;
  const queue: FakeLlmAnswer[] = [];
  const recorded: RecordedRequest[] = [];
  let ids = 0;
  let completions = 0;

  function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      send(res, 404, { error: { message: 'Not found', type: 'invalid_request_error' } });
      return;
    }
    let body: RecordedRequest['body'];
    try {
      body = JSON.parse(text) as RecordedRequest['body'];
    } catch {
      send(res, 400, { error: { message: 'Invalid JSON', type: 'invalid_request_error' } });
      return;
    }
    const authorization = req.headers.authorization;
    recorded.push({ authorization, body });
    if (authorization !== `Bearer ${apiKey}`) {
      const got = authorization?.replace(/^Bearer /, '') ?? '';
      send(res, 401, { error: { message: `Incorrect API key provided: ${got}.`, type: 'invalid_request_error', code: 'invalid_api_key' } });
      return;
    }
    const answer = queue.shift();
    if (answer === undefined) {
      send(res, 500, { error: { message: 'fake LLM: no scripted answer left', type: 'server_error' } });
      return;
    }
    if ('hang' in answer) return;
    if ('status' in answer) {
      send(res, answer.status, answer.body ?? { error: { message: `scripted ${answer.status}`, type: 'server_error' } });
      return;
    }
    completions++;
    const toolCalls = answer.toolCalls?.map((c) => ({
      id: c.id ?? `call_${++ids}`,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
    send(res, 200, {
      id: `chatcmpl-${++ids}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? 'fake',
      choices: [
        {
          index: 0,
          finish_reason: toolCalls?.length ? 'tool_calls' : 'stop',
          message: { role: 'assistant', content: answer.content ?? null, ...(toolCalls?.length ? { tool_calls: toolCalls } : {}) },
        },
      ],
      usage: { ...(answer.usage ?? defaultUsage(completions)), total_tokens: 0 },
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: { message: 'fake LLM failed' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey,
    script: (...answers) => queue.push(...answers),
    requests: () => recorded,
    reset: () => {
      queue.length = 0;
      recorded.length = 0;
      completions = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The usage the n-th completion (1-based, since the last reset) reports when none is scripted. */
export function defaultUsage(n: number): { prompt_tokens: number; completion_tokens: number } {
  return { prompt_tokens: n * 100 + 10, completion_tokens: n + 5 };
}
