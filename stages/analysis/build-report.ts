/**
 * Assembles the report from variants (evaluate cells), rows and the
 * correlation: findings first, then the figures that show them, then the
 * tables they rest on, then how every number was computed.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { StoredCorrelation, PredictorCorrelation } from './correlate-rows.js';
import { configurationTable, type ConfigEntry } from './configuration.js';
import type { Block, Figure, ReportDocument, Section, Table } from './document.js';
import { computeFindings, type Finding } from './findings.js';
import { fmt } from './format.js';
import { lossSpec } from './loss-plot.js';
import { paperTable } from './paper.js';
import { correlationJson, predictorTable, statCell, withinVariantBlocks } from './report/correlation-tables.js';
import { modelsTable } from './report/models-table.js';
import { lossLabel, misalignmentLabel } from './report/predictor-labels.js';
import { axisText, curvesSpec, isLogScale, oodDotSpec, scatterEncodings, scatterSpec, varyingKeys } from './plots.js';
import { renderSvg } from './render.js';
import type { ModelRow } from './rows.js';
import { fmtInterval, fmtMeanSd } from './summary.js';
import { lossCurves, runtimeFactsOf, type TrainRecord } from './training.js';
import { meanOf, sortVariants, type Variant } from './variants.js';

export interface ReportInputs {
  variants: Variant[];
  rows: ModelRow[];
  correlation: StoredCorrelation | null;
  /** Train cells (loss curves, backend); empty when the report has no `trains` input. */
  trains?: TrainRecord[];
  /** Every upstream stage's params as its cells ran them. */
  configuration?: ConfigEntry[];
}

export interface BuiltReport {
  doc: ReportDocument;
  /** Vega-Lite and vega warnings while rendering, prefixed with the figure's file. */
  warnings: string[];
  specs: { file: string; spec: TopLevelSpec }[];
  findings: Finding[];
  json: Record<string, unknown>;
}

const TASK_ORDER = ['mean', 'length'];

