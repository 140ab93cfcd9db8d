import { describe, expect, it } from 'vitest';
import { editDistance, MAX_CANDIDATES, nearAppNames } from './app-match.js';

const CATALOG = ['Jira Cloud', 'Jira Server', 'Expensify', 'Office 365', 'Salesforce', 'AWS Console', 'Confluence Cloud', 'Slack'];

describe('nearAppNames', () => {
  it.each([
    ['jira', ['Jira Cloud', 'Jira Server']],
    ['JIRA ', ['Jira Cloud', 'Jira Server']],
    ['expensfy', ['Expensify']],
    ['expnesify', ['Expensify']],
    ['office365', ['Office 365']],
    ['office-365', ['Office 365']],
    ['salesfroce', ['Salesforce']],
    ['aws', ['AWS Console']],
    ['confluense', ['Confluence Cloud']],
  ])('offers %j → %j', (typed, expected) => {
    expect(nearAppNames(typed, CATALOG)).toEqual(expected);
  });

  it.each([['Workday'], ['sap'], ['xx'], [''], ['   '], ['slackware pro']])(
    'offers nothing for %j (a plain miss stays a denial)',
    (typed) => {
      expect(nearAppNames(typed, CATALOG)).toEqual([]);
    },
  );

  it('puts the closest first and caps the list', () => {
    const many = Array.from({ length: 12 }, (_, i) => `Portal ${i}`);
    expect(nearAppNames('portal', many)).toHaveLength(MAX_CANDIDATES);
    expect(nearAppNames('slck', [...CATALOG, 'Slick'])).toEqual(['Slack', 'Slick']);
    expect(nearAppNames('slackk', [...CATALOG, 'Slick'])).toEqual(['Slack']);
  });
});

describe('editDistance', () => {
  it.each([
    ['kitten', 'sitten', 1],
    ['abcd', 'abdc', 1], // an adjacent swap is one typo
    ['expensfy', 'expensify', 1],
    ['same', 'same', 0],
  ])('%s → %s = %d', (a, b, d) => {
    expect(editDistance(a, b, 2)).toBe(d);
  });

  it('gives up beyond the bound', () => {
    expect(editDistance('salesforce', 'workday', 2)).toBeNull();
    expect(editDistance('abc', 'abcdef', 2)).toBeNull();
  });
});
