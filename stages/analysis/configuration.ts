/**
 * The configuration table: for every upstream stage the report can see, each
 * param with the values its cells were run with, and which of them the
 * matrix varies. Read from the inputs' own params and axes, so the table
 * shows what actually ran rather than what a pipeline file says today.
 */
import type { InputArtifact, JsonValue } from '../../src/stage-api.js';
import type { Table } from './document.js';

export interface ConfigEntry {
  stage: string;
  param: string;
  values: string[];
  /** True where the param is a matrix axis of that stage. */
  axis: boolean;
  cells: number;
}

export function configurationOf(artifacts: readonly InputArtifact[]): ConfigEntry[] {
  const byStage = new Map<string, InputArtifact[]>();
  for (const a of artifacts) byStage.set(a.stage, [...(byStage.get(a.stage) ?? []), a]);
  const out: ConfigEntry[] = [];
  for (const [stage, cells] of byStage) {
    const unique = [...new Map(cells.map((c) => [c.cell, c])).values()];
    const names = [...new Set(unique.flatMap((c) => Object.keys(c.params)))];
    for (const param of names) {
      const values: string[] = [];
      for (const c of unique) {
        const text = show(c.params[param]);
        if (!values.includes(text)) values.push(text);
      }
      out.push({ stage, param, values, axis: unique.some((c) => param in c.axes), cells: unique.length });
    }
  }
  // Matrix axes first, then the fixed params, each alphabetically within a stage.
  return out
    .sort((a, b) => Number(b.axis) - Number(a.axis) || a.param.localeCompare(b.param))
    .sort((a, b) => stageRank(a.stage) - stageRank(b.stage));
}

const STAGE_ORDER = ['data', 'train', 'evaluate', 'misalignment', 'row', 'correlate'];
const stageRank = (s: string): number => (STAGE_ORDER.includes(s) ? STAGE_ORDER.indexOf(s) : STAGE_ORDER.length);

function show(v: JsonValue | undefined): string {
  if (v === undefined) return '(default)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** One row per param; stages that ran it with the same values share the row (axes repeat across stages). */
export function configurationTable(entries: readonly ConfigEntry[]): Table {
  const rows = new Map<string, { stages: string[]; cells: number[]; e: ConfigEntry }>();
  for (const e of entries) {
    const key = JSON.stringify([e.param, e.axis, e.values]);
    const row = rows.get(key) ?? { stages: [], cells: [], e };
    row.stages.push(e.stage);
    row.cells.push(e.cells);
    rows.set(key, row);
  }
  return {
    name: 'configuration',
    columns: ['param', 'varied by the matrix', 'value(s)', 'stages', 'cells per stage'],
    numeric: [false, false, false, false, true],
    rows: [...rows.values()].map(({ stages, cells, e }) => [
      e.param,
      e.axis ? 'yes' : 'no',
      e.values.join(', '),
      stages.join(', '),
      cells.join(' / '),
    ]),
  };
}
