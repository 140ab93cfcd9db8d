/**
 * The LLM agent only proposes (connectors/llm): when the policy decides a request a chat
 * conversation filed, its proposal is set beside the decision in the audit log — an
 * `agent_disagreement` event when they differ, so a team can see how often the model would have
 * been wrong, and that it changed nothing.
 */
import { compareWithPolicy } from '../connectors/llm/index.js';
import type { Db } from '../db/database.js';
import { appendAuditEvent } from '../db/repositories/audit.repository.js';
import { conversationsForRequest } from '../db/repositories/conversation.repository.js';
import type { Outcome } from '../domain/types.js';

/** The agent's actor name in the audit log. */
export const AGENT_MODEL_ACTOR = 'resetdesk-agent';

/** In the decision's transaction: the comparison, for each conversation of the request the agent read. */
export async function auditAgentComparison(trx: Db, requestId: string, outcome: Outcome): Promise<void> {
  for (const conversation of await conversationsForRequest(trx, requestId)) {
    const agent = conversation.state.agent;
    if (!agent || agent.decision === null) continue;
    const proposal = { app: agent.app, decision: agent.decision, reason: agent.reason, justification: null, targetUser: null };
    const { disagrees, detail } = compareWithPolicy(proposal, outcome);
    await appendAuditEvent(trx, {
      requestId,
      actor: AGENT_MODEL_ACTOR,
      eventType: 'Message',
      details: { kind: disagrees ? 'agent_disagreement' : 'agent_agreement', ...detail, proposedApp: agent.app, reason: agent.reason },
    });
  }
}
