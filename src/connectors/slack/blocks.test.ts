import { describe, expect, it } from 'vitest';
import { appChoiceBlocks, approvalBlocks, commentModal, decidedBlocks, homeView } from './blocks.js';

describe('the Slack blocks', () => {
  const request = {
    requestId: 'req-1',
    requester: 'alice@example.com',
    app: 'Jira & <Confluence>',
    priority: 'High',
    rationale: 'admin account',
    justification: 'Locked out <!channel> & <@U0BOSS>\nplease > hurry',
    url: 'https://resetdesk.example.com/requests/req-1',
  };

  it('escapes what people typed and quotes it as the requester’s own words', () => {
    const text = JSON.stringify(approvalBlocks(request));
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain("In the requester's own words");
    expect(text).toContain('>Locked out');
    expect(text).toContain('\\n>please &gt; hurry');
    expect(text).toContain('Jira &amp; &lt;Confluence&gt;');
  });

  it('offers Approve (primary), Deny (danger) and Ask for info, each valued with the request id', () => {
    const actions = approvalBlocks(request).find((b) => b.type === 'actions') as { elements: Record<string, unknown>[] };
    expect(actions.elements.map((e) => [e.action_id, e.style, e.value])).toEqual([
      ['approve_request', 'primary', 'req-1'],
      ['deny_request', 'danger', 'req-1'],
      ['ask_info', undefined, 'req-1'],
    ]);
    const decided = decidedBlocks(request, 'Approved', 'irene');
    expect(decided.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(decided)).toContain('*Approved* by irene');
  });

  it('asks for the app with buttons, or a select above five apps', () => {
    const few = appChoiceBlocks('Which app?', ['Jira', 'Okta']);
    const buttons = few.filter((b) => b.type === 'actions').flatMap((b) => b.elements as Record<string, unknown>[]);
    expect(buttons.map((e) => [e.type, e.action_id, e.value])).toEqual([
      ['button', 'choose_app', 'Jira'],
      ['button', 'choose_app', 'Okta'],
    ]);
    const many = appChoiceBlocks('Which app?', ['A', 'B', 'C', 'D', 'E', 'F']);
    expect(many).toHaveLength(1);
    expect(many[0]?.accessory).toMatchObject({ type: 'static_select', action_id: 'choose_app' });
    expect((many[0]!.accessory as { options: unknown[] }).options).toHaveLength(6);
  });

  it('builds the comment modal and the Home tab', () => {
    const modal = commentModal('ask_info', 'req-9');
    expect(modal).toMatchObject({ type: 'modal', callback_id: 'decision_comment' });
    expect(JSON.parse(String(modal.private_metadata))).toEqual({ kind: 'ask_info', requestId: 'req-9' });
    expect(JSON.stringify(modal)).toContain('"multiline":true');
    const home = homeView([{ app: 'Jira <x>', statusLabel: 'Waiting for approval', createdAt: '2024-05-01T10:00:00.000Z' }]);
    expect(home.type).toBe('home');
    expect(JSON.stringify(home)).toContain('Jira &lt;x&gt;');
    expect(JSON.stringify(home)).toContain('<!date^1714557600^');
  });
});
