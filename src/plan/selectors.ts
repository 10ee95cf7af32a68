import type { Analysis, Cell, StageNode } from './types.js';
import { suggest } from '../pipeline/diagnostics.js';
import { cellId } from '../pipeline/matrix.js';
import type { Scalar } from '../pipeline/pipeline-config.js';
import { err, ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';

/**
 * Cell selectors, as `--only` and `--force` take them:
 *   STAGE                 every cell of a stage (`*`: of every stage)
 *   CELL-ID               one cell, written as the engine writes ids
 *   STAGE[axis=v,...]     the stage's cells with those values, whatever
 *                         their other axes; `v` may be `*` (any value)
 * A value matches as the cell id displays it (`f=sqrt`, `name="a b"`, a long
 * value's `#hash`) or as the JSON it parses to (`seed=1`, `f="sqrt"`).
 */
interface Pattern {
  stage: string;
  /** Axis name -> the value written, or `*`; undefined when the selector has no brackets. */
  axes?: [string, string][];
}

/** Why a selector selects nothing; see describeSelectorProblem. */
export type SelectorProblem =
  | { reason: 'syntax'; selector: string; detail: string }
  | { reason: 'no-stage'; selector: string; stage: string; hint?: string }
  | { reason: 'no-axis'; selector: string; stage: string; axis: string; axes: string[]; hint?: string }
  | { reason: 'no-match'; selector: string; hint?: string };

const SHAPE = /^([^[\]]+)(?:\[(.*)\])?$/s;

/** Parses `STAGE` or `STAGE[axis=value,...]`; commas inside a JSON-quoted value do not split it. */
export function parseSelector(text: string): Result<Pattern, SelectorProblem> {
  const m = SHAPE.exec(text.trim());
  if (m === null) return err({ reason: 'syntax', selector: text, detail: 'expected STAGE or STAGE[axis=value,...]' });
  const stage = m[1] as string;
  if (m[2] === undefined) return ok({ stage });
  if (m[2].trim() === '')
    return err({ reason: 'syntax', selector: text, detail: 'empty brackets; name at least one axis=value' });
  const axes: [string, string][] = [];
  for (const part of splitOutsideQuotes(m[2])) {
    const eq = part.indexOf('=');
    if (eq <= 0) return err({ reason: 'syntax', selector: text, detail: `"${part}" is not axis=value` });
    axes.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
  }
  return ok({ stage, axes });
}

function splitOutsideQuotes(s: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quoted && c === '\\') {
      current += c + (s[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** An axis value as a cell id shows it: the very function that forms ids, on that one axis. */
export function displayedValue(axis: string, value: Scalar): string {
  const id = cellId('', { [axis]: value });
  const head = `[${axis}=`;
  return id.startsWith(head) && id.endsWith(']') ? id.slice(head.length, -1) : JSON.stringify(value);
}

/** Whether what a user wrote for an axis names `value`. */
function valueMatches(axis: string, written: string, value: Scalar): boolean {
  if (written === '*') return true;
  const shown = displayedValue(axis, value);
  if (written === shown) return true;
  const parsed = parseScalar(written);
  return parsed !== undefined && displayedValue(axis, parsed) === shown;
}

function parseScalar(text: string): Scalar | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The cells one selector names, in pipeline order. */
export function selectOne(analysis: Analysis, text: string): Result<Cell[], SelectorProblem> {
  const exact = analysis.cells.get(text);
  if (exact !== undefined) return ok([exact]);
  const parsed = parseSelector(text);
  if (!parsed.ok) return parsed;
  const { stage, axes } = parsed.value;
  const stages =
    stage === '*' ? [...analysis.stages.values()] : [analysis.stages.get(stage)].filter((s) => s !== undefined);
  if (stages.length === 0)
    return err({ reason: 'no-stage', selector: text, stage, hint: suggest(stage, [...analysis.stages.keys()]) });
  if (stage !== '*' && axes !== undefined) {
    const node = stages[0] as StageNode;
    const unknown = axes.find(([a]) => !node.axisNames.includes(a));
    if (unknown !== undefined)
      return err({
        reason: 'no-axis',
        selector: text,
        stage,
        axis: unknown[0],
        axes: node.axisNames,
        hint: suggest(unknown[0], node.axisNames),
      });
  }
  const cells = stages.flatMap((node) =>
    node.cells.map((id) => analysis.cells.get(id) as Cell).filter((c) => matches(c, axes)),
  );
  if (cells.length > 0) return ok(cells);
  return err({ reason: 'no-match', selector: text, hint: nearMiss(analysis, stages, axes, text) });
}

function matches(cell: Cell, axes: [string, string][] | undefined): boolean {
  if (axes === undefined) return true;
  return axes.every(([a, written]) => a in cell.axes && valueMatches(a, written, cell.axes[a] as Scalar));
}

/** For a value no cell has: a close one, or the values there are; else the closest cell id. */
function nearMiss(
  analysis: Analysis,
  stages: StageNode[],
  axes: [string, string][] | undefined,
  text: string,
): string | undefined {
  for (const [axis, written] of axes ?? []) {
    const shown = new Set<string>();
    for (const node of stages) {
      for (const id of node.cells) {
        const v = (analysis.cells.get(id) as Cell).axes[axis];
        if (v !== undefined) shown.add(displayedValue(axis, v));
      }
    }
    if (
      written === '*' ||
      shown.has(written) ||
      [...shown].some((v) => valueMatches(axis, written, parseScalar(v) ?? v))
    )
      continue;
    // Short values are all within a typo of each other: list them instead of guessing one.
    const close = written.length >= 3 ? suggest(written, [...shown]) : undefined;
    const list = [...shown].slice(0, 12).join(', ');
    return close !== undefined ? `${axis}: ${close}` : `${axis} takes ${list}${shown.size > 12 ? ', ...' : ''}`;
  }
  return suggest(
    text,
    analysis.order.map((c) => c.id),
  );
}

/** The union of what several selectors name, in pipeline order; the first that names nothing is the failure. */
export function selectCells(analysis: Analysis, selectors: readonly string[]): Result<Cell[], SelectorProblem> {
  const chosen = new Set<string>();
  for (const s of selectors) {
    const r = selectOne(analysis, s);
    if (!r.ok) return r;
    for (const c of r.value) chosen.add(c.id);
  }
  return ok(analysis.order.filter((c) => chosen.has(c.id)));
}

/** The selected cells and every cell they depend on, in pipeline order. */
export function withUpstream(analysis: Analysis, selected: readonly Cell[]): Cell[] {
  const keep = new Set<string>();
  const visit = (id: string): void => {
    if (keep.has(id)) return;
    keep.add(id);
    for (const p of analysis.graph.predecessors(id) ?? []) visit(p);
  };
  for (const c of selected) visit(c.id);
  return analysis.order.filter((c) => keep.has(c.id));
}

export function describeSelectorProblem(flag: string, p: SelectorProblem): string {
  const head = `--${flag} '${p.selector}'`;
  const hint = (h: string | undefined): string => (h === undefined ? '' : `\n  hint: ${h}`);
  switch (p.reason) {
    case 'syntax':
      return `${head}: ${p.detail}`;
    case 'no-stage':
      return `${head}: the pipeline has no stage "${p.stage}"${hint(p.hint)}`;
    case 'no-axis':
      return `${head}: stage "${p.stage}" has no axis "${p.axis}" (its axes: ${p.axes.join(', ') || 'none'})${hint(p.hint)}`;
    case 'no-match':
      return `${head} selects no cell${hint(p.hint)}`;
    default:
      return unreachable(p);
  }
}
