/**
 * One row per trained model: its training loss, the parts of its
 * misalignment, its errors, and whatever went wrong (an in-distribution
 * failure, outputs clamped before inverting f).
 */
import type { Table } from '../document.js';
import { fmt } from '../format.js';
import { variantLabel, type ModelRow } from '../rows.js';
import { sortVariants } from '../variants.js';

const withSe = (v: number | null, se: number | null): string =>
  v === null ? '–' : se === null ? fmt(v) : `${fmt(v)} ± ${fmt(se, 2)}`;

/**
 * `order`: variant keys in design order, as the variants table lists them,
 * so both tables agree; rows of a variant not in it follow, ordered by their
 * own axis values.
 */
export function modelsTable(rows: readonly ModelRow[], order: readonly string[] = []): Table {
  const rank = (r: ModelRow): number => (order.includes(r.variant) ? order.indexOf(r.variant) : order.length);
  return {
    name: 'models',
    columns: [
      'model',
      'seed',
      'training loss (normalized)',
      'excess misalignment',
      'measured',
      'target',
      'output-normalized',
      'ID MSE',
      'OOD MSE',
      'horizon',
      'flags',
    ],
    numeric: [false, true, true, true, true, true, true, true, true, true, false],
    // Design order (task, f by compression, other axes as the matrix lists them), seeds in order within a variant.
    rows: sortVariants([...rows].sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0)))
      .sort((a, b) => rank(a) - rank(b))
      .map((r) => [
        variantLabel(r.axes) === 'all' ? r.model : variantLabel(r.axes),
        r.seed === null ? '–' : String(r.seed),
        fmt(r.finalLossNorm),
        withSe(r.misalignment, r.misalignmentSe),
        fmt(r.misalignmentMeasured),
        fmt(r.misalignmentTarget),
        withSe(r.misalignmentOutputNorm, r.misalignmentOutputNormSe),
        fmt(r.idMse),
        fmt(r.oodMse),
        fmt(r.horizon),
        flags(r),
      ]),
  };
}

export function flags(r: ModelRow): string {
  const out: string[] = [];
  if (r.idFailure === true) out.push('⚠ ID failure');
  if (r.clamped !== null && r.clamped > 0) out.push(`${r.clamped} outputs clamped`);
  return out.join('; ') || '–';
}
