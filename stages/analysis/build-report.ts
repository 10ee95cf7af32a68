/**
 * Assembles the report from variants (evaluate cells), rows and the
 * correlation: findings first, then the figures that show them, then the
 * tables they rest on, then how every number was computed.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CorrelationResult, PredictorCorrelation } from './correlate-rows.js';
import type { CorrelationStat, Method } from './correlation.js';
import type { Block, Figure, ReportDocument, Section, Table } from './document.js';
import { computeFindings, type Finding } from './findings.js';
import { fmt, fmtCi, fmtP } from './format.js';
import { curvesSpec, oodDotSpec, scatterSpec } from './plots.js';
import { renderSvg } from './render.js';
import type { ModelRow } from './rows.js';
import { variantLabel } from './rows.js';
import { meanOf, type Variant } from './variants.js';

export interface ReportInputs {
  variants: Variant[];
  rows: ModelRow[];
  correlation: CorrelationResult | null;
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
  const sections: Section[] = [
    { title: 'Findings', blocks: findingsBlocks(findings) },
    ...(input.variants.length > 0 ? [lengthSection(input.variants, [...pick('curves-'), ...pick('ood-')])] : []),
    ...(input.rows.length > 0 ? [predictorSection(input, pick('scatter-'))] : []),
    ...(input.rows.length > 0 ? [modelsSection(input.rows)] : []),
    methodSection(input),
  ];
  const doc: ReportDocument = { title: 'Long-short alignment: synthetic study', subtitle: subtitle(input), sections };
  return {
    doc,
    warnings,
    specs: specs.map(({ file, spec }) => ({ file, spec })),
    findings,
    json: reportJson(input, findings, specs.map((s) => `plots/${s.file}`)),
  };
}

function subtitle(input: ReportInputs): string {
  const tasks = [...new Set([...input.variants.map((v) => v.task), ...input.rows.map((r) => r.task)].filter(Boolean))];
  const models = Math.max(input.rows.length, input.variants.reduce((n, v) => n + v.seeds, 0));
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
    out.push({
      file: `curves-${slug(task)}.svg`,
      caption: `${task} task: MSE against test length, in the target's own space. Shaded: lengths seen in training. Dotted: the constant predictor that outputs the mean training target (0.25/L on the mean task).`,
      spec: curvesSpec(task, vs),
    });
  }
  if (input.variants.some((v) => v.oodMse !== null)) {
    out.push({
      file: 'ood-by-variant.svg',
      caption: 'Mean OOD MSE per variant (lengths beyond training), each seed as a dot; left of the red bar beats the constant predictor.',
      spec: oodDotSpec(input.variants),
    });
  }
  const c = input.correlation;
  if (input.rows.length >= 2) {
    const measure = c?.misalignmentMeasure === 'raw' ? 'raw' : 'normalized';
    out.push({
      file: 'scatter-misalignment.svg',
      caption: `Long-short misalignment (${measure}) against OOD MSE, one point per model; dashed: least-squares fit of log10 OOD MSE.`,
      spec: scatterSpec(input.rows, {
        predictor: 'misalignment',
        title: 'Misalignment vs OOD error',
        xTitle: `misalignment (${measure})`,
        stat: c?.misalignment.pearson ?? null,
      }),
    });
    out.push({
      file: 'scatter-trainloss.svg',
      caption: 'Final training loss against OOD MSE: the baseline predictor the paper compares with.',
      spec: scatterSpec(input.rows, {
        predictor: 'trainLoss',
        title: 'Training loss vs OOD error',
        xTitle: 'final training loss',
        stat: c?.trainLoss.pearson ?? null,
      }),
    });
  }
  return out;
}

const byTaskOrder = (a: string, b: string): number => rank(a) - rank(b) || a.localeCompare(b);
const rank = (t: string): number => (TASK_ORDER.includes(t) ? TASK_ORDER.indexOf(t) : TASK_ORDER.length);
const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function findingsBlocks(findings: Finding[]): Block[] {
  if (findings.length === 0) return [{ kind: 'text', text: 'No finding applies: the run lacks the variants the findings compare.' }];
  const yes = findings.filter((f) => f.holds).length;
  return [
    { kind: 'text', text: `${yes} of ${findings.length} statements hold. Each is computed from this run's numbers; statements whose variants are missing are left out.` },
    { kind: 'findings', findings },
  ];
}

function lengthSection(variants: Variant[], figures: Figure[]): Section {
  const rows = [...variants].sort((a, b) => byTaskOrder(a.task ?? '', b.task ?? '') || a.label.localeCompare(b.label));
  const table: Table = {
    columns: ['task', 'variant', 'seeds', 'ID MSE', 'OOD MSE', 'constant baseline (OOD)', 'OOD / baseline', 'horizon'],
    numeric: [false, false, true, true, true, true, true, true],
    rows: rows.map((v) => [
      v.task ?? '–',
      v.label,
      String(v.seeds),
      fmt(v.idMse),
      fmt(v.oodMse),
      fmt(v.baselineOod),
      v.oodMse !== null && v.baselineOod ? fmt(v.oodMse / v.baselineOod) : '–',
      fmt(v.horizon),
    ]),
  };
  return {
    title: 'Length generalization',
    blocks: [
      { kind: 'figures', figures },
      { kind: 'table', table, caption: 'Per variant, means over seeds. Horizon: as reported by the evaluate stage.', collapsed: rows.length > 12 },
    ],
  };
}

const METHODS: Method[] = ['pearson', 'spearman', 'kendall'];

function predictorSection(input: ReportInputs, figures: Figure[]): Section {
  const blocks: Block[] = [{ kind: 'figures', figures }];
  const c = input.correlation;
  if (c) {
    blocks.push({
      kind: 'table',
      caption: `Correlation with log10 OOD MSE over ${c.n} models: coefficient, ${Math.round(c.uncertainty.level * 100)}% bootstrap interval (${c.uncertainty.bootstrap} resamples), permutation p (${c.uncertainty.permutations} permutations).`,
      table: {
        columns: ['predictor', 'Pearson r', 'Spearman ρ', 'Kendall τ-b'],
        rows: [
          [`misalignment (${c.misalignmentMeasure})`, ...METHODS.map((m) => statCell(c.misalignment[m]))],
          ['training loss', ...METHODS.map((m) => statCell(c.trainLoss[m]))],
        ],
        numeric: [false, true, true, true],
      },
    });
    if (c.groups.length > 0) {
      blocks.push({
        kind: 'table',
        caption: 'The same within groups (Pearson r; Spearman and Kendall are in correlation.json).',
        table: {
          columns: ['group', 'n', 'misalignment', 'training loss', '|r| misalignment > |r| loss'],
          numeric: [false, true, true, true, false],
          rows: c.groups.map((g) => [`${g.by}=${g.value}`, String(g.n), statCell(g.misalignment.pearson), statCell(g.trainLoss.pearson), beats(g.misalignment, g.trainLoss)]),
        },
      });
    }
    if (c.excluded.length > 0) {
      blocks.push({ kind: 'list', items: c.excluded.map((e) => `left out \`${e.model}\`: ${e.reason}`) });
    }
  }
  return { title: 'Misalignment as a predictor of OOD error', blocks };
}

function statCell(s: CorrelationStat): string {
  return s.value === null ? '–' : `${fmt(s.value)} ${fmtCi(s.ci)}, p ${fmtP(s.p)}`;
}

function beats(m: PredictorCorrelation, l: PredictorCorrelation): string {
  const a = m.pearson.value;
  const b = l.pearson.value;
  return a === null || b === null ? '–' : Math.abs(a) > Math.abs(b) ? 'yes' : 'no';
}

function modelsSection(rows: ModelRow[]): Section {
  const table: Table = {
    columns: ['model', 'seed', 'training loss', 'misalignment (norm.)', 'misalignment (raw)', 'ID MSE', 'OOD MSE', 'horizon'],
    numeric: [false, true, true, true, true, true, true, true],
    rows: [...rows]
      .sort((a, b) => a.model.localeCompare(b.model))
      .map((r) => [
        variantLabel(r.axes) === 'all' ? r.model : variantLabel(r.axes),
        r.seed === null ? '–' : String(r.seed),
        fmt(r.finalLoss),
        r.misalignment === null ? '–' : `${fmt(r.misalignment)} ± ${fmt(r.misalignmentSe, 2)}`,
        r.misalignmentRaw === null ? '–' : `${fmt(r.misalignmentRaw)} ± ${fmt(r.misalignmentRawSe, 2)}`,
        fmt(r.idMse),
        fmt(r.oodMse),
        fmt(r.horizon),
      ]),
  };
  const meanMis = meanOf(rows.map((r) => r.misalignment));
  return {
    title: 'Models',
    blocks: [
      { kind: 'text', text: `${rows.length} models; mean normalized misalignment ${fmt(meanMis)}. ± is one standard error of the Monte Carlo estimate.` },
      { kind: 'table', table, caption: `All ${rows.length} models`, collapsed: rows.length > 12 },
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
          '**Misalignment** (regression form): E[(g(x[-l1:]) − g(x[-l2:]))²] for a random 0/1 input x and l1, l2 uniform in [l_train/2, l_train], with g the model output in its own (f-) space. **Normalized** divides by Var g over the training distribution (lengths 1..l_train), which makes targets with different f comparable.',
          '**OOD MSE**: the evaluate stage\'s out-of-distribution mean squared error, in the original target space; the **constant baseline** is the MSE of the predictor that always outputs the mean training target, averaged over the same lengths beyond training.',
          `**Correlations** are against log10 OOD MSE: Pearson and Spearman from simple-statistics, Kendall τ-b as the Pearson correlation of pairwise signs (Daniels 1944). Intervals are percentile bootstrap over models, p-values two-sided permutation tests${c ? `, seed ${c.uncertainty.seed}` : ''}.`,
          '**Findings** compare means over seeds; a finding is listed only when every variant it names is in the run.',
        ],
      },
    ],
  };
}

function reportJson(input: ReportInputs, findings: Finding[], plots: string[]): Record<string, unknown> {
  const c = input.correlation;
  return {
    title: 'Long-short alignment: synthetic study',
    correlation: c
      ? {
          n: c.n,
          target: c.target,
          misalignmentMeasure: c.misalignmentMeasure,
          uncertainty: c.uncertainty,
          misalignment: c.misalignment,
          trainLoss: c.trainLoss,
          groups: c.groups,
          excluded: c.excluded,
        }
      : null,
    findings,
    variants: input.variants.map(({ oodBySeed: _, ...v }) => v),
    rows: input.rows,
    plots,
  };
}
