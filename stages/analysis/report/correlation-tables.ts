/**
 * The correlation section's tables: every predictor the correlate stage
 * scored, at the model and the variant level, by all three coefficients;
 * and the within-variant test, per variant and pooled, with its verdict.
 */
import type { StoredCorrelation } from '../correlate-rows.js';
import type { CorrelationStat, Method } from '../correlation.js';
import type { Block, Table } from '../document.js';
import { verdictWords } from '../findings.js';
import { fmt, fmtCi, fmtP } from '../format.js';
import { predictorLabel } from './predictor-labels.js';

const METHODS: Method[] = ['pearson', 'spearman', 'kendall'];
const METHOD_NAMES: Record<Method, string> = { pearson: 'Pearson r', spearman: 'Spearman ρ', kendall: 'Kendall τ-b' };

export function statCell(s: CorrelationStat | undefined): string {
  return !s || s.value === null ? '–' : `${fmt(s.value)} ${fmtCi(s.ci)}, p ${fmtP(s.p)}`;
}

/** Every predictor × {models, variant means} × {Pearson, Spearman, Kendall}. */
export function predictorTable(c: StoredCorrelation): Block {
  const headline = new Set([`misalignment.${c.misalignmentMeasure}`, `trainLoss.${c.trainLossMeasure}`]);
  const rows = (c.predictors ?? []).flatMap((p) => {
    const name = `${predictorLabel(p.key)}${headline.has(p.key) ? ' (headline)' : ''}`;
    return [
      [name, `models (${p.n})`, ...METHODS.map((m) => statCell(p.model[m]))],
      [name, `variant means (${p.nVariants})`, ...METHODS.map((m) => statCell(p.variant[m]))],
    ];
  });
  const u = c.uncertainty;
  const pct = Math.round(u.level * 100);
  return {
    kind: 'table',
    caption:
      `Correlation with log10 OOD MSE over ${c.n} models in ${c.nVariants} variants: coefficient, ${pct}% interval, permutation p. ` +
      `Seeds of one variant share their task, target and architecture, so they are not independent: at the model level the intervals resample whole variants (cluster bootstrap, ${u.bootstrap} resamples) and the p-values permute outcomes between variants (${u.permutations} permutations); ` +
      `at the variant level each variant's mean over its seeds is one point (${c.nVariants} points, ordinary bootstrap and permutation, same counts). Headline: the two predictors the findings compare.`,
    table: {
      name: 'correlation',
      columns: ['predictor', 'level (points)', ...METHODS.map((m) => METHOD_NAMES[m])],
      numeric: [false, false, true, true, true],
      rows,
    },
  };
}

/** Per variant with enough seeds, then pooled over the deviations from each variant's means. */
export function withinVariantBlocks(c: StoredCorrelation): Block[] {
  const w = c.withinVariant;
  if (!w) return [];
  if (w.variants.length === 0) {
    return [
      {
        kind: 'text',
        text: `No variant has ${w.minSeeds} or more seeds, so the within-variant test has nothing to test.`,
      },
    ];
  }
  const label = (v: string): string => v.split(',').join(' · ');
  const larger = (l: string | null): string =>
    l === 'misalignment' ? 'misalignment' : l === 'trainLoss' ? 'training loss' : l === 'tie' ? 'tie' : '–';
  const p = w.pooled;
  const table: Table = {
    name: 'correlation-within',
    columns: ['variant', 'seeds', 'misalignment: Pearson r', 'training loss: Pearson r', 'larger r', 'difference of r'],
    numeric: [false, true, true, true, false, true],
    rows: [
      ...w.variants.map((v) => [
        label(v.variant),
        String(v.n),
        fmt(v.misalignment.pearson),
        fmt(v.trainLoss.pearson),
        larger(v.larger),
        '–',
      ]),
      [
        `pooled: deviations from each variant's means (${p.nVariants} variants)`,
        String(p.n),
        statCell(p.misalignment.pearson),
        statCell(p.trainLoss.pearson),
        p.verdict.pearson === 'undecided' ? 'undecided' : larger(p.verdict.pearson),
        `${fmt(p.difference.pearson.value)} ${fmtCi(p.difference.pearson.ci)}`,
      ],
    ],
  };
  const verdicts = METHODS.map(
    (m) =>
      `**${METHOD_NAMES[m]}**, pooled: misalignment ${statCell(p.misalignment[m])}, training loss ${statCell(p.trainLoss[m])}, difference ${fmt(p.difference[m].value)} ${fmtCi(p.difference[m].ci)}: ${verdictWords(p.verdict[m])}.`,
  );
  return [
    {
      kind: 'table',
      table,
      caption:
        `Within variants: the seeds of one variant differ only in initialization and data order, so a predictor that measures the model, not the variant, must track the error among them. ` +
        `Per variant with at least ${w.minSeeds} seeds: Pearson r over its seeds (no interval: too few points). Pooled: each value minus its variant's mean, all variants together; interval resampling variants, p shuffling outcomes within variants, and a paired interval of the difference r(misalignment) − r(training loss). ` +
        `Misalignment had the larger r in ${w.larger.misalignment} variants, training loss in ${w.larger.trainLoss}.`,
    },
    { kind: 'list', items: verdicts },
  ];
}

/** What report.json carries of the correlation: every number the section shows, and more. */
export function correlationJson(c: StoredCorrelation): Record<string, unknown> {
  return {
    n: c.n,
    nVariants: c.nVariants,
    target: c.target,
    misalignmentMeasure: c.misalignmentMeasure,
    trainLossMeasure: c.trainLossMeasure,
    uncertainty: c.uncertainty,
    misalignment: c.misalignment,
    trainLoss: c.trainLoss,
    variantLevel: c.variantLevel,
    predictors: c.predictors,
    withinVariant: c.withinVariant,
    groups: c.groups,
    excluded: c.excluded,
  };
}
