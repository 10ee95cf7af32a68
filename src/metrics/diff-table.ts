import type { Change, Comparison } from './compare.js';
import { LEVEL } from './stats.js';
import { num, renderCsv, renderGrid, type Format } from './render.js';
import { summaryText } from './show-table.js';
import { unreachable } from '../util/unreachable.js';

export interface DiffView {
  left: string;
  right: string;
  comparison: Comparison;
  /** Rows shown: the changed ones, or all with --all. */
  shown: Change[];
  violations: string[];
}

function interval(c: Change): string {
  return c.low === undefined ? '' : `[${num(c.low)}, ${num(c.high)}]`;
}

function signed(x: number): string {
  return x > 0 ? `+${num(x)}` : num(x);
}

export async function renderDiff(v: DiffView, format: Format): Promise<{ body: string; notes: string[] }> {
  const { comparison: cmp, shown } = v;
  const stage = new Set(shown.map((c) => c.stage)).size > 1;
  const axisCell = (c: Change, a: string): string => (Object.hasOwn(c.axes, a) ? String(c.axes[a]) : '');
  const notes = [
    `left: ${v.left}; right: ${v.right}`,
    `${shown.length} of ${cmp.changes.length} variant metric(s) shown${shown.length < cmp.changes.length ? ' (the others are equal; --all shows them)' : ''}`,
    ...(cmp.onlyLeft.length > 0 ? [`only on the left (${cmp.onlyLeft.length}): ${cmp.onlyLeft.join(', ')}`] : []),
    ...(cmp.onlyRight.length > 0 ? [`only on the right (${cmp.onlyRight.length}): ${cmp.onlyRight.join(', ')}`] : []),
    ...v.violations,
  ];
  switch (format) {
    case 'json':
      return {
        body: `${JSON.stringify({ left: v.left, right: v.right, level: LEVEL, rows: shown, unchanged: cmp.changes.length - shown.length, onlyLeft: cmp.onlyLeft, onlyRight: cmp.onlyRight, violations: v.violations }, null, 2)}\n`,
        notes: [],
      };
    case 'csv': {
      const header = [
        'stage',
        ...cmp.axes,
        'metric',
        'left.n',
        'left.mean',
        'left.sd',
        'right.n',
        'right.mean',
        'right.sd',
        'diff',
        'ci_low',
        'ci_high',
      ];
      const rows = shown.map((c) => [
        c.stage,
        ...cmp.axes.map((a) => axisCell(c, a)),
        c.metric,
        c.left.n,
        c.left.mean,
        c.left.sd,
        c.right.n,
        c.right.mean,
        c.right.sd,
        c.diff,
        c.low,
        c.high,
      ]);
      return { body: await renderCsv(header, rows), notes };
    }
    case 'table':
    case 'markdown':
    case 'latex': {
      const header = [
        ...(stage ? ['stage'] : []),
        ...cmp.axes,
        'metric',
        'left',
        'right',
        'diff',
        `diff ${LEVEL * 100}% CI`,
      ];
      const rows = shown.map((c) => [
        ...(stage ? [c.stage] : []),
        ...cmp.axes.map((a) => axisCell(c, a)),
        c.metric,
        summaryText(c.left),
        summaryText(c.right),
        signed(c.diff),
        interval(c),
      ]);
      const right = header.map((_, i) => i > (stage ? 1 : 0) + cmp.axes.length);
      const legend = `left and right: mean ± sd [${LEVEL * 100}% t-interval]; diff = right - left, its interval by Welch's t where both sides have 2 or more cells`;
      return { body: `${renderGrid({ header, rows, right }, format)}\n`, notes: [legend, ...notes] };
    }
    default:
      return unreachable(format);
  }
}
