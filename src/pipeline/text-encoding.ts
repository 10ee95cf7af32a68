import type { Diagnostic } from './diagnostics.js';
import { err, ok, type Result } from '../util/result.js';

/** Why a file's bytes are not pipeline text, and the text to show its location in. */
export interface EncodingFailure {
  diagnostic: Diagnostic;
  display: string;
}

const BYTE_ORDER_MARKS: { bytes: number[]; name: string; decode?: (b: Buffer) => string }[] = [
  { bytes: [0x00, 0x00, 0xfe, 0xff], name: 'UTF-32' },
  { bytes: [0xff, 0xfe, 0x00, 0x00], name: 'UTF-32' },
  { bytes: [0xfe, 0xff], name: 'UTF-16', decode: (b) => Buffer.from(b.subarray(2)).swap16().toString('utf16le') },
  { bytes: [0xff, 0xfe], name: 'UTF-16', decode: (b) => b.subarray(2).toString('utf16le') },
];

/**
 * A pipeline file's bytes as text. Pipeline files are UTF-8 (JSON's own
 * encoding); a UTF-8 byte-order mark is dropped, as JSON parsers may do.
 * Anything else (UTF-16/32, bytes that are not UTF-8) is refused with the
 * place of the first offending byte, rather than read as replacement
 * characters that would end up in commands and fingerprints.
 */
export function decodePipelineText(file: string, bytes: Buffer): Result<string, EncodingFailure> {
  for (const bom of BYTE_ORDER_MARKS) {
    if (bytes.length < bom.bytes.length || !bom.bytes.every((b, i) => bytes[i] === b)) continue;
    const display = bom.decode?.(bytes.length % 2 === 0 ? bytes : bytes.subarray(0, -1)) ?? '';
    const message = `the file is ${bom.name} (it starts with a byte-order mark); pipeline files must be UTF-8`;
    return err({ diagnostic: { message, location: { file, offset: 0, length: 1 } }, display });
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  const text = body.toString('utf8');
  if (!text.includes('\ufffd')) return ok(text);
  const bad = firstInvalid(body, text);
  if (bad === undefined) return ok(text);
  const message = `invalid UTF-8 (byte 0x${(body[bad.byte] ?? 0).toString(16).padStart(2, '0')} at offset ${bad.byte + start}); pipeline files must be UTF-8`;
  return err({ diagnostic: { message, location: { file, offset: bad.char, length: 1 } }, display: text });
}

/**
 * Where the first replacement character of `text` came from an invalid byte
 * rather than from a U+FFFD written in the file: walks the code points and
 * their UTF-8 lengths in step with the bytes.
 */
function firstInvalid(bytes: Buffer, text: string): { byte: number; char: number } | undefined {
  let byte = 0;
  let char = 0;
  for (const cp of text) {
    if (cp === '\ufffd' && !(bytes[byte] === 0xef && bytes[byte + 1] === 0xbf && bytes[byte + 2] === 0xbd))
      return { byte, char };
    byte += Buffer.byteLength(cp, 'utf8');
    char += cp.length;
  }
  return undefined;
}
