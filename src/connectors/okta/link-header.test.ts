import { describe, expect, it } from 'vitest';
import { nextLinkUrl, parseLinkHeader } from './link-header.js';

const base = 'https://acme.okta.com/api/v1/users/00u1/groups';

describe('parseLinkHeader', () => {
  it("reads Okta's self and next links", () => {
    const header =
      '<https://acme.okta.com/api/v1/users/00u1/groups?limit=2>; rel="self", ' +
      '<https://acme.okta.com/api/v1/users/00u1/groups?after=00g2&limit=2>; rel="next"';
    expect(parseLinkHeader(header, base)).toEqual([
      { url: 'https://acme.okta.com/api/v1/users/00u1/groups?limit=2', rels: ['self'] },
      { url: 'https://acme.okta.com/api/v1/users/00u1/groups?after=00g2&limit=2', rels: ['next'] },
    ]);
    expect(nextLinkUrl(header, base)).toBe('https://acme.okta.com/api/v1/users/00u1/groups?after=00g2&limit=2');
  });

  it('handles unquoted, multi-valued and upper-case rels, extra params and relative targets', () => {
    expect(nextLinkUrl('</api/v1/x?after=1>; title="a, b; c"; rel=next', base)).toBe('https://acme.okta.com/api/v1/x?after=1');
    expect(nextLinkUrl('<?after=2>; rel="prev NEXT"', base)).toBe('https://acme.okta.com/api/v1/users/00u1/groups?after=2');
  });

  it('returns nothing for absent, empty or next-less headers', () => {
    expect(nextLinkUrl(null, base)).toBeUndefined();
    expect(nextLinkUrl('', base)).toBeUndefined();
    expect(nextLinkUrl('<https://acme.okta.com/a>; rel="self"', base)).toBeUndefined();
    expect(parseLinkHeader('garbage', base)).toEqual([]);
  });
});
