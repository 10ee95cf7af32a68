import { booktabs } from '../util/latex.js';
import { unreachable } from '../util/unreachable.js';

export const FORMATS = ['table', 'csv', 'json', 'markdown', 'latex'] as const;
export type Format = (typeof FORMATS)[number];

/** A table of display text; `right` marks the columns aligned right (numbers). */
export interface Grid {
  header: string[];
  rows: string[][];
  right: boolean[];
}

/** A number as people read it: four significant digits, no exponent between 1e-4 and 1e6. */
export function num(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '';
  if (x === 0 || (Math.abs(x) >= 1e-4 && Math.abs(x) < 1e6)) return String(Number(x.toPrecision(4)));
  return x.toExponential(3);
}

export function renderGrid(grid: Grid, format: 'table' | 'markdown' | 'latex'): string {
  switch (format) {
    case 'table':
      return aligned(grid);
    case 'markdown':
      return markdown(grid);
    case 'latex':
      return latex(grid);
    default:
      return unreachable(format);
  }
}

function widths(grid: Grid): number[] {
  return grid.header.map((h, i) => Math.max(h.length, ...grid.rows.map((r) => (r[i] ?? '').length)));
}

function aligned(grid: Grid): string {
  const w = widths(grid);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (grid.right[i] ? c.padStart(w[i] ?? 0) : c.padEnd(w[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(grid.header), line(w.map((n) => '-'.repeat(n))), ...grid.rows.map(line)].join('\n');
}

function markdown(grid: Grid): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const line = (cells: string[]): string => `| ${cells.map(esc).join(' | ')} |`;
  return [
    line(grid.header),
    `|${grid.right.map((r) => (r ? ' ---: ' : ' --- ')).join('|')}|`,
    ...grid.rows.map(line),
  ].join('\n');
}

/** A booktabs tabular (needs \usepackage{booktabs}). */
function latex(grid: Grid): string {
  return booktabs(grid.header, grid.rows, grid.right).join('\n');
}

/** CSV by RFC 4180 (quoted where needed), numbers at full precision, empty for none; the library loads only for CSV. */
export async function renderCsv(header: string[], rows: (string | number | undefined)[][]): Promise<string> {
  const { stringify } = await import('csv-stringify/sync');
  return stringify([header, ...rows.map((r) => r.map((v) => (v === undefined ? '' : v)))]);
}
