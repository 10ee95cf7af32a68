/**
 * The character vocabulary of the `text` data: space, a-z, the punctuation
 * . , ' " - ? ! ; : ( ), '#' for any digit, '\n' between documents and '~'
 * for every other character. Text is lowercased before mapping.
 */
export const TEXT_SYMBOLS: readonly string[] = [
  ' ',
  ...'abcdefghijklmnopqrstuvwxyz',
  ...'.,\'"-?!;:()',
  '#',
  '\n',
  '~',
];

export const DOC_SEPARATOR = TEXT_SYMBOLS.indexOf('\n');
const DIGIT = TEXT_SYMBOLS.indexOf('#');
const OTHER = TEXT_SYMBOLS.indexOf('~');

const CODE = new Map<string, number>(TEXT_SYMBOLS.map((s, i) => [s, i]));

/** Token id of one character (any case). */
export function charToken(ch: string): number {
  const c = ch.toLowerCase();
  if (c >= '0' && c <= '9') return DIGIT;
  if (c === '#' || c === '~') return OTHER; // the placeholder symbols are not themselves in the text's alphabet
  return CODE.get(c) ?? OTHER;
}

/** Token ids of a string. */
export function encodeText(text: string): Int8Array {
  const out = new Int8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = charToken(text[i]!);
  return out;
}

/** The characters of token ids (digits come back as '#', others as '~'). */
export function decodeTokens(tokens: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < tokens.length; i++) s += TEXT_SYMBOLS[tokens[i]!] ?? '~';
  return s;
}
