import { describe, expect, it } from 'vitest';
import { ECHO_MAX, newConversation, readChoice, readText, statusText } from './conversation.js';

const CATALOG = ['Expensify', 'Salesforce', 'Jira', 'Jira Server', 'Office 365', 'AWS Console'];
const ME = 'alice@example.com';

/** Reads messages one after another, as a conversation does. */
function talk(...messages: string[]) {
  let state = newConversation();
  let last = readText(state, '', CATALOG, ME);
  for (const message of messages) {
    last = readText(state, message, CATALOG, ME);
    state = last.state;
  }
  return last;
}

describe('readText', () => {
  it('finds a catalog name in a sentence, case and punctuation aside, and keeps the sentence as the reason', () => {
    const r = talk("Hi! I'm locked out of EXPENSIFY, need it for the expense report today.");
    expect(r.replies).toEqual([]);
    expect(r.ready).toEqual({
      app: 'Expensify',
      justification: "Hi! I'm locked out of EXPENSIFY, need it for the expense report today.",
      targetUser: null,
    });
    expect(r.state.step).toBe('filed');
  });

  it('prefers the longest name: "jira server" over "jira"', () => {
    expect(talk('please reset jira-server, locked out since this morning')).toMatchObject({ ready: { app: 'Jira Server' } });
    expect(talk('please reset office365, locked out since this morning')).toMatchObject({ ready: { app: 'Office 365' } });
  });

  it('offers near misses as choices, and a choice completes the request', () => {
    const asked = talk("hi, I'm locked out of expensfy, need it for the expense report today");
    expect(asked.replies).toEqual([{ text: 'Which app do you mean?', choices: ['Expensify'] }]);
    expect(asked.ready).toBeNull();
    const chosen = readChoice(asked.state, 'Expensify', CATALOG, ME);
    expect(chosen.ready).toEqual({
      app: 'Expensify',
      justification: "hi, I'm locked out of expensfy, need it for the expense report today",
      targetUser: null,
    });
  });

  it('"yes" to a single offered name takes it; other text asks the same again', () => {
    const asked = talk('expensfy locked out before the big expense report');
    expect(readText(asked.state, 'Yes!', CATALOG, ME).ready?.app).toBe('Expensify');
    expect(readText(asked.state, 'hmm', CATALOG, ME).replies).toEqual([{ text: 'Which app do you mean?', choices: ['Expensify'] }]);
  });

  it('two apps named: asks which, with both', () => {
    expect(talk('salesforce and expensify are both locked for me since monday').replies[0]).toEqual({
      text: 'Which app do you mean?',
      choices: ['Expensify', 'Salesforce'],
    });
  });

  it('refuses a choice that was not offered', () => {
    const asked = talk('expensfy locked out before the big expense report');
    const refused = readChoice(asked.state, 'Salesforce', CATALOG, ME);
    expect(refused.ready).toBeNull();
    expect(refused.state).toEqual(asked.state);
    expect(refused.replies[0]).toMatchObject({ choices: ['Expensify'] });
    expect(refused.replies[0]?.text).toContain("isn't one of the options");
    expect(readChoice(newConversation(), 'Expensify', CATALOG, ME).replies[0]?.text).toContain('nothing to pick');
  });

  it('asks once why when the message is only the app, and takes the next text as the reason', () => {
    const asked = talk('reset my Salesforce password please');
    expect(asked.replies).toEqual([{ text: 'Why do you need the reset?' }]);
    const answered = readText(asked.state, 'forgot it after holiday', CATALOG, ME);
    expect(answered.ready).toEqual({ app: 'Salesforce', justification: 'forgot it after holiday', targetUser: null });
  });

  it('nothing recognisable: asks which app, and reads the answer as the app name', () => {
    const r = talk('reset please');
    expect(r.replies).toEqual([{ text: "Which app's password should be reset?" }]);
    const named = readText(r.state, 'Salesforce', CATALOG, ME);
    expect(named.replies).toEqual([{ text: 'Why do you need the reset?' }]);
    expect(readText(r.state, 'sales force', CATALOG, ME).replies[0]).toEqual({ text: 'Which app do you mean?', choices: ['Salesforce'] });
  });

  it("takes another person's address as the account, never the requester's own", () => {
    expect(talk('please reset expensify for bob@example.com, he is travelling without his laptop').ready).toMatchObject({
      app: 'Expensify',
      targetUser: 'bob@example.com',
    });
    expect(talk('reset expensify for alice@example.com, locked out since monday morning').ready?.targetUser).toBeNull();
    // The address's domain is no app name.
    expect(talk('bob@expensify.com needs help').replies[0]?.text).toBe("Which app's password should be reset?");
  });

  it('asks at most three questions, then says what is missing and points to the web form', () => {
    const r = talk('reset please', 'the blue one', 'the other one', 'you know the one');
    expect(r.replies).toHaveLength(1);
    expect(r.replies[0]?.text).toContain("I still don't know which app");
    expect(r.replies[0]?.text).toContain('web form');
    expect(r.state).toEqual(newConversation());
  });

  it('never quotes more than 200 characters of what was typed', () => {
    const long = `zz${'y'.repeat(5000)}`;
    const r = talk('reset please', long);
    const text = r.replies[0]?.text ?? '';
    expect(text).toContain("couldn't find");
    expect(text.length).toBeLessThan(ECHO_MAX + 100);
    expect(text).not.toContain('y'.repeat(ECHO_MAX));
    expect(readChoice(r.state, long, CATALOG, ME).replies[0]?.text.length).toBeLessThan(ECHO_MAX + 100);
  });

  it('limits the reason and drops control characters', () => {
    const asked = talk('expensify');
    const r = readText(asked.state, `forgot\u0000 it\u202e ${'x'.repeat(3000)}`, CATALOG, ME);
    expect(r.ready?.justification).toHaveLength(2000);
    expect(r.ready?.justification.startsWith('forgot it ')).toBe(true);
  });
});

describe('statusText', () => {
  const view = { app: 'Expensify', rationale: null, question: null };
  it('says each status in one line', () => {
    expect(statusText({ ...view, status: 'Triaging', statusLabel: 'Triaging' })).toBe('Checking your Expensify request…');
    expect(statusText({ ...view, status: 'Escalated', statusLabel: 'Escalated' })).toContain('waiting for IT approval');
    expect(statusText({ ...view, status: 'Waiting', statusLabel: 'Waiting', question: { text: 'Which laptop?' } })).toContain(
      'Which laptop?',
    );
    expect(statusText({ ...view, status: 'Rejected', statusLabel: 'Rejected', rationale: 'Not assigned.' })).toContain('Not assigned.');
    expect(statusText({ ...view, status: 'Closed', statusLabel: 'Closed', resolution: 'Completed' })).toContain('is done');
    expect(statusText({ ...view, status: 'Closed', statusLabel: 'Closed' })).toContain('closed');
    for (const status of ['New', 'Verifying', 'PendingExternal', 'Completed', 'Failed', 'Cancelled']) {
      const line = statusText({ ...view, status, statusLabel: status });
      expect(line).toContain('Expensify');
      expect(line).not.toContain('\n');
    }
  });
});
