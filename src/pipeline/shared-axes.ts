import { suggest, type Diagnostic } from './diagnostics.js';
import type { AxisOverride } from './overrides.js';
import type { AxisSource, Exclusion, Scalar } from './pipeline-config.js';
import { locate, type JsonSource } from './source.js';
import type { JsonValue } from '../stage-api.js';
import { valueText } from '../util/value-text.js';

/** A matrix axis as written: its values, or `{"$axis": name}` naming a shared axis. */
export type RawAxis = Scalar[] | { $axis: string };
/** An exclude item as written: an entry, or `{"$exclude": name}` naming a shared list. */
export type RawExclude = Record<string, JsonValue>;

export interface RawAxes {
  axes?: Record<string, Scalar[]>;
  excludes?: Record<string, RawExclude[]>;
  stages: Record<string, { matrix?: Record<string, RawAxis>; exclude?: RawExclude[] }>;
}

interface AxisValues {
  values: Scalar[];
  source: AxisSource;
}

/** Every axis's values after the `--axis` flags: shared ones by name, stage-local ones by stage and name. */
export interface AxisTable {
  shared: Map<string, AxisValues>;
  local: Map<string, Map<string, AxisValues>>;
}

/**
 * Collects the pipeline's axes and applies the `--axis` flags in order. A
 * flag changes the shared axis of its name, which every stage naming it
 * sees, and every stage-local axis of that name, exactly as editing each
 * list in the file would.
 */
export function axisTable(
  raw: RawAxes,
  flags: readonly AxisOverride[],
): { table: AxisTable; diagnostics: Diagnostic[] } {
  const fromFile = (values: Scalar[], path: (string | number)[]): AxisValues => ({
    values,
    source: { path, fromFile: values.length },
  });
  const shared = new Map(
    Object.entries(raw.axes ?? {}).map(([name, values]) => [name, fromFile(values, ['axes', name])]),
  );
  const local = new Map<string, Map<string, AxisValues>>();
  for (const [stage, s] of Object.entries(raw.stages)) {
    const own = Object.entries(s.matrix ?? {}).filter((e): e is [string, Scalar[]] => Array.isArray(e[1]));
    local.set(stage, new Map(own.map(([axis, values]) => [axis, fromFile(values, ['stages', stage, 'matrix', axis])])));
  }
  const diagnostics: Diagnostic[] = [];
  for (const flag of flags) {
    const targets = [shared.get(flag.name), ...[...local.values()].map((m) => m.get(flag.name))].filter(
      (t) => t !== undefined,
    );
    if (targets.length === 0) {
      const names = [...new Set([...shared.keys(), ...[...local.values()].flatMap((m) => [...m.keys()])])];
      diagnostics.push({
        message: `--axis ${flag.flag}: the pipeline has no axis "${flag.name}"`,
        hint: suggest(flag.name, names) ?? (names.length > 0 ? `axes: ${names.join(', ')}` : undefined),
      });
      continue;
    }
    for (const t of targets) {
      const again = flag.mode === 'append' ? flag.values.find((v) => t.values.includes(v)) : undefined;
      if (again !== undefined) {
        diagnostics.push({
          message: `--axis ${flag.flag}: ${JSON.stringify(again)} is already a value of axis "${flag.name}"`,
        });
        break;
      }
      t.values = flag.mode === 'append' ? [...t.values, ...flag.values] : [...flag.values];
      t.source = { path: t.source.path, flag: flag.flag, fromFile: flag.mode === 'append' ? t.source.fromFile : 0 };
    }
  }
  return { table: { shared, local }, diagnostics };
}

/** A stage's matrix with shared axes resolved, and where each axis's values come from. */
export function stageMatrix(
  stage: string,
  raw: Record<string, RawAxis>,
  table: AxisTable,
  source: JsonSource,
  out: Diagnostic[],
): { matrix: Record<string, Scalar[]>; sources: Record<string, AxisSource> } {
  const matrix: Record<string, Scalar[]> = {};
  const sources: Record<string, AxisSource> = {};
  for (const [axis, spec] of Object.entries(raw)) {
    const found = Array.isArray(spec) ? table.local.get(stage)?.get(axis) : table.shared.get(spec.$axis);
    if (found === undefined) {
      const name = Array.isArray(spec) ? axis : spec.$axis;
      const known = [...table.shared.keys()];
      out.push({
        message: `matrix axis "${axis}" of stage "${stage}" names an unknown shared axis "${name}"`,
        location: locate(source, ['stages', stage, 'matrix', axis, '$axis']),
        hint:
          suggest(name, known) ??
          (known.length > 0
            ? `shared axes: ${known.join(', ')}`
            : 'declare it under "axes" at the top of the pipeline'),
      });
      continue;
    }
    matrix[axis] = found.values;
    sources[axis] = found.source;
  }
  return { matrix, sources };
}

/** A stage's exclusions with each `{"$exclude": name}` replaced by the entries of that shared list. */
export function stageExclusions(
  stage: string,
  raw: readonly RawExclude[],
  shared: Record<string, RawExclude[]>,
  source: JsonSource,
  out: Diagnostic[],
): Exclusion[] {
  const list: Exclusion[] = [];
  raw.forEach((item, i) => {
    const excluded = item.$exclude;
    if (excluded === undefined) {
      list.push({ match: item, path: ['stages', stage, 'exclude', i] });
      return;
    }
    const name = valueText(excluded);
    const entries = Object.hasOwn(shared, name) ? shared[name] : undefined;
    if (entries === undefined) {
      const known = Object.keys(shared);
      out.push({
        message: `exclude of stage "${stage}" names an unknown shared exclusion list "${name}"`,
        location: locate(source, ['stages', stage, 'exclude', i, '$exclude']),
        hint:
          suggest(name, known) ??
          (known.length > 0
            ? `shared lists: ${known.join(', ')}`
            : 'declare it under "excludes" at the top of the pipeline'),
      });
      return;
    }
    entries.forEach((match, j) => list.push({ match, path: ['excludes', name, j] }));
  });
  return list;
}
