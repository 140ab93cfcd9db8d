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

/** The message for `key` in the interface language, with `{name}` placeholders filled in. */
export function t(key: MessageKey, values?: MessageValues): string {
  const template = active[key] ?? en[key];
  if (!values) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}

/** `de-AT` → `de`; anything without a catalog → `en`. */
export function pickLocale(language: string): string {
  const base = language.toLowerCase().split('-')[0] ?? 'en';
  return base in CATALOGS ? base : 'en';
}
