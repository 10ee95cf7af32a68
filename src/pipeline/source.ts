import { createRequire } from 'node:module';
import type { Node, ParseError } from 'jsonc-parser';
import type { Diagnostic, Location } from './diagnostics.js';
import { err, ok, type Result } from '../util/result.js';

type JsoncParser = typeof import('jsonc-parser');
let jsoncParser: JsoncParser | undefined;

/** The syntax-tree parser, loaded on first use: a trusted pipeline never needs it. */
function jsonc(): JsoncParser {
  jsoncParser ??= createRequire(import.meta.url)('jsonc-parser') as JsoncParser;
  return jsoncParser;
}

/** A parsed JSON file that still knows where every value came from. */
export interface JsonSource {
  file: string;
  text: string;
  /** The syntax tree with offsets; built on first use (only errors need it). */
  readonly root: Node;
  value: unknown;
}

/**
 * Parses JSON. `trusted` text (already validated, unchanged since) skips the
 * syntax tree and the duplicate-key scan, which dominate start-up on large files.
 */
export function parseJsonSource(file: string, text: string, trusted = false): Result<JsonSource, Diagnostic[]> {
  if (!trusted) {
    const tooDeep = nestingBeyond(text, MAX_DEPTH);
    if (tooDeep !== undefined) {
      return err([
        {
          message: `invalid JSON: values are nested more than ${MAX_DEPTH} levels deep`,
          location: { file, offset: tooDeep, length: 1 },
        },
      ]);
    }
  }
  if (trusted) {
    let root: Node | undefined;
    const value = JSON.parse(text) as unknown;
    return ok({
      file,
      text,
      value,
      get root(): Node {
        root ??= jsonc().parseTree(text, [], { disallowComments: true }) as Node;
        return root;
      },
    });
  }
  const errors: ParseError[] = [];
  const root = jsonc().parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0 || root === undefined) {
    const diagnostics = errors.map((e) => ({
      message: `invalid JSON: ${text.charCodeAt(e.offset) === 0 ? 'a NUL byte (pipeline files are text)' : describeParseError(jsonc().printParseErrorCode(e.error))}`,
      location: { file, offset: e.offset, length: Math.max(1, e.length) },
    }));
    if (diagnostics.length === 0)
      diagnostics.push({ message: 'invalid JSON: the file is empty', location: { file, offset: 0, length: 1 } });
    return err(diagnostics.slice(0, 3));
  }
  const problems = [...findDuplicateKeys(root, file), ...findNonFiniteNumbers(root, file, text)];
  if (problems.length > 0) return err(problems);
  return ok({ file, text, root, value: JSON.parse(text) as unknown });
}

/**
 * The parser, the schema validator and the engine all recurse into values;
 * no pipeline needs more than a few levels, and a bound keeps hostile
 * nesting from exhausting the stack.
 */
export const MAX_DEPTH = 256;

/** Offset of the first bracket that opens level `max + 1`, outside strings; undefined when none does. */
export function nestingBeyond(text: string, max: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

function describeParseError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'malformed number',
    PropertyNameExpected: 'expected a property name in double quotes',
    ValueExpected: 'expected a value',
    ColonExpected: 'expected ":" after the property name',
    CommaExpected: 'expected "," between entries',
    CloseBraceExpected: 'expected "}"',
    CloseBracketExpected: 'expected "]"',
    EndOfFileExpected: 'unexpected content after the end of the document',
    InvalidCommentToken: 'comments are not allowed in pipeline files',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character in string',
  };
  return words[code] ?? code;
}

function findDuplicateKeys(node: Node, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const key = prop.children?.[0];
      if (key === undefined) continue;
      const name = String(key.value);
      if (seen.has(name)) {
        out.push({ message: `duplicate key "${name}"`, location: { file, offset: key.offset, length: key.length } });
      }
      seen.add(name);
    }
  }
  for (const child of node.children ?? []) out.push(...findDuplicateKeys(child, file));
  return out;
}

/**
 * Numbers beyond a double's range (1e999) parse as Infinity, which JSON
 * cannot write back: such a value would reach fingerprints and cell ids as
 * null. Walked with a stack, not recursion, so deep nesting cannot overflow.
 */
function findNonFiniteNumbers(root: Node, file: string, text: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const stack = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.type === 'number' && !Number.isFinite(node.value)) {
      out.push({
        message: `the number ${text.slice(node.offset, node.offset + node.length)} is out of range: JSON numbers must be finite (it would read as ${String(node.value)})`,
        location: { file, offset: node.offset, length: node.length },
      });
    }
    for (let i = (node.children?.length ?? 0) - 1; i >= 0; i--) stack.push(node.children?.[i] as Node);
  }
  return out;
}

export type JsonPath = (string | number)[];

/** Location of the value at `path`; falls back to the nearest existing ancestor. */
export function locate(source: JsonSource, path: JsonPath, which: 'value' | 'key' = 'value'): Location {
  for (let n = path.length; n >= 0; n--) {
    const node = jsonc().findNodeAtLocation(source.root, path.slice(0, n));
    if (node === undefined) continue;
    const target =
      which === 'key' && n === path.length && node.parent?.type === 'property'
        ? (node.parent.children?.[0] ?? node)
        : node;
    return { file: source.file, offset: target.offset, length: target.length };
  }
  return { file: source.file, offset: 0, length: 1 };
}

/** JSON pointer (`/a/0/b`) to a path. */
export function pointerToPath(pointer: string): JsonPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
