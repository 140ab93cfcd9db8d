/**
 * Reads a policy from YAML text. Every problem — YAML syntax or policy validation — is reported
 * with the line it is on, because admins fix these files by hand (docs/configuration.md).
 */
import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { AppError } from '../errors/error-codes.js';
import { type Policy, policySchema } from './policy.js';

/** One problem in a policy file. `path` is '' for YAML syntax errors. */
export interface PolicyIssue {
  /** Dotted path to the offending value, e.g. `mfa.required` or `sensitiveApps[2]`. */
  path: string;
  /** 1-based line number in the YAML text. */
  line: number;
  message: string;
}

/**
 * Parses and validates a policy. Throws `POLICY_INVALID` with `details.errors: PolicyIssue[]`
 * and a message listing `line N: path: problem` for each.
 */
export function parsePolicyYaml(text: string): Policy {
  const lineCounter = new LineCounter();
  // prettyErrors off: we format positions ourselves, the same way for YAML and zod errors.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => Math.max(1, lineCounter.linePos(offset).line);

  // Warnings (e.g. an unknown `!tag`) are errors here: a policy should mean exactly what it says.
  const yamlIssues = [...doc.errors, ...doc.warnings].map((e): PolicyIssue => ({ path: '', line: lineAt(e.pos[0]), message: e.message }));
  if (yamlIssues.length > 0) fail(yamlIssues);

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // toJS throws for unresolvable or excessive aliases; point at the first alias.
    const message = err instanceof Error ? err.message : String(err);
    fail([{ path: '', line: firstAliasLine(doc, lineAt), message }]);
  }

  if (data === null || data === undefined) {
    fail([{ path: '', line: 1, message: 'the policy is empty; it needs at least a version' }]);
  }

  const result = policySchema.safeParse(data);
  if (result.success) return result.data;
  fail(result.error.issues.flatMap((issue) => toPolicyIssues(issue, doc, lineAt)));
}

function fail(issues: PolicyIssue[]): never {
  const sorted = [...issues].sort((a, b) => a.line - b.line);
  const lines = sorted.map((i) => `line ${i.line}: ${i.path ? `${i.path}: ` : ''}${i.message}`);
  throw new AppError('POLICY_INVALID', `The policy is not valid:\n${lines.join('\n')}`, {
    errors: sorted,
  });
}

type PathSegment = string | number;

function toPolicyIssues(issue: z.core.$ZodIssue, doc: Document, lineAt: (offset: number) => number): PolicyIssue[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    // One entry per unknown key, on that key's own line, so each typo is easy to find.
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      line: locate(doc, [...path, key], lineAt),
      message: `unknown key "${key}"`,
    }));
  }
  return [{ path: formatPath(path), line: locate(doc, path, lineAt), message: issue.message }];
}

/** `['privileged', 'groups', 0]` → `privileged.groups[0]`. */
function formatPath(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * The line of the node at `path`: its value's line when it is on the key's line or the value
 * is a scalar, otherwise the key's line; for a missing key, the nearest existing parent's line.
 */
function locate(doc: Document, path: readonly PathSegment[], lineAt: (offset: number) => number): number {
  let node: unknown = doc.contents;
  let line = lineOf(node, lineAt) ?? 1;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return line;
      const keyLine = lineOf(pair.key, lineAt) ?? line;
      const valueLine = lineOf(pair.value, lineAt);
      // A block value starts on the next line; an empty value sits at the key's line end.
      line = valueLine !== undefined && (isScalar(pair.value) || valueLine === keyLine) ? valueLine : keyLine;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) return line;
      line = lineOf(item, lineAt) ?? line;
      node = item;
    } else {
      return line;
    }
  }
  return line;
}

function lineOf(node: unknown, lineAt: (offset: number) => number): number | undefined {
  if (!isNode(node) || !node.range) return undefined;
  return lineAt(node.range[0]);
}

function firstAliasLine(doc: Document, lineAt: (offset: number) => number): number {
  let line = 1;
  visit(doc, {
    Alias(_key, node) {
      line = lineOf(node, lineAt) ?? 1;
      return visit.BREAK;
    },
  });
  return line;
}
