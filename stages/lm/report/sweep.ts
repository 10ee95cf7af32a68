/**
 * The regularizer study's plot data: long-context and in-distribution CE
 * against α per model family, over seeds. At α = 0 the regularizer
 * is off, so its own settings (lExtraRange, divergence, overlap) do not
 * change training: the α = 0 variant is the baseline of every regularized
 * variant that shares its other axes, whatever their regularizer settings.
 */
import type { JsonValue } from '../../../src/stage-api.js';
import { labelOf, type LmVariant } from './variants.js';

/** Axes that only matter when α > 0. */
export const REGULARIZER_KEYS = ['lExtraRange', 'divergence', 'overlap'];

const alphaOf = (v: LmVariant): number | null => (typeof v.axes.alpha === 'number' ? v.axes.alpha : null);

/** The variant's family: its task and axes other than α and the regularizer's settings. */
export function familyKey(v: LmVariant): string {
  const rest = Object.keys(v.axes)
    .filter((k) => k !== 'alpha' && !REGULARIZER_KEYS.includes(k))
    .sort();
  return JSON.stringify([v.task, ...rest.map((k) => [k, v.axes[k] ?? null])]);
}

const familyAxes = (v: LmVariant): Record<string, JsonValue> =>
  Object.fromEntries(Object.entries(v.axes).filter(([k]) => k !== 'alpha' && !REGULARIZER_KEYS.includes(k)));

const settingsAxes = (v: LmVariant): Record<string, JsonValue> =>
  Object.fromEntries(Object.entries(v.axes).filter(([k]) => REGULARIZER_KEYS.includes(k)));

/** The settings name of a pipeline that varies no regularizer setting. */
export const DEFAULT_SETTINGS = 'default settings';
/** A variant's regularizer settings as the pipeline varies them, e.g. `lExtraRange=full`. */
const settingsLabel = (v: LmVariant): string =>
  Object.keys(settingsAxes(v)).length > 0 ? labelOf(settingsAxes(v)) : DEFAULT_SETTINGS;

export interface SweepPoint {
  task: string;
  /** Panel: the family without its task, e.g. `arch=lstm` or `arch=decoder · pe=rope`. */
  family: string;
  /** Line: the regularizer's settings, e.g. `lExtraRange=half`. */
  line: string;
  alpha: number;
  measure: 'longCe' | 'idCe';
  mean: number;
  lo: number | null;
  hi: number | null;
  n: number;
}

/**
 * One point per (family, settings, α, measure): families with at least two
 * α values. The α = 0 variant of a family starts every one of its lines.
 */
export function sweepPoints(variants: readonly LmVariant[]): SweepPoint[] {
  const out: SweepPoint[] = [];
  for (const members of families(variants)) {
    const zero = members.filter((v) => alphaOf(v) === 0);
    const regularized = members.filter((v) => (alphaOf(v) ?? 0) > 0);
    if (new Set(members.map(alphaOf)).size < 2) continue;
    const lines = [...new Set(regularized.map((v) => settingsLabel(v)))];
    for (const line of lines.length > 0 ? lines : ['α = 0 only']) {
      const own = regularized.filter((v) => settingsLabel(v) === line);
      for (const v of [...zero, ...own]) out.push(...pointsOf(v, line));
    }
  }
  return out;
}

function pointsOf(v: LmVariant, line: string): SweepPoint[] {
  const base = { task: v.task, family: labelOf(familyAxes(v)), line, alpha: alphaOf(v) ?? 0 };
  return (['longCe', 'idCe'] as const).flatMap((measure) => {
    const s = v[measure];
    return s ? [{ ...base, measure, mean: s.mean, lo: s.ci?.[0] ?? null, hi: s.ci?.[1] ?? null, n: s.n }] : [];
  });
}

function families(variants: readonly LmVariant[]): LmVariant[][] {
  const map = new Map<string, LmVariant[]>();
  for (const v of variants) map.set(familyKey(v), [...(map.get(familyKey(v)) ?? []), v]);
  return [...map.values()];
}
