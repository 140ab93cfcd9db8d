import type { SandboxState } from './sandbox-state.js';

/**
 * A minimal route table for the Management API. Templates use the spec's own spelling
 * (`/api/v1/users/{id}/groups`) because "method + template" is also the rate-limit bucket.
 */

/** What a handler gets. */
export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  state: SandboxState;
  /** Origin the caller used (e.g. `http://127.0.0.1:4321`), for `_links` and `Link` headers. */
  base: string;
  /** The parsed JSON request body; undefined when there was none. */
  body?: unknown;
}

/** What a handler returns; errors are thrown as SandboxOktaError. */
interface RouteResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string | string[]>;
}

/** One Management API operation. */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'DELETE';
  template: string;
  /** OAuth scope a bearer token needs (the operation's `security` in the spec). */
  scope: string;
  handle(ctx: RouteContext): RouteResult;
}

/** Result of matching a request path. */
export type RouteMatch = { route: ApiRoute; params: Record<string, string> } | { route: undefined; pathExists: boolean };

/** Matches decoded path segments against the route templates. */
export class Router {
  private readonly compiled: { route: ApiRoute; segments: string[] }[];

  constructor(routes: ApiRoute[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.template.split('/').filter(Boolean) }));
  }

  match(method: string, segments: string[]): RouteMatch {
    let pathExists = false;
    for (const { route, segments: template } of this.compiled) {
      const params = matchSegments(template, segments);
      if (!params) continue;
      if (route.method === method) return { route, params };
      pathExists = true;
    }
    return { route: undefined, pathExists };
  }
}

function matchSegments(template: string[], segments: string[]): Record<string, string> | undefined {
  if (template.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i] ?? '';
    const s = segments[i] ?? '';
    if (t.startsWith('{') && t.endsWith('}')) {
      if (s === '') return undefined;
      params[t.slice(1, -1)] = s;
    } else if (t !== s) {
      return undefined;
    }
  }
  return params;
}
