import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors/error-codes.js';
import { assertTransition, canTransition, isOpen, isTerminal, STATUS_LABELS, TRANSITIONS } from './lifecycle.js';
import { REQUEST_STATUSES, type RequestStatus } from './types.js';

// Written independently of TRANSITIONS, from the lifecycle in docs/architecture.md, so a typo in one is caught.
const EXPECTED_ALLOWED = new Set([
  'New>Triaging',
  'Triaging>Waiting',
  'Triaging>Escalated',
  'Triaging>PendingExternal',
  'Triaging>Completed',
  'Triaging>Rejected',
  'Triaging>Verifying',
  'Verifying>Triaging',
  'Verifying>Escalated',
  'Verifying>Waiting',
  'Verifying>Cancelled',
  'Waiting>Verifying',
  'Waiting>Triaging',
  'Waiting>Escalated',
  'Escalated>Waiting',
  'Escalated>Completed',
  'Escalated>PendingExternal',
  'Escalated>Rejected',
  'PendingExternal>Completed',
  'PendingExternal>Failed',
  'New>Cancelled',
  'Triaging>Cancelled',
  'Waiting>Cancelled',
  'Escalated>Cancelled',
  'PendingExternal>Cancelled',
  'Completed>Closed',
  'Rejected>Closed',
  'Failed>Closed',
  'Cancelled>Closed',
]);

const MATRIX: Array<[RequestStatus, RequestStatus]> = REQUEST_STATUSES.flatMap((from) =>
  REQUEST_STATUSES.map((to): [RequestStatus, RequestStatus] => [from, to]),
);

describe('lifecycle transition table', () => {
  it('covers every status as a key', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...REQUEST_STATUSES].sort());
  });

  it('matches the expected list over the full 10×10 matrix', () => {
    const allowed = MATRIX.filter(([f, t]) => canTransition(f, t)).map(([f, t]) => `${f}>${t}`);
    expect(new Set(allowed)).toEqual(EXPECTED_ALLOWED);
    expect(allowed).toHaveLength(EXPECTED_ALLOWED.size);
  });

  it.each(MATRIX)('%s → %s: canTransition and assertTransition agree with the list', (from, to) => {
    const expected = EXPECTED_ALLOWED.has(`${from}>${to}`);
    expect(canTransition(from, to)).toBe(expected);
    if (expected) {
      expect(() => assertTransition(from, to)).not.toThrow();
    } else {
      expect(() => assertTransition(from, to)).toThrow(`Cannot move a request from ${from} to ${to}`);
    }
  });

  it.each<[RequestStatus, RequestStatus]>([
    ['New', 'Completed'],
    ['Waiting', 'Completed'],
    ['PendingExternal', 'Triaging'],
    ['Closed', 'Triaging'],
    ['Completed', 'Triaging'],
    ['Rejected', 'Escalated'],
    ['Triaging', 'Failed'],
    ['Triaging', 'Closed'],
    ['Closed', 'Closed'],
    ['Triaging', 'Triaging'],
  ])('forbids %s → %s with INVALID_TRANSITION and details', (from, to) => {
    try {
      assertTransition(from, to);
      expect.unreachable('assertTransition should have thrown');
    } catch (err) {
      expect(isAppError(err)).toBe(true);
      if (!isAppError(err)) return;
      expect(err.code).toBe('INVALID_TRANSITION');
      expect(err.status).toBe(409);
      expect(err.details).toEqual({ from, to });
    }
  });

  it('rejects statuses that are not in the table (e.g. a prototype key)', () => {
    expect(canTransition('toString' as RequestStatus, 'Closed')).toBe(false);
  });

  it('is frozen so nobody can add a transition at run time', () => {
    expect(Object.isFrozen(TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(TRANSITIONS.Triaging)).toBe(true);
  });
});

describe('open and terminal statuses', () => {
  it('classifies every status', () => {
    const open = REQUEST_STATUSES.filter(isOpen);
    const terminal = REQUEST_STATUSES.filter(isTerminal);
    expect(open).toEqual(['New', 'Triaging', 'Verifying', 'Waiting', 'Escalated', 'PendingExternal']);
    expect(terminal).toEqual(['Completed', 'Rejected', 'Failed', 'Cancelled']);
    expect(isOpen('Closed')).toBe(false);
    expect(isTerminal('Closed')).toBe(false);
  });

  it('lets every open status be cancelled and every terminal status be closed', () => {
    for (const s of REQUEST_STATUSES.filter(isOpen)) expect(canTransition(s, 'Cancelled')).toBe(true);
    for (const s of REQUEST_STATUSES.filter(isTerminal)) expect(canTransition(s, 'Closed')).toBe(true);
  });
});

describe('STATUS_LABELS', () => {
  it('labels every status, using the seeds wording', () => {
    expect(Object.keys(STATUS_LABELS).sort()).toEqual([...REQUEST_STATUSES].sort());
    expect(STATUS_LABELS.PendingExternal).toBe('Pending With External System');
    expect(STATUS_LABELS.Completed).toBe('Completed');
    expect(STATUS_LABELS.Failed).toBe('Completed With Failure');
  });
});