export async function buildReport(input: ReportInputs): Promise<BuiltReport> {
  const findings = computeFindings(input);
  const specs = figureSpecs(input);
  const figures = new Map<string, Figure>();
  const warnings: string[] = [];
  for (const s of specs) {
    const svg = await renderSvg(s.spec, (m) => warnings.push(`${s.file}: ${m}`));
    figures.set(s.file, { file: s.file, caption: s.caption, svg });
  }
  const pick = (prefix: string): Figure[] => [...figures.values()].filter((f) => f.file.startsWith(prefix));
  const paper = paperTable(input.variants, input.correlation);
  const sections: Section[] = [
    { title: 'Findings', blocks: findingsBlocks(findings) },
    ...(paper ? [paperSection(paper)] : []),
    ...(input.variants.length > 0 ? [lengthSection(input.variants, [...pick('curves-'), ...pick('ood-')])] : []),
    ...(pick('loss-').length > 0
      ? [{ title: 'Training', blocks: [{ kind: 'figures', figures: pick('loss-') } satisfies Block] }]
      : []),
    ...(input.rows.length > 0 ? [predictorSection(input, pick('scatter-'))] : []),
    ...(input.rows.length > 0
      ? [
          modelsSection(
            input.rows,
            sortVariants(input.variants).map((v) => v.variant),
          ),
        ]
      : []),
    ...((input.configuration ?? []).length > 0 ? [configurationSection(input.configuration ?? [])] : []),
    provenanceSection(input.trains ?? []),
    methodSection(input),
  ];
  const doc: ReportDocument = { title: 'Long-short alignment: synthetic study', subtitle: subtitle(input), sections };
  return {
    doc,
    warnings,
    specs: specs.map(({ file, spec }) => ({ file, spec })),
    findings,
    json: {
      ...reportJson(
        input,
        findings,
        specs.map((s) => `plots/${s.file}`),
      ),
      paper: paper?.rows ?? [],
      configuration: input.configuration ?? [],
      runtime: runtimeFactsOf(input.trains ?? []),
    },
  };
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function subtitle(input: ReportInputs): string {
  const tasks = [...new Set([...input.variants.map((v) => v.task), ...input.rows.map((r) => r.task)].filter(Boolean))];
  const models = Math.max(
    input.rows.length,
    input.variants.reduce((n, v) => n + v.seeds, 0),
  );
  const variants = new Set([...input.variants.map((v) => v.variant), ...input.rows.map((r) => r.variant)]).size;
  return `${models} trained models in ${variants} variants · tasks: ${tasks.join(', ') || '–'}`;
}

interface SpecEntry {
  file: string;
  caption: string;
  spec: TopLevelSpec;
}

function figureSpecs(input: ReportInputs): SpecEntry[] {
  const out: SpecEntry[] = [];
  const tasks = [...new Set(input.variants.map((v) => v.task ?? 'unknown'))].sort(byTaskOrder);
  for (const task of tasks) {
    const vs = input.variants.filter((v) => (v.task ?? 'unknown') === task && v.curve.length > 0);
    if (vs.length === 0) continue;
    out.push({ file: `curves-${slug(task)}.svg`, caption: curvesCaption(task, vs), spec: curvesSpec(task, vs) });
  }
  if (input.variants.some((v) => v.oodMse !== null)) {
    out.push({
      file: 'ood-by-variant.svg',
      caption: `Mean MSE over the test lengths beyond training, per variant: each seed a dot, their arithmetic mean a diamond, the constant predictor a red bar (left of it is better). Variants in design order: f from least to most compressive. ${seedsNote(input.variants)}`,
      spec: oodDotSpec(input.variants),
    });
  }
  out.push(...lossFigures(input.trains ?? []));
  const c = input.correlation;
  if (input.rows.length >= 2) {
    const misName = misalignmentLabel(c?.misalignmentMeasure ?? 'excess');
    const enc = scatterEncodings(input.rows);
    const encoded = `Colour: ${enc.color}${enc.shape.length > 0 ? `; shape: ${enc.shape.join(' · ')}` : ''}${enc.fill ? `; filled or hollow: ${enc.fill}` : ''}.`;
    const fit = (values: (number | null)[], what: string): string =>
      `Dashed: least-squares line fitted in the plotted space (log10 OOD MSE on ${isLogScale(values.filter((v): v is number => v !== null)) ? `log10 ${what}` : what}), so it is straight on these axes.`;
    const stat = (what: string): string =>
      `The subtitle's r is the correlate stage's Pearson r of the ${what} with log10 OOD MSE over all models, with its 95% interval resampling variants.`;
    out.push({
      file: 'scatter-misalignment.svg',
      caption: `Excess misalignment (the misalignment of the model's residual g − f(l), the part its target does not explain, scaled by Var f(l)) against OOD MSE, one point per trained model (every seed). ${encoded} ${fit(
        input.rows.map((r) => r.misalignment),
        'excess misalignment',
      )} ${stat(misName)}`,
      spec: scatterSpec(input.rows, {
        predictor: 'misalignment',
        title: 'Excess misalignment vs OOD error',
        xTitle: 'excess misalignment (scaled by Var f(l))',
        stat: c?.misalignment.pearson ?? null,
      }),
    });
    out.push({
      file: 'scatter-trainloss.svg',
      caption: `Final training loss (MSE over the last 5% of steps, divided by the variance of the training targets in f-space, so targets with different f are comparable) against OOD MSE, one point per model: the predictor the paper compares misalignment with. ${encoded} ${fit(
        input.rows.map((r) => r.finalLossNorm),
        'normalized training loss',
      )} ${stat(lossLabel(c?.trainLossMeasure ?? 'normLog10'))}`,
      spec: scatterSpec(input.rows, {
        predictor: 'trainLoss',
        title: 'Training loss vs OOD error',
        xTitle: 'final training loss (normalized)',
        stat: c?.trainLoss.pearson ?? null,
      }),
    });
  }
  return out;
}

function seedsNote(variants: readonly Variant[]): string {
  const seeds = [...new Set(variants.map((v) => v.seeds))].sort((a, b) => a - b);
  return `Seeds per variant: ${seeds.join(' or ')}.`;
}

/** What each task's curve figure shows; the two tasks differ in what their target does with length. */
function curvesCaption(task: string, variants: readonly Variant[]): string {
  const trainMax = Math.max(...variants.map((v) => v.trainLengthMax ?? 0));
  const shaded = trainMax > 0 ? `Shaded: the training lengths (1..${trainMax}).` : '';
  const band = `Line: geometric mean over seeds; band: t-based 95% interval of the mean of log10 MSE (none with one seed). ${seedsNote(variants)}`;
  if (task === 'mean') {
    return `Mean task: MSE of the predicted mean against test length. The target stays in [0, 1] at every length, so a model that averages its input can generalize far beyond training. ${shaded} ${band} Dotted: the constant predictor 0.5, whose MSE is 0.25/L.`;
  }
  if (task === 'length') {
    return `Length task: MSE of the predicted length against test length, in the original length space (a model trained on f(l) is mapped back through f⁻¹). The target grows with length, so beyond training the model must extrapolate; colours order f from least to most compressive. ${shaded} ${band} Dotted: the constant predictor that outputs the mean training length.`;
  }
  return `${task} task: MSE against test length. ${shaded} ${band} Dotted: the constant predictor that outputs the mean training target.`;
}

function lossFigures(trains: readonly TrainRecord[]): SpecEntry[] {
  const curves = sortVariants(lossCurves(trains)).map((c) => ({
    ...c,
    task: typeof c.axes.task === 'string' ? c.axes.task : null,
  }));
  const tasks = [...new Set(curves.map((c) => c.task ?? 'unknown'))].sort(byTaskOrder);
  return tasks.flatMap((task) => {
    const cs = curves.filter((c) => (c.task ?? 'unknown') === task && c.points.length > 0);
    if (cs.length === 0) return [];
    const seeds = [...new Set(cs.map((c) => c.seeds))].sort((a, b) => a - b).join(' or ');
    return [
      {
        file: `loss-${slug(task)}.svg`,
        caption: `${capital(task)} task: training loss against step, per variant: the f-space MSE the optimizer minimized (so variants with different f are on different scales), as stored in each train cell's train.json. Line: geometric mean over seeds; band: t-based 95% interval of the mean of log10 loss. Seeds per variant: ${seeds}.`,
        spec: lossSpec(task, cs),
      },
    ];
  });
}

const byTaskOrder = (a: string, b: string): number => rank(a) - rank(b) || a.localeCompare(b);
const rank = (t: string): number => (TASK_ORDER.includes(t) ? TASK_ORDER.indexOf(t) : TASK_ORDER.length);
const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function findingsBlocks(findings: Finding[]): Block[] {
  if (findings.length === 0)
    return [{ kind: 'text', text: 'No finding applies: the run lacks the variants the findings compare.' }];
  const yes = findings.filter((f) => f.holds).length;
  const open = findings.filter((f) => f.undecided).length;
  return [
    {
      kind: 'text',
      text: `${yes} of ${findings.length} statements hold${open > 0 ? `; ${open} cannot be decided from these seeds` : ''}. Each is computed from this run's numbers; statements whose variants are missing are left out.`,
    },
    { kind: 'findings', findings },
  ];
}

function lengthSection(variants: Variant[], figures: Figure[]): Section {
  // Name each variant by the axes that vary within its task: "f=√x", not "f=√x · arch=decoder · pe=none".
  const labelOf = (v: Variant): string => {
    const keys = varyingKeys(
      variants.filter((o) => o.task === v.task),
      ['task', 'seed'],
    );
    return keys.map((k) => `${k}=${axisText(v, k)}`).join(' · ') || v.label;
  };
  const table: Table = {
    name: 'variants',
    columns: [
      'task',
      'variant',
      'n',
      'ID MSE (mean ± sd)',
      'OOD MSE (mean ± sd)',
      'OOD MSE geometric mean [95% CI]',
      'constant baseline (OOD)',
      'OOD / baseline',
      'horizon',
    ],
    numeric: [false, false, true, true, true, true, true, true, true],
    rows: variants.map((v) => [
      v.task ?? '–',
      labelOf(v),
      String(v.oodSummary?.n ?? v.seeds),
      fmtMeanSd(v.idSummary),
      fmtMeanSd(v.oodSummary),
      v.oodLogSummary ? `${fmt(v.oodLogSummary.mean)} ${fmtInterval(v.oodLogSummary)}`.replace(/ –$/, '') : '–',
      fmt(v.baselineOod),
      v.oodMse !== null && v.baselineOod ? fmt(v.oodMse / v.baselineOod) : '–',
      fmt(v.horizon),
    ]),
  };
  const fixed = fixedAxes(variants);
  return {
    title: 'Length generalization',
    blocks: [
      { kind: 'figures', figures },
      {
        kind: 'table',
        table,
        caption: `Per variant over its n seeds: arithmetic mean ± sample standard deviation, and the geometric mean with its t-based 95% confidence interval (t with n − 1 degrees of freedom on log10 MSE, so the interval stays positive; none with one seed). ID: training lengths; OOD: longer test lengths. Horizon: as reported by the evaluate stage, averaged over seeds.${fixed ? ` Every variant has ${fixed}.` : ''}`,
        collapsed: variants.length > 24,
      },
    ],
  };
}

/** Axes with one value across all variants, e.g. `arch=decoder`, said once instead of on every row. */
function fixedAxes(variants: readonly Variant[]): string {
  const first = variants[0];
  if (!first) return '';
  const keys = Object.keys(first.axes).filter(
    (k) => k !== 'seed' && k !== 'task' && new Set(variants.map((v) => JSON.stringify(v.axes[k] ?? null))).size === 1,
  );
  return keys.map((k) => `${k}=${axisText(first, k)}`).join(', ');
}

function paperSection(table: Table): Section {
  return {
    title: 'Paper vs ours',
    blocks: [
      {
        kind: 'table',
        table,
        caption:
          'The "paper" column holds the paper\'s numbers (or its review thread\'s), each with its source; "ours" is this run. Only quantities the paper gives a number for are listed, plus the within-variant test ("–": the paper has no such number); its qualitative claims are checked in the findings.',
      },
    ],
  };
}

function configurationSection(entries: readonly ConfigEntry[]): Section {
  const axes = entries.filter((e) => e.axis);
  const varied = [
    ...new Set(axes.filter((e) => e.values.length > 1).map((e) => `${e.param} (${e.values.join(', ')})`)),
  ];
  return {
    title: 'Configuration',
    blocks: [
      { kind: 'text', text: `The matrix varies ${varied.length > 0 ? varied.join('; ') : 'nothing'}.` },
      {
        kind: 'table',
        table: configurationTable(entries),
        caption:
          'Every param of every upstream stage, as its cells ran (pipeline vars appear as the values they resolved to). "(default)" marks cells that did not set the param, which then takes the stage\'s default.',
      },
    ],
  };
}

function provenanceSection(trains: readonly TrainRecord[]): Section {
  const facts = runtimeFactsOf(trains);
  const items =
    trains.length === 0
      ? ['The report has no train cells among its inputs, so it names no TF.js backend or version.']
      : [
          `**TF.js backend**: ${facts.backends.join(', ') || '–'}; **TF.js version**: ${facts.tfjs.join(', ') || '–'} (from the train.json of all ${facts.models} train cells).`,
        ];
  return {
    title: 'Provenance',
    blocks: [
      { kind: 'list', items },
      {
        kind: 'text',
        text: "The backend and TF.js version are runtime facts in every train cell's fingerprint, so this report cell may state them. The git commit, whether the working tree was clean, the Node version and the machine are in no fingerprint: a cached report must equal a fresh one, so this cell does not write them. `ablate export` records them in `provenance.json` beside the exported artifacts.",
      },
    ],
  };
}

function predictorSection(input: ReportInputs, figures: Figure[]): Section {
  const blocks: Block[] = [{ kind: 'figures', figures }];
  const c = input.correlation;
  if (c) {
    blocks.push(predictorTable(c), ...withinVariantBlocks(c));
    if (c.groups.length > 0) {
      blocks.push({
        kind: 'table',
        caption:
          "The headline pair within groups (Pearson r over the group's models, intervals resampling variants; Spearman and Kendall are in correlation.json).",
        table: {
          name: 'correlation-groups',
          columns: ['group', 'n', 'excess misalignment', 'training loss', '|r| misalignment > |r| loss'],
          numeric: [false, true, true, true, false],
          rows: c.groups.map((g) => [
            `${g.by}=${g.value}`,
            String(g.n),
            statCell(g.misalignment.pearson),
            statCell(g.trainLoss.pearson),
            beats(g.misalignment, g.trainLoss),
          ]),
        },
      });
    }
    if (c.excluded.length > 0) {
      blocks.push({ kind: 'list', items: c.excluded.map((e) => `left out \`${e.model}\`: ${e.reason}`) });
    }
  }
  return { title: 'Misalignment as a predictor of OOD error', blocks };
}

function beats(m: PredictorCorrelation, l: PredictorCorrelation): string {
  const a = m.pearson.value;
  const b = l.pearson.value;
  return a === null || b === null ? '–' : Math.abs(a) > Math.abs(b) ? 'yes' : 'no';
}

function modelsSection(rows: ModelRow[], order: readonly string[]): Section {
  const meanMis = meanOf(rows.map((r) => r.misalignment));
  const failures = rows.filter((r) => r.idFailure === true).length;
  const clamped = rows.filter((r) => (r.clamped ?? 0) > 0).length;
  const flags = [
    failures > 0 ? `${failures} model${failures === 1 ? '' : 's'} failed in distribution (⚠ ID failure)` : '',
    clamped > 0
      ? `${clamped} model${clamped === 1 ? '' : 's'} had outputs clamped into the range of f before inverting (count in the last column)`
      : '',
  ].filter(Boolean);
  return {
    title: 'Models',
    blocks: [
      {
        kind: 'text',
        text: `${rows.length} models; mean excess misalignment (scaled by Var f(l)) ${fmt(meanMis)}. ± is one standard error of the Monte Carlo estimate.${flags.length > 0 ? ` ${flags.join('; ')}.` : ''}`,
      },
      {
        kind: 'table',
        table: modelsTable(rows, order),
        caption: `All ${rows.length} models. Excess: the misalignment of the residual g − f(l), E[((g(a) − g(b)) − (f(a) − f(b)))²], the part the target does not explain; measured: of g; target: of f(l) itself; all three divided by Var f(l) over the training lengths; output-normalized divides the measured misalignment by the model's own output variance (the earlier form). Training loss: final MSE / Var f(target).`,
        collapsed: rows.length > 12,
      },
    ],
  };
}

function methodSection(input: ReportInputs): Section {
  const c = input.correlation;
  return {
    title: 'How the numbers were computed',
    blocks: [
      {
        kind: 'list',
        items: [
          "**Misalignment** (regression form): E[(g(x[-l1:]) − g(x[-l2:]))²] for a random 0/1 input x and l1, l2 uniform in [l_train/2, l_train], with g the model output in its own (f-) space. The target f(l) is itself misaligned (two suffixes of different length have different targets), so the **excess** misalignment is that of the residual g − f(l), E[((g(a) − g(b)) − (f(a) − f(b)))²], which is zero for an exact predictor of the target; measured, target and excess are all **scaled by Var f(l)** over the training lengths, a fixed scale per (task, f), which makes targets with different f comparable. The earlier **output-normalized** form divides by the model's own output variance instead.",
          "**OOD MSE**: the evaluate stage's out-of-distribution mean squared error, in the original target space; the **constant baseline** is the MSE of the predictor that always outputs the mean training target, averaged over the same lengths beyond training.",
          `**Correlations** are against log10 OOD MSE: Pearson and Spearman from simple-statistics, Kendall τ-b as the Pearson correlation of pairwise signs (Daniels 1944). Seeds of one variant are not independent, so over models the percentile bootstrap resamples whole variants and the two-sided permutation test permutes outcomes between variants; over variant means both are ordinary${c ? ` (${c.uncertainty.bootstrap} resamples, ${c.uncertainty.permutations} permutations, seed ${c.uncertainty.seed})` : ''}. The **within-variant** test correlates deviations from each variant's means.`,
          '**Findings** that compare two variants test their seeds (Welch t-test, two-sided, α = 0.05, on log10 where all values are positive) and say "too few seeds to tell" when the test finds no difference; a finding is listed only when every variant it names is in the run.',
          "**Spread over seeds**: tables give n, the arithmetic mean ± the sample standard deviation, and a 95% confidence interval for the mean from Student's t with n − 1 degrees of freedom (quantile from jstat), which is wide at 2-3 seeds, as it should be. Curves on log axes show the geometric mean and the same t interval computed on log10 values.",
        ],
      },
    ],
  };
}

function reportJson(input: ReportInputs, findings: Finding[], plots: string[]): Record<string, unknown> {
  const c = input.correlation;
  return {
    title: 'Long-short alignment: synthetic study',
    correlation: c ? correlationJson(c) : null,
    findings,
    variants: input.variants.map(({ oodBySeed: _, ...v }) => v),
    rows: input.rows,
    plots,
  };
}
