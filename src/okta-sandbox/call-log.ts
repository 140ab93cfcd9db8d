/**
 * The sandbox's record of every request it answered, in arrival order, so tests and
 * benchmarks can assert what resetdesk actually sent to "Okta" (and how often).
 */

/** One request as the sandbox saw it. */
export interface SandboxCall {
  method: string;
  /** Decoded path, without the query string. */
  path: string;
  /** Query parameters (the last value wins when a name repeats). */
  query: Record<string, string>;
  /** Final HTTP status, including 401/404/429; 0 while the response is still pending. */
  status: number;
  /** ISO time the request arrived. */
  at: string;
}

/** Append-only list of calls; entries are filled in with their status when answered. */
export class CallLog {
  private entries: SandboxCall[] = [];

  /** Records an arriving request; the returned entry gets its status when answered. */
  start(method: string, path: string, query: URLSearchParams, at: Date): SandboxCall {
    const call: SandboxCall = { method, path, query: Object.fromEntries(query.entries()), status: 0, at: at.toISOString() };
    this.entries.push(call);
    return call;
  }

  /** A copy of all calls so far, oldest first. */
  list(): SandboxCall[] {
    return this.entries.map((c) => ({ ...c, query: { ...c.query } }));
  }

  clear(): void {
    this.entries = [];
  }
}
