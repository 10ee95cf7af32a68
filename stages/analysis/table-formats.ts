/**
 * One Table, two more formats: CSV (RFC 4180) for spreadsheets and a LaTeX
 * booktabs tabular for a paper. The Markdown and HTML renderers draw the same
 * Table, so all four say the same thing.
 */
import { stringify } from 'csv-stringify/sync';
import { booktabs, latexText } from '../../src/util/latex.js';
import type { Table } from './document.js';

export { latexText as latex };

/** RFC 4180 (csv-stringify): CRLF line ends; a field with a comma, quote or any line break is quoted, quotes doubled. */
export function toCsv(t: Table): string {
  return stringify(
    [t.columns, ...t.rows].map((r) => r.map(plain)),
    { record_delimiter: 'windows', quoted_match: /[\r\n]/ },
  );
}

/** A booktabs tabular (needs `\usepackage{booktabs}`); numbers right-aligned, the caption as a comment. */
export function toLatex(t: Table, caption?: string): string {
  const right = t.columns.map((_, i) => t.numeric?.[i] === true);
  return [
    ...(caption ? [`% ${plain(caption).replace(/\n/g, ' ')}`] : []),
    ...booktabs(
      t.columns.map(plain),
      t.rows.map((r) => r.map(plain)),
      right,
    ),
    '',
  ].join('\n');
}

/** The report's inline Markdown (**bold**, `code`) reduced to its text. */
function plain(s: string): string {
  return s.replace(/\*\*([^*]+)\*\*/g, '$1').replace(/`([^`]+)`/g, '$1');
}
