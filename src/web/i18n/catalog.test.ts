import { describe, expect, it } from 'vitest';
import { de } from './de';
import { en, type MessageKey } from './en';
import { pickLocale, t } from './translate';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogs', () => {
  it('German fills in the same placeholders as English', () => {
    for (const [key, text] of Object.entries(de)) {
      expect(placeholders(text ?? ''), key).toEqual(placeholders(en[key as MessageKey]));
    }
  });

  it('German has exactly the English keys', () => {
    expect(Object.keys(en).filter((k) => !(k in de))).toEqual([]);
    expect(Object.keys(de).filter((k) => !(k in en))).toEqual([]);
  });

  it('picks a language from the browser, English when there is no catalog', () => {
    expect(pickLocale('de-AT')).toBe('de');
    expect(pickLocale('DE')).toBe('de');
    expect(pickLocale('fr-FR')).toBe('en');
    expect(pickLocale('')).toBe('en');
  });

  it('says "1 request", not "1 requests": a count picks the singular form where the catalog has one', () => {
    expect(t('dashboard.denials.summary', { count: 1 })).toBe('1 request was denied.');
    expect(t('dashboard.denials.summary', { count: 0 })).toBe('0 requests were denied.');
    expect(t('dashboard.denials.summary', { count: 3 })).toBe('3 requests were denied.');
    expect(t('dashboard.days', { n: 1 })).toBe('1 day');
    expect(t('agentUsage.refused', { count: '1' })).toBe('1 tool call refused');
    // Without a singular form the one message serves every number.
    expect(t('age.days', { n: 1 })).toBe('1 d');
  });

  it('every singular form belongs to a message, with the same placeholders', () => {
    for (const key of Object.keys(en).filter((k) => k.endsWith('.one'))) {
      const base = key.slice(0, -'.one'.length);
      expect(base in en, key).toBe(true);
      expect(placeholders(en[key as MessageKey]), key).toEqual(placeholders(en[base as MessageKey]));
    }
  });
});
