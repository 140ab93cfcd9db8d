import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { z } from 'zod';
import { AppError } from '../../errors/error-codes.js';
import type { LlmAnswer, LlmClient, LlmConfig, LlmMessage, LlmToolSpec } from './types.js';

/** The parts of a chat completion resetdesk reads; anything else is ignored. */
const toolCallShape = z.object({
  id: z.string().min(1).max(512),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string().nullish() }),
});
const completionShape = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z.array(toolCallShape).max(64).nullish(),
        }),
      }),
    )
    .min(1),
  usage: z
    .object({ prompt_tokens: z.number().int().nonnegative().optional(), completion_tokens: z.number().int().nonnegative().optional() })
    .nullish(),
});

/**
 * Chat completions through the `openai` client against any OpenAI-compatible endpoint: one
 * attempt per call (`maxRetries: 0`; the caller falls back to the deterministic engine), bounded
 * by `timeoutMs`. Errors name the endpoint and the HTTP status, never the API key nor the
 * provider's error text (which may quote the key): a network error, timeout, 429 or 5xx →
 * LLM_UNAVAILABLE; any other non-2xx or an answer without a message → LLM_ERROR.
 */
export function buildLlmClient(config: LlmConfig): LlmClient {
  const openai = new OpenAI({ baseURL: config.baseUrl, apiKey: config.apiKey, maxRetries: 0, timeout: config.timeoutMs });
  const where = `The model at ${config.baseUrl}`;

  function failure(err: unknown): AppError {
    if (err instanceof APIConnectionError || err instanceof APIUserAbortError) {
      const timedOut = err.name === 'APIConnectionTimeoutError' || /timed? ?out/i.test(err.message);
      const reason = timedOut ? `no answer within ${config.timeoutMs} ms` : 'could not be reached';
      return new AppError('LLM_UNAVAILABLE', `${where} ${reason}.`, { timeout: timedOut });
    }
    if (err instanceof APIError && typeof err.status === 'number') {
      const status = err.status;
      const code = status === 429 || status >= 500 ? 'LLM_UNAVAILABLE' : 'LLM_ERROR';
      return new AppError(code, `${where} answered ${status}.`, { httpStatus: status });
    }
    return new AppError('LLM_UNAVAILABLE', `${where} could not be reached.`);
  }

  return {
    model: config.model,
    maxToolRounds: config.maxToolRounds,
    async complete(messages: readonly LlmMessage[], tools: readonly LlmToolSpec[]): Promise<LlmAnswer> {
      let raw: unknown;
      try {
        raw = await openai.chat.completions.create({
          model: config.model,
          messages: messages.map(toWire),
          tools: tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })),
          tool_choice: 'auto',
          temperature: 0,
        });
      } catch (err) {
        throw failure(err);
      }
      const parsed = completionShape.safeParse(raw);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new AppError(
          'LLM_ERROR',
          `${where}: the answer is not a chat completion (${first?.path.join('.') || 'body'}: ${first?.message}).`,
        );
      }
      const message = parsed.data.choices[0]?.message;
      return {
        content: message?.content ?? null,
        toolCalls: (message?.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments ?? '' })),
        usage: { promptTokens: parsed.data.usage?.prompt_tokens ?? 0, completionTokens: parsed.data.usage?.completion_tokens ?? 0 },
      };
    },
  };
}

function toWire(message: LlmMessage): OpenAI.Chat.Completions.ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    case 'assistant':
      return message.toolCalls.length > 0
        ? {
            role: 'assistant',
            content: message.content,
            tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
          }
        : { role: 'assistant', content: message.content };
  }
}
