import { closest, distance } from 'fastest-levenshtein';

/** A span in a source file. */
export interface Location {
  file: string;
  offset: number;
  length: number;
}

export interface Diagnostic {
  message: string;
  location?: Location;
  /** A suggestion shown under the message, e.g. `did you mean "train"?`. */
  hint?: string;
}

export interface LineCol {
  line: number;
  col: number;
}

export function lineColOf(text: string, offset: number): LineCol {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

/** `file:line:col: message`, the source line and a caret squiggle under the span. */
export function formatDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>): string {
  if (d.location === undefined) return withHint(`error: ${d.message}`, d.hint);
  const { file, offset, length } = d.location;
  const text = sources.get(file);
  if (text === undefined) return withHint(`${file}: error: ${d.message}`, d.hint);
  const { line, col } = lineColOf(text, offset);
  const sourceLine = text.split('\n')[line - 1] ?? '';
  const width = Math.max(1, Math.min(length, sourceLine.length - col + 1));
  const gutter = String(line);
  const lines = [
    `${file}:${line}:${col}: error: ${d.message}`,
    `  ${gutter} | ${sourceLine}`,
    `  ${' '.repeat(gutter.length)} | ${' '.repeat(col - 1)}${'^'.repeat(width)}`,
  ];
  return withHint(lines.join('\n'), d.hint);
}

function withHint(text: string, hint: string | undefined): string {
  return hint === undefined ? text : `${text}\n  hint: ${hint}`;
}

/** `did you mean "x"?` when a candidate is close enough to be a plausible typo. */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(name, [...candidates]);
  const limit = Math.max(2, Math.floor(name.length / 3));
  return distance(name, best) <= limit ? `did you mean "${best}"?` : undefined;
}

/** The diagnostics without repeats (same message, place and hint), in their first order. */
export function uniqueDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = JSON.stringify([d.message, d.location?.file, d.location?.offset, d.location?.length, d.hint]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
