import type { Scalar } from '../pipeline/pipeline-config.js';
import type { Row, Table } from './group.js';
import { welch, type Summary } from './stats.js';

/** One metric of one variant on both sides. */
export interface Change {
  stage: string;
  axes: Record<string, Scalar>;
  metric: string;
  left: Summary;
  right: Summary;
  /** right - left, with a 95% Welch interval when both sides have at least 2 cells. */
  diff: number;
  low?: number;
  high?: number;
  changed: boolean;
}

export interface Comparison {
  axes: string[];
  changes: Change[];
  /** Variants (stage and axis values) with a result on one side only. */
  onlyLeft: string[];
  onlyRight: string[];
}

export function variantName(r: Pick<Row, 'stage' | 'axes'>): string {
  const axes = Object.entries(r.axes).map(([k, v]) => `${k}=${String(v)}`);
  return axes.length === 0 ? r.stage : `${r.stage}[${axes.join(',')}]`;
}

/** Pairs the rows of two tables by stage and grouping axis values. */
export function compareTables(left: Table, right: Table): Comparison {
  const key = (r: Row): string => JSON.stringify([r.stage, r.axes]);
  const rightRows = new Map(right.rows.filter((r) => r.done > 0).map((r) => [key(r), r]));
  const leftKeys = new Set<string>();
  const changes: Change[] = [];
  const onlyLeft: string[] = [];
  const metrics = [...new Set([...left.metrics, ...right.metrics])];
  for (const l of left.rows.filter((r) => r.done > 0)) {
    leftKeys.add(key(l));
    const r = rightRows.get(key(l));
    if (r === undefined) {
      onlyLeft.push(variantName(l));
      continue;
    }
    for (const metric of metrics) {
      const a = l.metrics[metric];
      const b = r.metrics[metric];
      if (a === undefined || b === undefined) continue;
      const d = welch(a, b);
      changes.push({
        stage: l.stage,
        axes: l.axes,
        metric,
        left: a,
        right: b,
        ...d,
        changed: a.mean !== b.mean || a.n !== b.n || a.sd !== b.sd,
      });
    }
  }
  const onlyRight = right.rows.filter((r) => r.done > 0 && !leftKeys.has(key(r))).map(variantName);
  return { axes: [...new Set([...left.axes, ...right.axes])], changes, onlyLeft, onlyRight };
}
