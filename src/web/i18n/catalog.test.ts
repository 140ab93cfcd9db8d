import { describe, expect, it } from 'vitest';
import { de } from './de';
import { en, type MessageKey } from './en';
import { pickLocale } from './translate';

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
});
