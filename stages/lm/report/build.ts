/**
 * Assembles the language-model report: what each figure shows, the tables
 * it rests on, the paper beside this run, and report.json.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Block, Figure, ReportDocument, Section } from '../../analysis/document.js';
import { renderSvg } from '../../analysis/render.js';
import { byTask, type LmCorrelation } from './correlation.js';
import { positionSpec, predictorSpec, sweepSpec } from './plots.js';
import { modelPoints } from './points.js';
import type { ModelRecord } from './records.js';
import type { RegularizerEffect } from './regularizer.js';
import { sweepPoints } from './sweep.js';
import { correlationTable, paperRows, paperTable, regularizerTable, variantsTable } from './tables.js';
import { groupVariants, tasksOf, type LmVariant } from './variants.js';
import { methodItems } from './method.js';

export interface LmReportInputs {
  models: ModelRecord[];
  /** The first is the headline (report.json's `correlation`); one per task chain. */
  correlations: LmCorrelation[];
  /** Entropy rates by task from the data cells, for evals that lack one. */
  entropyRates?: Record<string, number>;
  runtime?: { backends: string[]; tfjs: string[] };
}

export interface BuiltLmReport {
  doc: ReportDocument;
  specs: { file: string; caption: string; spec: TopLevelSpec }[];
  figures: Figure[];
  warnings: string[];
  json: Record<string, unknown>;
}

export const TITLE = 'Long-short alignment: language models';

export async function buildLmReport(input: LmReportInputs): Promise<BuiltLmReport> {
  const models = input.models.map((m) => ({
    ...m,
    entropyRate: m.entropyRate ?? input.entropyRates?.[m.task] ?? null,
  }));
  const variants = groupVariants(models);
  const effects = input.correlations.flatMap((c) => c.regularizer);
  const groups = input.correlations.flatMap((c, i) => byTask(c, tasksOf(models)[i] ?? `task ${i + 1}`));
  // Each task again over its α = 0 models, listed after all of them in the tables.
  const unregularized = input.correlations.flatMap((c) => c.unregularized);
  const listed = [...groups, ...unregularized];
  const specs = figureSpecs(variants, models);
  const warnings: string[] = [];
  const figures: Figure[] = [];
  for (const s of specs)
    figures.push({
      file: s.file,
      caption: s.caption,
      svg: await renderSvg(s.spec, (m) => warnings.push(`${s.file}: ${m}`)),
    });
  const pick = (prefix: string): Figure[] => figures.filter((f) => f.file.startsWith(prefix));
  const paper = paperRows(listed, effects);
  const sections: Section[] = [
    {
      title: 'Paper vs ours',
      blocks: [
        {
          kind: 'table',
          table: paperTable(paper),
          caption:
            "The paper's Table 1 correlates misalignment and training loss with long-context performance across language models; ours are this run's Pearson r with long-context cross-entropy within each task, over all models and over the models trained without the regularizer (α = 0), the closer analogue: Table 1's models were not trained on the metric. The paper's claim has a direction: more misalignment, worse long-context performance, so a positive r with cross-entropy. Its α recommendation beside the α with the largest mean drop of long-context CE per model family here.",
        },
      ],
    },
    { title: 'Cross-entropy against position', blocks: [{ kind: 'figures', figures: pick('position-') }] },
    {
      title: 'Misalignment as a predictor of long-context cross-entropy',
      blocks: correlationBlocks(listed, pick('predictors-')),
    },
    { title: 'The misalignment regularizer', blocks: regularizerBlocks(effects, pick('sweep-')) },
    {
      title: 'Variants',
      blocks: [
        {
          kind: 'table',
          table: variantsTable(variants),
          caption: `Per variant over its seeds: mean ± sample standard deviation. ${variants.length} variants, ${models.length} models.`,
          collapsed: variants.length > 16,
        },
      ],
    },
    { title: 'How the numbers were computed', blocks: [{ kind: 'list', items: methodItems(input.runtime) }] },
  ];
  const doc: ReportDocument = {
    title: TITLE,
    subtitle: `${models.length} trained models in ${variants.length} variants · tasks: ${tasksOf(models).join(', ') || '–'}`,
    sections,
  };
  const headline = input.correlations[0];
  return {
    doc,
    specs,
    figures,
    warnings,
    json: {
      title: TITLE,
      correlation: headline
        ? {
            cell: headline.cell,
            target: headline.target,
            n: headline.n,
            nVariants: headline.nVariants,
            ...headline.pooled,
          }
        : null,
      correlationByTask: groups,
      correlationUnregularized: unregularized,
      correlationFiles: input.correlations.map((c) => ({ cell: c.cell, ...c.raw })),
      regularizer: effects,
      sweep: sweepPoints(variants),
      variants: variants.map(({ curve: _, ...v }) => v),
      models: modelPoints(models),
      paper,
      plots: specs.map((s) => `plots/${s.file}`),
      runtime: input.runtime ?? null,
    },
  };
}

