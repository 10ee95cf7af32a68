/**
 * "Paper vs ours": the numbers the paper (or its review thread) states, each
 * beside the matching number of this run. Only quantities with a published
 * number appear; qualitative claims are the findings' job. The paper's
 * numbers are typed here once, with where they come from.
 */
import type { StoredCorrelation } from './correlate-rows.js';
import type { Table } from './document.js';
import { fmt } from './format.js';
import { verdictWords } from './findings.js';
import { lossLabel, misalignmentLabel } from './report/predictor-labels.js';
import { variantLabel } from './rows.js';
import { fmtMeanSd, summarize } from './summary.js';
import { targetKind } from './targets.js';
import type { Variant } from './variants.js';
import { valueText } from '../../src/util/value-text.js';

interface PaperNumber {
  quantity: string;
  paper: string;
  source: string;
}

const NOPE_MEAN: PaperNumber = {
  quantity: 'mean task, NoPE: test MSE up to length 50',
  paper: '≈ 1e-5',
  source: "authors' rebuttal (ICML 2025 review), on Fig. 1(a)",
};
const CONSTANT_50: PaperNumber = {
  quantity: 'mean task: MSE of the constant 0.5 predictor at length 50',
  paper: '0.005',
  source: 'ICLR 2025 reviewer (0.25/50)',
};
const R_MISALIGN: PaperNumber = {
  quantity: '|r| of misalignment with length generalization',
  paper: '0.85',
  source: 'Table 1 (LLMs on long-context benchmarks)',
};
const R_LOSS: PaperNumber = {
  quantity: '|r| of training loss with length generalization',
  paper: '0.62',
  source: 'Table 1 (LLMs on long-context benchmarks)',
};

const isNoPE = (pe: unknown): boolean => typeof pe === 'string' && ['nope', 'none'].includes(pe.toLowerCase());
/** The paper's model: a decoder-only Transformer (any variant without an arch axis counts as one). */
const isPaperArch = (v: Variant): boolean =>
  v.axes.arch === undefined || /^(decoder|gpt)$/i.test(valueText(v.axes.arch));

export function paperTable(variants: readonly Variant[], correlation: StoredCorrelation | null): Table | null {
  const rows: string[][] = [];
  const meanNope = variants.filter(
    (v) =>
      v.task === 'mean' &&
      isNoPE(v.axes.pe) &&
      isPaperArch(v) &&
      (v.axes.f === undefined || targetKind(valueText(v.axes.f)) === 'identity'),
  );
  for (const v of meanNope) {
    const where = variantLabel(v.axes, ['task', 'f', 'pe', 'arch']);
    rows.push(
      row(
        NOPE_MEAN,
        `${fmtMeanSd(v.oodSummary)} (n = ${v.oodSummary?.n ?? 0})`,
        `ours: OOD MSE (lengths beyond training)${where === 'all' ? '' : `, ${where}`}`,
      ),
    );
  }
  const at50 = variants
    .filter((v) => v.task === 'mean')
    .flatMap((v) => v.curve.filter((p) => p.length === 50 && p.baseline !== null).map((p) => p.baseline as number));
  if (at50.length > 0)
    rows.push(
      row(
        CONSTANT_50,
        fmt(summarize(at50)?.mean ?? null),
        "ours: the evaluate stage's constant predictor (mean training target) at length 50",
      ),
    );
  if (correlation) rows.push(...correlationRows(correlation));
  if (rows.length === 0) return null;
  return {
    name: 'paper-vs-ours',
    columns: ['quantity', 'paper', "paper's source", 'ours', 'how ours is measured'],
    numeric: [false, true, false, true, false],
    rows,
  };
}

const row = (p: PaperNumber, ours: string, how: string): string[] => [p.quantity, p.paper, p.source, ours, how];
const abs = (v: number | null): string => (v === null ? '–' : fmt(Math.abs(v)));

const WITHIN: PaperNumber = {
  quantity: 'within variants: misalignment vs training loss',
  paper: '–',
  source: 'not in the paper (its models differ in everything at once)',
};

/** |Pearson r| over models and over variant means, each predictor; then the within-variant test. */
function correlationRows(c: StoredCorrelation): string[][] {
  const levels = (model: number | null, variant: number | null | undefined): string =>
    `${abs(model)} (models) · ${abs(variant ?? null)} (variant means)`;
  const how = (name: string): string =>
    `ours: |Pearson r| of ${name} with log10 OOD MSE over ${c.n} models and over the means of ${c.nVariants} variants; a different setting`;
  const out = [
    row(
      R_MISALIGN,
      levels(c.misalignment.pearson.value, c.variantLevel?.misalignment.pearson.value),
      how(misalignmentLabel(c.misalignmentMeasure)),
    ),
    row(
      R_LOSS,
      levels(c.trainLoss.pearson.value, c.variantLevel?.trainLoss.pearson.value),
      how(lossLabel(c.trainLossMeasure)),
    ),
  ];
  const w = c.withinVariant?.pooled;
  if (w && w.nVariants > 0) {
    const d = w.difference.pearson;
    out.push(
      row(
        WITHIN,
        `r ${fmt(w.misalignment.pearson.value)} vs ${fmt(w.trainLoss.pearson.value)}; ${w.verdict.pearson === 'undecided' ? 'undecided' : w.verdict.pearson === 'misalignment' ? 'misalignment' : 'training loss'}`,
        `ours: Pearson r of deviations from each variant's means, ${w.n} models in ${w.nVariants} variants; difference ${fmt(d.value)}${d.ci ? ` [${fmt(d.ci[0])}, ${fmt(d.ci[1])}]` : ''}: ${verdictWords(w.verdict.pearson)}`,
      ),
    );
  }
  return out;
}
