/**
 * The one clock resetdesk reads: every timestamp it stores and every "is this job due yet"
 * comparison goes through here. Production reads the system clock; tests replace the source
 * (setClock) to move time forward without sleeping — e.g. past an escalation's SLA, so its
 * reminder timer falls due. The clock is process-wide, so several resetdesk instances started in
 * one test process share it, as instances on one machine share its real clock.
 */

let source: () => number = Date.now;

/** The current time in epoch milliseconds, from the clock's source. */
export function nowMs(): number {
  return source();
}

/** The current time as a Date. */
export function now(): Date {
  return new Date(source());
}

/** Current time as the ISO-8601 UTC text both databases store (see db/schema.ts). */
export function nowIso(): string {
  return new Date(source()).toISOString();
}

/** Replaces the clock's source (tests); `null` restores the system clock. */
export function setClock(clock: (() => number) | null): void {
  source = clock ?? Date.now;
}

/**
 * A clock that runs with the system clock, shifted by an offset that tests move forward: time
 * keeps flowing (retry backoffs and leases behave as in production) and jumps on `advance`.
 */
export interface TestClock {
  (): number;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
}

/** A TestClock, at the system time until advanced. Install it with setClock. */
export function testClock(): TestClock {
  let offset = 0;
  const clock = (() => Date.now() + offset) as TestClock;
  clock.advance = (ms) => {
    offset += ms;
  };
  return clock;
}