function figureSpecs(variants: readonly LmVariant[], models: readonly ModelRecord[]): BuiltLmReport['specs'] {
  const out: BuiltLmReport['specs'] = [];
  for (const task of tasksOf(variants)) {
    const vs = variants.filter((v) => v.task === task);
    const ms = models.filter((m) => m.task === task);
    const seeds = [...new Set(vs.map((v) => v.seeds))].sort().join(' or ');
    const floor = vs.some((v) => v.entropyRate !== null)
      ? " Dotted: the source's entropy rate, the lowest CE any model can reach."
      : '';
    out.push({
      file: `position-${slug(task)}.svg`,
      caption: `${task}: cross-entropy of the next token against the number of tokens seen, per variant (${vs.length} variants, ${seeds} seeds each). Line: mean over seeds; band: t-based 95% interval of that mean (none with one seed). Red: l_train = ${vs[0]?.lTrain}; to its right the models see more context than in training.${floor}`,
      spec: positionSpec(task, vs),
    });
    out.push({
      file: `predictors-${slug(task)}.svg`,
      caption: `${task}: long-context cross-entropy against misalignment (SCE, left) and against the final training loss (right), one point per model (${ms.length} models in ${vs.length} variants; seeds of a variant are separate points). Colour: architecture; shape: α. Both panels share the y axis.`,
      spec: predictorSpec(task, modelPoints(ms)),
    });
    const sweep = sweepPoints(vs);
    if (sweep.length > 0) {
      out.push({
        file: `sweep-${slug(task)}.svg`,
        caption: `${task}: long-context (top) and in-distribution (bottom) cross-entropy against the regularizer weight α, one panel per model family, one line per regularizer setting; the α = 0 variant starts every line of its family. Point: mean over seeds; bar: t-based 95% interval (none with one seed); n seeds per point: ${[...new Set(sweep.map((p) => p.n))].sort().join(' or ')}.`,
        spec: sweepSpec(task, sweep),
      });
    }
  }
  return out;
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function correlationBlocks(groups: ReturnType<typeof byTask>, figures: Figure[]): Block[] {
  return [
    { kind: 'figures', figures },
    {
      kind: 'table',
      table: correlationTable(groups),
      caption:
        'Correlation with long-context cross-entropy within each task, as the lm-correlate stage computed it: coefficient [95% interval], permutation p. Seeds of one variant are not independent models, so n models and n variants are both given; the intervals and p-values account for that as lm-correlate states in correlation.json.',
    },
  ];
}

function regularizerBlocks(effects: readonly RegularizerEffect[], figures: Figure[]): Block[] {
  if (effects.length === 0)
    return [
      { kind: 'text', text: 'No model family was trained both with and without the regularizer.' },
      { kind: 'figures', figures },
    ];
  return [
    { kind: 'figures', figures },
    {
      kind: 'table',
      table: regularizerTable(effects),
      caption: `Long-context and in-distribution cross-entropy of each regularized variant minus that of the same model at α = 0 (negative: lower with the regularizer), mean over seeds with the Welch 95% interval of the difference and the two-sided Welch t test, as lm-correlate computed them. ${effects.length} comparisons; with 3 seeds a side an interval is wide.`,
    },
  ];
}
