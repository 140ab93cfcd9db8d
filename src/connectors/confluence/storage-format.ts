/**
 * Confluence storage format (the page body's XHTML) → the policy and the reference text.
 * The policy is the YAML of a code macro:
 *
 *   <ac:structured-macro ac:name="code">
 *     <ac:parameter ac:name="language">yaml</ac:parameter>
 *     <ac:plain-text-body><![CDATA[version: "2026-11-24.1" …]]></ac:plain-text-body>
 *   </ac:structured-macro>
 *
 * — the first one whose language is yaml (or yml), else the first code macro. Everything else on
 * the page, as plain text, is the reference text shown to approvers. Pure: no I/O.
 */

/** What a policy page holds. */
export interface PolicyPageContent {
  /** The code block's text, exactly: its line 1 is the line numbers' line 1. */
  yaml: string;
  /** The rest of the page as plain text ('' when there is nothing else). */
  referenceText: string;
  /** How many code macros the page has (the policy's is one of them). */
  codeBlocks: number;
}

interface CodeMacro {
  start: number;
  end: number;
  language: string | null;
  text: string;
}

const MAX_REFERENCE_TEXT = 100_000;

/** The policy's code block and the reference text, or null when the page has no code macro. */
export function extractPolicyFromStorage(storage: string): PolicyPageContent | null {
  const macros = codeMacros(storage);
  const chosen = macros.find((m) => m.language !== null && /^ya?ml$/i.test(m.language.trim())) ?? macros[0];
  if (!chosen) return null;
  const rest = storage.slice(0, chosen.start) + storage.slice(chosen.end);
  return { yaml: chosen.text, referenceText: storageToText(rest), codeBlocks: macros.length };
}

/** Every code macro with a plain-text body, in page order. */
function codeMacros(storage: string): CodeMacro[] {
  const found: CodeMacro[] = [];
  const startTag = /<ac:structured-macro\b([^>]*?)(\/?)>/g;
  for (let m = startTag.exec(storage); m; m = startTag.exec(storage)) {
    if (m[2] === '/' || attribute(m[1] ?? '', 'ac:name') !== 'code') continue;
    const bodyOpen = storage.indexOf('<ac:plain-text-body>', startTag.lastIndex);
    const nextMacro = storage.indexOf('<ac:structured-macro', startTag.lastIndex);
    const close = storage.indexOf('</ac:structured-macro>', startTag.lastIndex);
    if (close === -1) break;
    if (bodyOpen === -1 || bodyOpen > close || (nextMacro !== -1 && nextMacro < bodyOpen)) continue;
    const body = readPlainTextBody(storage, bodyOpen + '<ac:plain-text-body>'.length);
    if (!body) continue;
    const end = storage.indexOf('</ac:structured-macro>', body.end);
    if (end === -1) break;
    const params = storage.slice(startTag.lastIndex, bodyOpen);
    const language = /<ac:parameter\b[^>]*\bac:name\s*=\s*"language"[^>]*>([^<]*)<\/ac:parameter>/.exec(params)?.[1];
    const macroEnd = end + '</ac:structured-macro>'.length;
    found.push({ start: m.index, end: macroEnd, language: language === undefined ? null : decodeEntities(language), text: body.text });
    startTag.lastIndex = macroEnd;
  }
  return found;
}

/** The text of a plain-text body from `from`: CDATA sections joined (Confluence splits one at "]]>"), other text decoded. */
function readPlainTextBody(storage: string, from: number): { text: string; end: number } | null {
  let pos = from;
  let text = '';
  while (pos < storage.length) {
    if (storage.startsWith('<![CDATA[', pos)) {
      const close = storage.indexOf(']]>', pos + 9);
      if (close === -1) return null;
      text += storage.slice(pos + 9, close);
      pos = close + 3;
    } else if (storage.startsWith('</ac:plain-text-body>', pos)) {
      return { text, end: pos + '</ac:plain-text-body>'.length };
    } else if (storage[pos] === '<') {
      // Not expected in a plain-text body: skip the tag.
      const close = storage.indexOf('>', pos);
      if (close === -1) return null;
      pos = close + 1;
    } else {
      const next = storage.indexOf('<', pos);
      const stop = next === -1 ? storage.length : next;
      text += decodeEntities(storage.slice(pos, stop));
      pos = stop;
    }
  }
  return null;
}

function attribute(attrs: string, name: string): string | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\b${escaped}\\s*=\\s*"([^"]*)"`).exec(attrs)?.[1];
}

/** Storage-format XHTML as readable plain text: paragraphs and list items on their own lines. */
export function storageToText(storage: string): string {
  let s = storage
    // CDATA (other code blocks, link labels) is text: escape it so the tag stripping keeps it.
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_all, text: string) => escapeText(text))
    // Macro parameters are settings, not text.
    .replace(/<ac:parameter\b[^>]*>[\s\S]*?<\/ac:parameter>/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/(td|th)>/gi, ' | ')
    .replace(/<tr\b[^>]*>/gi, '\n')
    .replace(/<\/(p|h[1-6]|div|blockquote|pre|ul|ol|table|ac:plain-text-body|ac:rich-text-body)>/gi, '\n')
    .replace(/<(p|h[1-6]|div|blockquote|pre|ul|ol|table)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  s = decodeEntities(s)
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((line) =>
      line
        .replace(/[ \t]+/g, ' ')
        .replace(/\s*\|\s*$/, '')
        .trim(),
    )
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return s.length > MAX_REFERENCE_TEXT ? `${s.slice(0, MAX_REFERENCE_TEXT)}\n…` : s;
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  rsquo: '\u2019',
  lsquo: '\u2018',
  rdquo: '\u201d',
  ldquo: '\u201c',
  ndash: '\u2013',
  mdash: '\u2014',
  hellip: '\u2026',
  bull: '\u2022',
  middot: '\u00b7',
  rarr: '\u2192',
  larr: '\u2190',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  euro: '\u20ac',
  auml: '\u00e4',
  ouml: '\u00f6',
  uuml: '\u00fc',
  Auml: '\u00c4',
  Ouml: '\u00d6',
  Uuml: '\u00dc',
  szlig: '\u00df',
  eacute: '\u00e9',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name] ?? whole;
  });
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
