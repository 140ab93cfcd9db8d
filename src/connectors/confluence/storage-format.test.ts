import { describe, expect, it } from 'vitest';
import { extractPolicyFromStorage, storageToText } from './storage-format.js';

const code = (body: string, language?: string) =>
  `<ac:structured-macro ac:name="code" ac:schema-version="1">${language ? `<ac:parameter ac:name="language">${language}</ac:parameter>` : ''}<ac:plain-text-body><![CDATA[${body}]]></ac:plain-text-body></ac:structured-macro>`;

describe('extractPolicyFromStorage', () => {
  it('takes the YAML code block and turns the rest into the reference text', () => {
    const storage = `<h2>Reset policy</h2><p>Ask the manager &amp; open a ticket&nbsp;first.</p>${code('version: "p-1"\nthirdParty: escalate\n', 'yaml')}<ul><li>One</li><li>Two &lt;b&gt;</li></ul><table><tbody><tr><th>App</th><th>Owner</th></tr><tr><td>Slack</td><td>IT</td></tr></tbody></table>`;
    const content = extractPolicyFromStorage(storage);
    expect(content?.yaml).toBe('version: "p-1"\nthirdParty: escalate\n');
    expect(content?.referenceText).toBe(
      'Reset policy\n\nAsk the manager & open a ticket first.\n\n- One\n- Two <b>\n\nApp | Owner\nSlack | IT',
    );
    expect(content?.codeBlocks).toBe(1);
  });

  it('prefers the code block whose language is yaml, keeping other code blocks as text', () => {
    const storage = `${code('curl https://example.com', 'bash')}<p>x</p>${code('version: "p-2"\n', 'yml')}`;
    const content = extractPolicyFromStorage(storage);
    expect(content?.yaml).toBe('version: "p-2"\n');
    expect(content?.referenceText).toBe('curl https://example.com\n\nx');
    expect(content?.codeBlocks).toBe(2);
  });

  it('falls back to the first code block when none says yaml', () => {
    expect(extractPolicyFromStorage(`${code('version: "a"\n')}${code('version: "b"\n', 'text')}`)?.yaml).toBe('version: "a"\n');
  });

  it('joins CDATA sections that Confluence split at "]]>", and decodes a body without CDATA', () => {
    const split =
      '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[a: "]]]]><![CDATA[>"\n]]></ac:plain-text-body></ac:structured-macro>';
    expect(extractPolicyFromStorage(split)?.yaml).toBe('a: "]]>"\n');
    const plain =
      '<ac:structured-macro ac:name="code"><ac:plain-text-body>version: &quot;x&quot;</ac:plain-text-body></ac:structured-macro>';
    expect(extractPolicyFromStorage(plain)?.yaml).toBe('version: "x"');
  });

  it('finds a code block nested in another macro (an expand), and ignores non-code macros', () => {
    const storage = `<ac:structured-macro ac:name="info"><ac:rich-text-body><p>Note</p></ac:rich-text-body></ac:structured-macro><ac:structured-macro ac:name="expand"><ac:parameter ac:name="title">Policy</ac:parameter><ac:rich-text-body>${code('version: "n"\n', 'yaml')}</ac:rich-text-body></ac:structured-macro>`;
    const content = extractPolicyFromStorage(storage);
    expect(content?.yaml).toBe('version: "n"\n');
    expect(content?.referenceText).toBe('Note');
  });

  it('is null for a page without a code block', () => {
    expect(extractPolicyFromStorage('<p>version: "x"</p>')).toBeNull();
    expect(extractPolicyFromStorage('')).toBeNull();
  });
});

describe('storageToText', () => {
  it('keeps link labels and numeric entities, drops macro parameters', () => {
    expect(
      storageToText(
        '<p>See <ac:link><ri:page ri:content-title="Runbook" /><ac:plain-text-link-body><![CDATA[the runbook]]></ac:plain-text-link-body></ac:link> &#8212; &#x263A;<br/>next</p>',
      ),
    ).toBe('See the runbook \u2014 \u263a\nnext');
  });
});
