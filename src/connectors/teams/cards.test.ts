import { describe, expect, it } from 'vitest';
import { appChoiceCard, approvalCard, cardActivity, decidedCard, escapeMarkdown } from './cards.js';

const request = {
  requestId: 'req_1',
  requester: 'alice@example.com',
  app: 'Sales_force *beta*',
  priority: 'High',
  rationale: 'Privileged user',
  justification: '# Heading [link](https://evil.example) `code`',
  url: 'https://resetdesk.example.com/requests/req_1',
};

describe('Teams cards', () => {
  it('escapes what would make Markdown, and leaves addresses readable', () => {
    expect(escapeMarkdown('[x](y) *b* _i_ # h > q `c` | ~')).toBe('\\[x\\]\\(y\\) \\*b\\* \\_i\\_ \\# h \\> q \\`c\\` \\| \\~');
    expect(escapeMarkdown('alice.smith-jones@example.com')).toBe('alice.smith-jones@example.com');
  });

  it('offers at most six apps, each as an Action.Submit carrying its name', () => {
    const card = appChoiceCard('Which app do you mean?', ['A', 'B', 'C', 'D', 'E', 'F', 'G']);
    const actions = card.actions as { type: string; title: string; data: unknown }[];
    expect(actions).toHaveLength(6);
    expect(actions[0]).toEqual({ type: 'Action.Submit', title: 'A', data: { action: 'choose_app', app: 'A' } });
  });

  it('an approval card: facts escaped, a comment box, three Universal Actions and a refresh', () => {
    const card = approvalCard(request);
    expect(card.version).toBe('1.4');
    const text = JSON.stringify(card.body);
    expect(text).not.toContain('[link](');
    expect(text).toContain('\\\\[link\\\\]');
    expect(text).toContain('Sales\\\\_force \\\\*beta\\\\*');
    expect(text).toContain('[Open in resetdesk](https://resetdesk.example.com/requests/req_1)');
    expect(text).toContain('"type":"Input.Text","id":"comment"');
    expect(card.actions).toEqual([
      { type: 'Action.Execute', verb: 'approve', title: 'Approve', data: { requestId: 'req_1' }, style: 'positive' },
      { type: 'Action.Execute', verb: 'deny', title: 'Deny', data: { requestId: 'req_1' }, style: 'destructive' },
      { type: 'Action.Execute', verb: 'ask_info', title: 'Ask for info', data: { requestId: 'req_1' } },
    ]);
    expect(card.refresh).toEqual({ action: { type: 'Action.Execute', verb: 'refresh', data: { requestId: 'req_1' } } });
  });

  it('a decided card has the outcome and neither input nor actions; an activity wraps a card as its attachment', () => {
    const card = decidedCard(request, 'Denied', 'irene@example.com');
    expect(card.actions).toBeUndefined();
    expect(card.refresh).toBeUndefined();
    expect(JSON.stringify(card.body)).not.toContain('Input.Text');
    expect(JSON.stringify(card.body)).toContain('**Denied** by irene@example.com');
    const activity = cardActivity('summary', card);
    expect(activity).toEqual({ text: 'summary', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }] });
  });
});
