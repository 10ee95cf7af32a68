/**
 * Does the misalignment regularizer help long-context CE, and what does it
 * cost in distribution? For every (task, arch, pe, other non-regularizer
 * axes) and every α > 0 setting (α, divergence, lExtraRange) in the rows:
 * mean longCe and idCe over its seeds minus the same over the α = 0 seeds
 * of the same (task, arch, pe, ...), with a Welch interval and p-value.
 * divergence and lExtraRange do nothing at α = 0, so baseline rows are
 * matched without them and counted once per seed.
 */
import type { JsonValue } from '../../../src/stage-api.js';
import type { LmRow } from './row.js';
import { seedDifference, type SeedDifference } from './seed-difference.js';

/** Axes that distinguish regularized runs from each other but not from the baseline. */
const REGULARIZER_AXES = new Set(['alpha', 'divergence', 'lExtraRange', 'seed']);

export interface RegularizerEffect {
  task: string | null;
  arch: string | null;
  pe: string | null;
  /** The other axes shared by both sides (e.g. layers), canonical text; '' when none. */
  context: string;
  alpha: number;
  divergence: string | null;
  lExtraRange: string | null;
  /** mean(α) - mean(α = 0): negative longCe means the regularizer helps. */
  longCe: SeedDifference;
  idCe: SeedDifference;
}

export function regularizerEffects(rows: readonly LmRow[], level = 0.95): RegularizerEffect[] {
  const baselines = new Map<string, LmRow[]>();
  const treated = new Map<string, LmRow[]>();
  for (const r of rows) {
    if (r.alpha === null) continue;
    const base = baseKey(r);
    if (r.alpha === 0) push(baselines, base, r);
    else push(treated, JSON.stringify([base, r.alpha, r.divergence, r.lExtraRange]), r);
  }
  const out: RegularizerEffect[] = [];
  for (const group of treated.values()) {
    const first = group[0] as LmRow;
    const baseline = baselines.get(baseKey(first)) ?? [];
    // One value per seed among the rows that have it.
    const values = (rs: readonly LmRow[], key: 'longCe' | 'idCe'): number[] =>
      onePerSeed(rs.filter((r) => r[key] !== null)).map((r) => r[key] as number);
    out.push({
      task: first.task,
      arch: first.arch,
      pe: first.pe,
      context: context(first),
      alpha: first.alpha as number,
      divergence: first.divergence,
      lExtraRange: first.lExtraRange,
      longCe: seedDifference(values(group, 'longCe'), values(baseline, 'longCe'), level),
      idCe: seedDifference(values(group, 'idCe'), values(baseline, 'idCe'), level),
    });
  }
  return out.sort((a, b) => order(a).localeCompare(order(b)));
}

function baseKey(r: LmRow): string {
  return JSON.stringify([r.task, r.arch, r.pe, context(r)]);
}

function context(r: LmRow): string {
  return Object.keys(r.axes)
    .filter((k) => !REGULARIZER_AXES.has(k) && !['task', 'arch', 'pe'].includes(k))
    .sort()
    .map((k) => `${k}=${text(r.axes[k])}`)
    .join(',');
}

function text(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The first row of each seed (rows arrive sorted by model id), so a baseline seed counts once. */
function onePerSeed(rows: readonly LmRow[]): LmRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const s = String(r.seed);
    if (seen.has(s)) return false;
    seen.add(s);
    return true;
  });
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const g = m.get(k);
  if (g) g.push(v);
  else m.set(k, [v]);
}

function order(e: RegularizerEffect): string {
  return JSON.stringify([e.task, e.arch, e.pe, e.context, e.divergence, e.lExtraRange, e.alpha.toFixed(6)]);
}
