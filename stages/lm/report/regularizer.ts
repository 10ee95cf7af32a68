/**
 * The regularizer's effect as lm-correlate computed it (correlation.json
 * `regularizer`): per model family and α > 0 setting, mean long-context and
 * in-distribution CE minus the same at α = 0, with a Welch interval and p
 * over seeds. Read, not recomputed, so the report and correlation.json
 * cannot disagree.
 */
import type { JsonValue } from '../../../src/stage-api.js';
import { at, num, str } from '../../analysis/artifacts.js';

export interface Difference {
  /** regularized − baseline; negative: the regularizer lowered it. */
  delta: number | null;
  ci: [number, number] | null;
  p: number | null;
}

export interface RegularizerEffect {
  task: string;
  /** e.g. `arch=decoder · pe=rope`, plus any other shared axes. */
  family: string;
  /** The regularizer's settings that vary among the effects, e.g. `lExtraRange=full`; '' when none does. */
  settings: string;
  alpha: number;
  longCe: Difference;
  idCe: Difference;
  baseline: number | null;
  regularized: number | null;
  nSeeds: number | null;
  nBaselineSeeds: number | null;
}

const SETTINGS = ['lExtraRange', 'divergence', 'overlap'];

/** Parses the `regularizer` list; entries without a task or α are skipped. */
export function parseRegularizer(list: JsonValue | undefined, fallbackTask: string): RegularizerEffect[] {
  if (!Array.isArray(list)) return [];
  const varying = SETTINGS.filter((k) => new Set(list.map((e) => JSON.stringify(at(e, k) ?? null))).size > 1);
  return list.flatMap((e) => {
    const alpha = num(at(e, 'alpha'));
    if (alpha === null) return [];
    const context = str(at(e, 'context')) ?? '';
    const family = [
      `arch=${str(at(e, 'arch')) ?? '–'}`,
      ...(str(at(e, 'pe')) ? [`pe=${str(at(e, 'pe'))}`] : []),
      ...(context ? context.split(',') : []),
    ].join(' · ');
    return [
      {
        task: str(at(e, 'task')) ?? fallbackTask,
        family,
        settings: varying.map((k) => `${k}=${str(at(e, k)) ?? '–'}`).join(' · '),
        alpha,
        longCe: differenceOf(at(e, 'longCe')),
        idCe: differenceOf(at(e, 'idCe')),
        baseline: num(at(e, 'longCe', 'meanB')),
        regularized: num(at(e, 'longCe', 'meanA')),
        nSeeds: num(at(e, 'longCe', 'nA')),
        nBaselineSeeds: num(at(e, 'longCe', 'nB')),
      },
    ];
  });
}

function differenceOf(d: JsonValue | undefined): Difference {
  const ci = at(d, 'ci');
  const pair =
    Array.isArray(ci) && ci.length === 2 && ci.every((c) => typeof c === 'number') ? (ci as [number, number]) : null;
  return { delta: num(at(d, 'difference')), ci: pair, p: num(at(d, 'p')) };
}
