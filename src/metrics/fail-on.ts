import { minimatch } from 'minimatch';
import { UsageError } from '../exit.js';
import type { Change } from './compare.js';
import { num } from './render.js';
import { variantName } from './compare.js';
import { unreachable } from '../util/unreachable.js';

/** `--fail-on 'NAME>0.1'`: fails when the difference (right - left) of a metric matching NAME passes the bound. */
export interface Threshold {
  text: string;
  metric: string;
  op: '>' | '>=' | '<' | '<=';
  bound: number;
}

const FORM = /^\s*([^<>=\s]+)\s*(>=|<=|>|<)\s*(-?[0-9.]+(?:e[-+]?\d+)?)\s*$/i;

export function parseThreshold(text: string): Threshold {
  const m = FORM.exec(text);
  const bound = Number(m?.[3]);
  if (m === null || !Number.isFinite(bound))
    throw new UsageError(`--fail-on "${text}": expected METRIC>NUMBER (or >=, <, <=), e.g. --fail-on 'oodMse>0.1'`);
  return { text, metric: m[1] as string, op: m[2] as Threshold['op'], bound };
}

function passes(x: number, t: Threshold): boolean {
  switch (t.op) {
    case '>':
      return x > t.bound;
    case '>=':
      return x >= t.bound;
    case '<':
      return x < t.bound;
    case '<=':
      return x <= t.bound;
    default:
      return unreachable(t.op);
  }
}

/** One line per difference that crosses a threshold. */
export function violations(changes: readonly Change[], thresholds: readonly Threshold[]): string[] {
  const out: string[] = [];
  for (const t of thresholds) {
    for (const c of changes) {
      if (minimatch(c.metric, t.metric) && passes(c.diff, t))
        out.push(`${variantName(c)} ${c.metric}: changed by ${num(c.diff)} (--fail-on '${t.text}')`);
    }
  }
  return out;
}
