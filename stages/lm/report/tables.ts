/**
 * The report's tables, each a Table of the synthetic report's document
 * model so Markdown, HTML, CSV and LaTeX say the same thing.
 */
import type { Table } from '../../analysis/document.js';
import { fmt, fmtCi, fmtP } from '../../analysis/format.js';
import { fmtMeanSd } from '../../analysis/summary.js';
import { METHODS, type CorrelationGroup, type LmStat } from './correlation.js';
import type { RegularizerEffect } from './regularizer.js';
import type { LmVariant } from './variants.js';

/** Predictors in the order the table lists them, with their names. */
export const PREDICTORS: [string, string][] = [
  ['misalignment', 'misalignment (SCE)'],
  ['symkl', 'misalignment (symmetric KL)'],
  ['misalignmentSymkl', 'misalignment (symmetric KL)'],
  ['trainLoss', 'training loss'],
];

export const statText = (s: LmStat | undefined): string =>
  !s || s.value === null ? '–' : `${fmt(s.value)} ${fmtCi(s.ci)}, p ${fmtP(s.p)}`;

export function correlationTable(groups: readonly CorrelationGroup[]): Table {
  const rows = groups.flatMap((g) =>
    PREDICTORS.filter(([key]) => g.predictors[key]).map(([key, name]) => {
      const stats = g.predictors[key];
      const first = stats?.pearson;
      return [
        g.task,
        name,
        ...METHODS.map((m) => statText(stats?.[m])),
        String(first?.n ?? g.n ?? '–'),
        String(first?.nVariants ?? g.nVariants ?? '–'),
      ];
    }),
  );
  return {
    name: 'correlation',
    columns: ['task', 'predictor', 'Pearson r', 'Spearman ρ', 'Kendall τ-b', 'n models', 'n variants'],
    numeric: [false, false, true, true, true, true, true],
    rows,
  };
}

export function regularizerTable(effects: readonly RegularizerEffect[]): Table {
  const diff = (d: RegularizerEffect['longCe']): string => `${fmt(d.delta)} ${fmtCi(d.ci)}`;
  return {
    name: 'regularizer',
    columns: [
      'task',
      'model',
      'setting',
      'α',
      'long CE at α = 0',
      'long CE at α',
      'Δ long CE [95% CI]',
      'p',
      'Δ ID CE [95% CI]',
      'p (ID)',
      'n seeds (α / α = 0)',
    ],
    numeric: [false, false, false, true, true, true, true, true, true, true, true],
    rows: effects.map((e) => [
      e.task,
      e.family,
      e.settings || '–',
      fmt(e.alpha),
      fmt(e.baseline),
      fmt(e.regularized),
      diff(e.longCe),
      fmtP(e.longCe.p),
      diff(e.idCe),
      fmtP(e.idCe.p),
      `${e.nSeeds ?? '–'} / ${e.nBaselineSeeds ?? '–'}`,
    ]),
  };
}

export function variantsTable(variants: readonly LmVariant[]): Table {
  return {
    name: 'variants',
    columns: [
      'task',
      'variant',
      'seeds',
      'train loss',
      'in-distribution CE',
      'long-context CE',
      'long CE − entropy rate',
      'misalignment (SCE)',
      'misalignment (symKL)',
    ],
    numeric: [false, false, true, true, true, true, true, true, true],
    rows: variants.map((v) => [
      v.task,
      v.label,
      String(v.seeds),
      fmtMeanSd(v.trainLoss),
      fmtMeanSd(v.idCe),
      fmtMeanSd(v.longCe),
      v.entropyRate !== null && v.longCe ? fmt(v.longCe.mean - v.entropyRate) : '–',
      fmtMeanSd(v.sce),
      fmtMeanSd(v.symkl),
    ]),
  };
}

export interface PaperRow {
  quantity: string;
  paper: string;
  ours: string;
  task: string;
}

/** Table 1's |r| and the α recommendation beside this run's numbers, per task. */
export function paperRows(groups: readonly CorrelationGroup[], effects: readonly RegularizerEffect[]): PaperRow[] {
  const abs = (s: LmStat | undefined): string =>
    !s || s.value === null
      ? '–'
      : `${fmt(Math.abs(s.value))} (r ${fmt(s.value)}; n ${s.n ?? '–'} models, ${s.nVariants ?? '–'} variants)`;
  const rows: PaperRow[] = groups.flatMap((g) => [
    {
      task: g.task,
      quantity: '|Pearson r|, misalignment vs long-context performance',
      paper: '0.85 (Table 1)',
      ours: abs(g.predictors.misalignment?.pearson),
    },
    {
      task: g.task,
      quantity: '|Pearson r|, training loss vs long-context performance',
      paper: '0.62 (Table 1)',
      ours: abs(g.predictors.trainLoss?.pearson),
    },
    {
      task: g.task,
      quantity: 'misalignment predicts better than training loss (larger |r|, positive r with CE)',
      paper: 'yes',
      ours: larger(g.predictors.misalignment?.pearson, g.predictors.trainLoss?.pearson),
    },
  ]);
  for (const task of [...new Set(effects.map((e) => e.task))])
    rows.push({
      task,
      quantity: 'α that lowers long-context CE',
      paper: '0.1–0.3 recommended',
      ours: bestAlphas(effects.filter((e) => e.task === task)),
    });
  return rows;
}

/** Which |r| is larger; the intervals say whether the difference is more than noise, so they are quoted. */
function larger(m: LmStat | undefined, l: LmStat | undefined): string {
  if (!m || !l || m.value === null || l.value === null) return '–';
  // The paper's claim has a direction: more misalignment, worse long-context performance (higher CE).
  const word =
    Math.abs(m.value) <= Math.abs(l.value)
      ? 'no'
      : m.value > 0
        ? 'yes'
        : 'no: larger |r|, but more misalignment goes with lower long-context CE';
  return `${word} (misalignment ${fmt(m.value)} ${fmtCi(m.ci)}, training loss ${fmt(l.value)} ${fmtCi(l.ci)})`;
}

/** Per model family, the α with the largest drop in long CE, and whether its interval excludes 0. */
function bestAlphas(effects: readonly RegularizerEffect[]): string {
  const name = (e: RegularizerEffect): string => `${e.family}${e.settings ? ` (${e.settings})` : ''}`;
  const families = [...new Set(effects.map(name))];
  return families
    .map((f) => {
      const best = effects
        .filter((e) => name(e) === f && e.longCe.delta !== null)
        .sort((a, b) => (a.longCe.delta ?? 0) - (b.longCe.delta ?? 0))[0];
      if (!best) return '';
      const d = best.longCe;
      const sure = d.ci !== null && d.ci[1] < 0 ? 'interval below 0' : 'interval reaches 0';
      return `${f}: ${(d.delta ?? 0) < 0 ? `α ${fmt(best.alpha)}, Δ ${fmt(d.delta)} (${sure})` : 'no α lowers it'}`;
    })
    .filter(Boolean)
    .join('; ');
}

export function paperTable(rows: readonly PaperRow[]): Table {
  return {
    name: 'paper',
    columns: ['task', 'quantity', 'paper', 'ours'],
    numeric: [false, false, false, false],
    rows: rows.map((r) => [r.task, r.quantity, r.paper, r.ours]),
  };
}
