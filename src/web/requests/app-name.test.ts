import { describe, expect, it } from 'vitest';
import { appNameKey, findCatalogApp, rankAppNames } from './app-name';

const CATALOG = ['Expensify', 'Salesforce', 'GitHub Enterprise', 'Workday'];

describe('app name matching', () => {
  it('keys names like the server: trimmed, one space, lower case', () => {
    expect(appNameKey('  GitHub   Enterprise ')).toBe('github enterprise');
  });

  it('finds the catalog spelling whatever the case and spacing', () => {
    expect(findCatalogApp(CATALOG, 'expensify')).toBe('Expensify');
    expect(findCatalogApp(CATALOG, ' github  ENTERPRISE ')).toBe('GitHub Enterprise');
    expect(findCatalogApp(CATALOG, 'sales force')).toBe('Salesforce');
  });

  it('finds nothing for an unknown or blank name', () => {
    expect(findCatalogApp(CATALOG, 'Jira')).toBeUndefined();
    expect(findCatalogApp(CATALOG, '   ')).toBeUndefined();
  });

  it('suggests prefix matches first, ignoring case and spaces', () => {
    expect(rankAppNames(CATALOG, 'E')).toEqual(['Expensify', 'Salesforce', 'GitHub Enterprise']);
    expect(rankAppNames(CATALOG, 'git hub')).toEqual(['GitHub Enterprise']);
  });
});
