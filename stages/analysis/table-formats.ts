/**
 * One Table, two more formats: CSV (RFC 4180) for spreadsheets and a LaTeX
 * booktabs tabular for a paper. The Markdown and HTML renderers draw the same
 * Table, so all four say the same thing.
 */
import type { Table } from './document.js';

/** RFC 4180: CRLF line ends; a field with a comma, quote or line break is quoted, quotes doubled. */
export function toCsv(t: Table): string {
  const field = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [t.columns, ...t.rows].map((r) => r.map((c) => field(plain(c))).join(',')).join('\r\n') + '\r\n';
}

/** A booktabs tabular (needs `\usepackage{booktabs}`); numbers right-aligned, the caption as a comment. */
export function toLatex(t: Table, caption?: string): string {
  const align = t.columns.map((_, i) => (t.numeric?.[i] ? 'r' : 'l')).join('');
  const row = (cells: string[]): string => `${cells.map((c) => latex(plain(c))).join(' & ')} \\\\`;
  return [
    ...(caption ? [`% ${plain(caption).replace(/\n/g, ' ')}`] : []),
    `\\begin{tabular}{${align}}`,
    '\\toprule',
    row(t.columns),
    '\\midrule',
    ...t.rows.map(row),
    '\\bottomrule',
    '\\end{tabular}',
    '',
  ].join('\n');
}

/** The report's inline Markdown (**bold**, `code`) reduced to its text. */
function plain(s: string): string {
  return s.replace(/\*\*([^*]+)\*\*/g, '$1').replace(/`([^`]+)`/g, '$1');
}

const SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '\n': ' ',
  '±': '$\\pm$',
  '√': '$\\surd$',
  '∛': '$\\sqrt[3]{}$',
  '²': '$^2$',
  '³': '$^3$',
  '≈': '$\\approx$',
  '–': '--',
  '·': '$\\cdot$',
  '|': '$|$',
  '<': '$<$',
  '>': '$>$',
  'ρ': '$\\rho$',
  'τ': '$\\tau$',
  'α': '$\\alpha$',
};

/** Escapes LaTeX's special characters and spells the report's symbols in maths mode. */
export function latex(s: string): string {
  return [...s].map((c) => SPECIALS[c] ?? c).join('');
}
