import { describe, expect, it } from 'vitest';
import { formatAppsCsv, parseAppsCsv } from './app-csv.js';

const errorsOf = (text: string) => {
  try {
    parseAppsCsv(text);
  } catch (err) {
    return (err as { details: { lines: { line: number; message: string }[] } }).details.lines;
  }
  throw new Error('expected an error');
};

describe('parseAppsCsv', () => {
  it("imports the seed's header as is", () => {
    expect(parseAppsCsv('App,URL,oktaID\nMyApp,https://myapp.example.com/reset,0oa1234567890abcdefg\nOther,,\n')).toEqual([
      {
        name: 'MyApp',
        resetUrl: 'https://myapp.example.com/reset',
        oktaAppId: '0oa1234567890abcdefg',
        sensitive: false,
        approverGroup: null,
        resetMethod: 'auto',
        store: null,
      },
      { name: 'Other', resetUrl: null, oktaAppId: null, sensitive: false, approverGroup: null, resetMethod: 'auto', store: null },
    ]);
  });

  it('reads the optional columns, in any order and case, with a BOM and CRLF', () => {
    const apps = parseAppsCsv(
      '\uFEFFoktaID,app,url,Sensitive,approverGroup,resetMethod\r\n0oaA,AWS,,yes,cloud-owners,\r\n0oaB,Mainframe,,no,,external\r\n',
    );
    expect(apps).toEqual([
      { name: 'AWS', resetUrl: null, oktaAppId: '0oaA', sensitive: true, approverGroup: 'cloud-owners', resetMethod: 'auto', store: null },
      { name: 'Mainframe', resetUrl: null, oktaAppId: '0oaB', sensitive: false, approverGroup: null, resetMethod: 'external', store: null },
    ]);
  });

  it('handles quoted fields with commas', () => {
    expect(parseAppsCsv('App,URL,oktaID\n"Acme, Inc. Portal",https://acme.example.com/reset?a=1,\n')[0]!.name).toBe('Acme, Inc. Portal');
  });

  it('reports every bad line with its number', () => {
    const errors = errorsOf(
      [
        'App,URL,oktaID,sensitive,resetMethod',
        'Good,https://good.example.com,0oa1,false,auto', // line 2 ok
        ',https://x.example.com,0oa2,,', // 3: empty name
        'BadUrl,MyResetLink,0oa3,,', // 4: URL
        'BadId,,0oa 4,,', // 5: okta id
        'BadFlag,,0oa5,maybe,', // 6: sensitive
        'BadMethod,,0oa6,,magic', // 7: method
        'good,,0oa7,,', // 8: duplicate of line 2 (case-insensitive)
        'Short,,', // 9: field count
      ].join('\n'),
    );
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(errors.find((e) => e.line === 4)!.message).toContain('URL "MyResetLink"');
    expect(errors.find((e) => e.line === 8)!.message).toContain('line 2');
  });

  it('rejects unknown and missing columns on line 1', () => {
    expect(errorsOf('App,Link,oktaID\nX,,\n')).toEqual([
      { line: 1, message: expect.stringContaining('unknown column "Link"') },
      { line: 1, message: 'missing column "URL"' },
    ]);
  });

  it('rejects empty files, header-only files and malformed CSV', () => {
    expect(errorsOf('')[0]!.message).toContain('empty');
    expect(errorsOf('App,URL,oktaID\n')[0]!.message).toContain('no app rows');
    expect(errorsOf('App,URL,oktaID\n"unterminated,x,y\n')[0]!.message).toContain('not valid CSV');
  });
});

describe('formatAppsCsv', () => {
  it('writes aliases separated by | and imports back unchanged', () => {
    const apps = [
      {
        name: 'Microsoft Office 365',
        resetUrl: 'https://office.example.com/reset',
        oktaAppId: '0oa1',
        sensitive: true,
        approverGroup: 'IT, Office',
        resetMethod: 'auto' as const,
        store: null,
        aliases: ['o365', 'outlook'],
      },
      {
        name: 'Plain',
        resetUrl: null,
        oktaAppId: null,
        sensitive: false,
        approverGroup: null,
        resetMethod: 'auto' as const,
        store: null,
        aliases: [],
      },
    ];
    const csv = formatAppsCsv(apps);
    expect(csv.split('\r\n')[1]).toBe('Microsoft Office 365,https://office.example.com/reset,0oa1,true,"IT, Office",auto,,o365|outlook');
    expect(parseAppsCsv(csv)).toEqual(apps);
  });

  it('rejects an aliases cell with a repeated or overlong alias, with its line', () => {
    expect(errorsOf('App,URL,oktaID,aliases\nA,,,x|X\n')).toEqual([{ line: 2, message: 'alias "X" appears twice' }]);
    expect(errorsOf(`App,URL,oktaID,aliases\nA,,,${'y'.repeat(101)}\n`)[0]?.message).toContain('longer than 100 characters');
  });
});
