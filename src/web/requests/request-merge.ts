import type { Request } from '../api';

/**
 * What a read of GET /api/v1/requests/{id} leaves in the request's query cache. The request's
 * event stream (useRequestStream) writes newer states into the same cache as they happen, so a
 * read that was under way while one arrived answers with an older state: taken as it is, it
 * would put the page back to, say, "Checking…" after the stream had said Escalated — and with
 * the stream up nothing polls, so the page would stay there. The newer of the two wins, by
 * `updatedAt`; the fields only the read has (the summary, the agent's usage) come from the read.
 */
export function mergeRequestRead(cached: Request | undefined, read: Request): Request {
  if (!cached || !(Date.parse(cached.updatedAt) > Date.parse(read.updatedAt))) return read;
  const { summary: _summary, agentUsage: _agentUsage, ...streamed } = cached;
  return { ...read, ...streamed };
}
