import { de } from './de';
import { en, type MessageKey } from './en';

/** A translation: any subset of the English catalog; what it lacks is shown in English. */
export type MessageCatalog = Partial<Record<MessageKey, string>>;

const CATALOGS: Record<string, MessageCatalog> = { de };

/** The language of the interface: the browser's, when we have a catalog for it. */
export const locale: string = pickLocale(typeof navigator === 'undefined' ? 'en' : navigator.language);

const active: MessageCatalog = CATALOGS[locale] ?? {};

/** Values filled into `{name}` placeholders. */
export type MessageValues = Record<string, string | number>;

const plurals = new Intl.PluralRules(locale);

/**
 * The message for `key` in the interface language, with `{name}` placeholders filled in. When a
 * `count` (or `n`) is given and the catalog has the key's form for that number — `key.one` for
 * "1 request" beside `key`'s "3 requests" — that form is used; a translation without the key
 * falls back to English whole, so the two languages never mix in one message.
 */
export function t(key: MessageKey, values?: MessageValues): string {
  const catalog: MessageCatalog = active[key] !== undefined ? active : en;
  // A number, or a formatted one that reads back as a number ("1"; not "1,234", which is plural anyway).
  const count = Number(values?.count ?? values?.n);
  const form = Number.isFinite(count) ? catalog[`${key}.${plurals.select(count)}` as MessageKey] : undefined;
  const template = form ?? catalog[key] ?? en[key];
  if (!values) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}

/** `de-AT` → `de`; anything without a catalog → `en`. */
export function pickLocale(language: string): string {
  const base = language.toLowerCase().split('-')[0] ?? 'en';
  return base in CATALOGS ? base : 'en';
}
