/**
 * The regularizer study: long-context CE against α, and the difference of
 * each α > 0 from α = 0 of the same model family. At α = 0 the regularizer
 * is off, so its own settings (lExtraRange, divergence, overlap) do not
 * change training: the α = 0 variant is the baseline of every regularized
 * variant that shares its other axes, whatever their regularizer settings.
 */
import jstat from 'jstat';
import type { JsonValue } from '../../../src/stage-api.js';
import { summarize, welch } from '../../../src/metrics/stats.js';
import { labelOf, type LmVariant } from './variants.js';

/** Axes that only matter when α > 0. */
export const REGULARIZER_KEYS = ['lExtraRange', 'divergence', 'overlap'];

const alphaOf = (v: LmVariant): number | null => (typeof v.axes.alpha === 'number' ? v.axes.alpha : null);

/** The variant's family: its task and axes other than α and the regularizer's settings. */
export function familyKey(v: LmVariant): string {
  const rest = Object.keys(v.axes).filter((k) => k !== 'alpha' && !REGULARIZER_KEYS.includes(k)).sort();
  return JSON.stringify([v.task, ...rest.map((k) => [k, v.axes[k] ?? null])]);
}

const familyAxes = (v: LmVariant): Record<string, JsonValue> =>
  Object.fromEntries(Object.entries(v.axes).filter(([k]) => k !== 'alpha' && !REGULARIZER_KEYS.includes(k)));

const settingsAxes = (v: LmVariant): Record<string, JsonValue> => Object.fromEntries(Object.entries(v.axes).filter(([k]) => REGULARIZER_KEYS.includes(k)));

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
    const lines = [...new Set(regularized.map((v) => labelOf(settingsAxes(v))))];
    for (const line of lines.length > 0 ? lines : ['α = 0 only']) {
      const own = regularized.filter((v) => labelOf(settingsAxes(v)) === line);
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

export interface RegularizerEffect {
  task: string;
  family: string;
  settings: string;
  alpha: number;
  /** Mean longCe at α minus mean longCe at α = 0 (negative: the regularizer helped). */
  delta: number;
  /** Welch 95% interval of the difference; null below 2 seeds on a side. */
  ci: [number, number] | null;
  /** Two-sided Welch t test p; null below 2 seeds on a side or without spread. */
  p: number | null;
  nSeeds: number;
  nBaselineSeeds: number;
  baseline: number;
  regularized: number;
}

/** Every α > 0 variant against its family's α = 0 variant, on long-context CE. */
export function regularizerEffects(variants: readonly LmVariant[]): RegularizerEffect[] {
  const out: RegularizerEffect[] = [];
  for (const members of families(variants)) {
    const zero = members.find((v) => alphaOf(v) === 0);
    if (!zero) continue;
    for (const v of members) {
      const alpha = alphaOf(v);
      if (alpha === null || alpha <= 0) continue;
      out.push({ task: v.task, family: labelOf(familyAxes(v)), settings: labelOf(settingsAxes(v)), alpha, ...difference(zero.longCeBySeed, v.longCeBySeed) });
    }
  }
  return out.sort((a, b) => a.task.localeCompare(b.task) || a.family.localeCompare(b.family) || a.settings.localeCompare(b.settings) || a.alpha - b.alpha);
}

type Diff = Pick<RegularizerEffect, 'delta' | 'ci' | 'p' | 'nSeeds' | 'nBaselineSeeds' | 'baseline' | 'regularized'>;

/** regularized − baseline, with the Welch interval of src/metrics/stats and its two-sided p. */
export function difference(baseline: readonly number[], regularized: readonly number[]): Diff {
  const a = summarize(baseline);
  const b = summarize(regularized);
  const d = welch(a, b);
  const ci: [number, number] | null = d.low !== undefined && d.high !== undefined ? [d.low, d.high] : null;
  return { delta: d.diff, ci, p: welchP(a, b), nSeeds: b.n, nBaselineSeeds: a.n, baseline: a.mean, regularized: b.mean };
}

function welchP(a: ReturnType<typeof summarize>, b: ReturnType<typeof summarize>): number | null {
  if (a.sd === undefined || b.sd === undefined) return null;
  const va = a.sd ** 2 / a.n;
  const vb = b.sd ** 2 / b.n;
  if (!(va + vb > 0)) return null;
  const t = (b.mean - a.mean) / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  return 2 * (1 - jstat.jStat.studentt.cdf(Math.abs(t), df));
}

