import { z } from 'zod';
import { isLoopbackHost } from '../../config/loopback.js';

/**
 * LLM connector configuration: any OpenAI-compatible chat completions endpoint. Messages do not
 * repeat the field's name and never a secret: the caller prefixes the name (`llm.baseUrl`).
 */
export const llmConfigSchema = z.object({
  /** The API root, e.g. `https://api.openai.com/v1`; `https://` only, plain `http://` on a loopback host (tests, a local model). */
  baseUrl: z
    .string()
    .trim()
    .refine((v) => isHttpsOrLoopback(v), 'must be an https:// URL such as https://api.openai.com/v1 (http:// only on a loopback host)')
    .refine((v) => {
      if (!URL.canParse(v)) return true;
      const url = new URL(v);
      return url.search === '' && url.hash === '' && url.username === '' && url.password === '';
    }, 'must be the API root alone: no credentials, query or fragment')
    .transform((v) => v.replace(/\/+$/, '')),
  apiKey: z.string().min(1, 'is required'),
  model: z.string().trim().min(1, 'is required').max(200),
  /** Per model call, until the whole answer has been read. */
  timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  /** Model calls that may ask for tools; the run stops after this many. */
  maxToolRounds: z.number().int().min(1).max(10).default(4),
});
/** The parsed configuration (defaults applied). */
export type LlmConfig = z.output<typeof llmConfigSchema>;

function isHttpsOrLoopback(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
}

/** One tool call as the model sent it (arguments are the model's raw JSON text). */
export interface LlmToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** The assistant message of one completion, checked for shape. */
export interface LlmAnswer {
  content: string | null;
  toolCalls: LlmToolCall[];
  usage: { promptTokens: number; completionTokens: number };
}

/** A message of the conversation with the model (the chat completions wire roles). */
export type LlmMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls: LlmToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

/** A tool offered to the model: a name, what it does, and the JSON Schema of its arguments. */
export interface LlmToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** The connector: one chat completion per call. Errors are AppError LLM_UNAVAILABLE or LLM_ERROR. */
export interface LlmClient {
  readonly model: string;
  readonly maxToolRounds: number;
  complete(messages: readonly LlmMessage[], tools: readonly LlmToolSpec[]): Promise<LlmAnswer>;
}

/**
 * What the agent may read, always about the requester only: none takes an argument, so nothing
 * the model sends can point them at someone else.
 */
export interface AgentTools {
  listCatalogApps(): Promise<string[]>;
  /** The requester's Okta user, or null. */
  findOktaUser(): Promise<{ status: string } | null>;
  /** The names of the requester's own Okta app links. */
  listUserAppLinks(): Promise<string[]>;
}

export type ProposedDecision = 'approve' | 'escalate' | 'deny';

/** What the model proposed; the policy engine still decides. */
export interface AgentProposal {
  app: string | null;
  justification: string | null;
  /** Someone else's account (an email), or null for the requester's own. */
  targetUser: string | null;
  decision: ProposedDecision | null;
  reason: string | null;
}

export interface AgentResult {
  /** Null when the model proposed nothing valid: the caller falls back to the deterministic engine. */
  proposal: AgentProposal | null;
  /** The model's text, at most 500 characters, control characters stripped. */
  reply: string | null;
  usage: { promptTokens: number; completionTokens: number };
  latencyMs: number;
  /** Why tool calls or outputs were refused, one line each. */
  rejected: string[];
}
