/**
 * Vega-Lite specs for the report's figures. Data travels inline in each spec
 * so a spec alone reproduces its figure (the report keeps them beside the
 * SVGs). Every number drawn comes from the variants and rows passed in.
 */
import { linearRegression, linearRegressionLine } from 'simple-statistics';
import type { TopLevelSpec } from 'vega-lite';
import type { CorrelationStat } from './correlation.js';
import { fmt, fmtCi, fmtP } from './format.js';
import type { ModelRow } from './rows.js';
import { targetDisplay } from './targets.js';
import type { Variant } from './variants.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Shared look: system fonts (no web fonts: the report must work offline). */
const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  title: { fontSize: 14, anchor: 'start' as const, subtitleColor: '#555' },
};

const TRAIN_FILL = '#f6d5d5';
const colorScheme = (n: number): string => (n <= 10 ? 'tableau10' : 'tableau20');

/** A log axis cannot show 0; errors that small are drawn at this floor. */
const LOG_FLOOR = 1e-12;
const positive = (v: number): number => Math.max(v, LOG_FLOOR);

/**
 * Error vs test length for one task: mean over seeds as a line, min-max over
 * seeds as a band, the training range shaded and the constant predictor
 * dashed. One column per architecture when there are several.
 */
export function curvesSpec(task: string, variants: readonly Variant[]): TopLevelSpec {
  const archs = [...new Set(variants.map((v) => String(v.axes.arch ?? '')))];
  const facet = archs.length > 1;
  // Name lines only by the axes that differ between them; with two such
  // axes, one is the colour and the other the dash, which reads far better
  // than a dozen colours.
  const keys = varyingKeys(variants, ['task', 'seed', ...(facet ? ['arch'] : [])]);
  const [colorKey, dashKey] = keys.length === 2 ? ([...keys].sort((a, b) => distinct(variants, b) - distinct(variants, a)) as [string, string]) : [null, null];
  const values: Record<string, string | number>[] = [];
  for (const v of variants) {
    const arch = String(v.axes.arch ?? '');
    const label = colorKey ? axisText(v, colorKey) : keys.map((k) => axisText(v, k)).join(' · ') || v.label;
    const dash = dashKey ? axisText(v, dashKey) : '';
    for (const p of v.curve) {
      values.push({ kind: 'curve', arch, label, dash, length: p.length, mean: positive(p.mean), lo: positive(p.min), hi: positive(p.max) });
    }
  }
  for (const arch of archs) {
    const members = variants.filter((v) => String(v.axes.arch ?? '') === arch);
    const trainMax = Math.max(...members.map((v) => v.trainLengthMax ?? 0));
    if (trainMax > 0) values.push({ kind: 'train', arch, x0: 0.5, x1: trainMax + 0.5 });
    for (const p of baselineCurve(members)) values.push({ kind: 'baseline', arch, length: p.length, baseline: positive(p.baseline) });
  }
  const nLabels = new Set(values.map((v) => v.label).filter(Boolean)).size;
  const x = { field: 'length', type: 'quantitative' as const, title: 'test length' };
  const y = { type: 'quantitative' as const, scale: { type: 'log' as const }, title: 'MSE (log scale)' };
  const legend = { orient: 'bottom' as const, direction: 'horizontal' as const, symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 3, columns: 4 };
  const color = {
    field: 'label',
    type: 'nominal' as const,
    title: colorKey ?? (keys.length > 0 ? keys.join(' · ') : 'variant'),
    scale: { scheme: colorScheme(nLabels) },
    legend,
  };
  const strokeDash = dashKey ? { strokeDash: { field: 'dash', type: 'nominal' as const, title: dashKey, legend: { ...legend, symbolStrokeColor: '#444' } } } : {};
  const layer = [
    {
      transform: [{ filter: "datum.kind === 'train'" }],
      mark: { type: 'rect' as const, color: TRAIN_FILL, opacity: 0.7 },
      encoding: { x: { field: 'x0', type: 'quantitative' as const }, x2: { field: 'x1' } },
    },
    {
      transform: [{ filter: "datum.kind === 'train'" }],
      mark: { type: 'text' as const, align: 'left' as const, dx: 3, dy: 2, baseline: 'top' as const, color: '#a33', fontSize: 10 },
      encoding: { x: { field: 'x0', type: 'quantitative' as const }, y: { value: 0 }, text: { value: 'training lengths' } },
    },
    {
      transform: [{ filter: "datum.kind === 'curve'" }],
      mark: { type: 'area' as const, opacity: 0.12 },
      encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, detail: { field: 'dash' } },
    },
    {
      transform: [{ filter: "datum.kind === 'curve'" }],
      mark: { type: 'line' as const, strokeWidth: 2 },
      encoding: { x, y: { ...y, field: 'mean' }, color, ...strokeDash },
    },
    {
      transform: [{ filter: "datum.kind === 'baseline'" }],
      mark: { type: 'line' as const, color: '#222', strokeDash: [2, 3], strokeWidth: 1.5 },
      encoding: { x, y: { ...y, field: 'baseline' } },
    },
    {
      transform: [{ filter: "datum.kind === 'baseline'" }, { window: [{ op: 'rank' as const, as: 'r' }], sort: [{ field: 'length', order: 'descending' as const }], groupby: ['arch'] }, { filter: 'datum.r === 1' }],
      mark: { type: 'text' as const, align: 'right' as const, dy: -7, fontSize: 10, color: '#222' },
      encoding: { x, y: { ...y, field: 'baseline' }, text: { value: 'constant predictor' } },
    },
  ];
  const title = { text: `${capital(task)} task: error vs test length`, subtitle: 'line: mean over seeds · band: min–max over seeds · dotted: constant predictor' };
  const data = { values };
  if (!facet) return { $schema: SCHEMA, title, config: CONFIG, data, width: 560, height: 300, layer } as TopLevelSpec;
  return {
    $schema: SCHEMA,
    title,
    config: CONFIG,
    data,
    facet: { column: { field: 'arch', type: 'nominal', title: 'architecture' } },
    spec: { width: 360, height: 260, layer },
  } as TopLevelSpec;
}

/** Axes (other than `skip`) that take more than one value among the variants. */
export function varyingKeys(variants: readonly Variant[], skip: readonly string[]): string[] {
  const keys = [...new Set(variants.flatMap((v) => Object.keys(v.axes)))].filter((k) => !skip.includes(k));
  const order = ['f', 'pe', 'arch'];
  return keys
    .filter((k) => distinct(variants, k) > 1)
    .sort((a, b) => (order.includes(a) ? order.indexOf(a) : 9) - (order.includes(b) ? order.indexOf(b) : 9) || a.localeCompare(b));
}

const distinct = (variants: readonly Variant[], key: string): number => new Set(variants.map((v) => JSON.stringify(v.axes[key] ?? null))).size;

/** `√x` for f, the plain value for other axes. */
function axisText(v: Variant, key: string): string {
  const value = v.axes[key];
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return key === 'f' ? targetDisplay(text) : text;
}

function baselineCurve(variants: readonly Variant[]): { length: number; baseline: number }[] {
  const byLength = new Map<number, number[]>();
  for (const v of variants) for (const p of v.curve) if (p.baseline !== null) byLength.set(p.length, [...(byLength.get(p.length) ?? []), p.baseline]);
  return [...byLength].sort(([a], [b]) => a - b).map(([length, b]) => ({ length, baseline: b.reduce((s, x) => s + x, 0) / b.length }));
}

export interface ScatterOptions {
  predictor: 'misalignment' | 'trainLoss';
  title: string;
  xTitle: string;
  stat: CorrelationStat | null;
}

/**
 * OOD error against a predictor, one point per model, with the least-squares
 * line of log10(OOD MSE) on the predictor: the fit whose r the title reports.
 */
export function scatterSpec(rows: readonly ModelRow[], o: ScatterOptions): TopLevelSpec {
  const enc = scatterEncodings(rows);
  const pts = rows
    .map((r) => ({ r, x: o.predictor === 'misalignment' ? r.misalignment : r.finalLoss }))
    .filter((p): p is { r: ModelRow; x: number } => p.x !== null && p.r.oodMse !== null && p.r.oodMse > 0);
  const values = pts.map(({ r, x }) => ({
    kind: 'point',
    x,
    ood: r.oodMse as number,
    colour: rowAxisText(r, enc.color),
    shape: enc.shape === null ? '' : rowAxisText(r, enc.shape),
    model: r.model,
  }));
  const xs = pts.map((p) => p.x);
  const logX = xs.length > 1 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) > 100;
  const fit = fitLine(values.map((v) => [v.x, Math.log10(v.ood)]), logX);
  const subtitle = o.stat?.value != null ? `Pearson r = ${fmt(o.stat.value)} ${fmtCi(o.stat.ci)}, permutation p ${fmtP(o.stat.p)} · n = ${o.stat.n}` : 'too few models for a correlation';
  const x = { field: 'x', type: 'quantitative' as const, title: o.xTitle, scale: logX ? { type: 'log' as const } : { zero: false } };
  const y = { field: 'ood', type: 'quantitative' as const, title: 'OOD MSE (log scale)', scale: { type: 'log' as const } };
  return {
    $schema: SCHEMA,
    title: { text: o.title, subtitle },
    config: CONFIG,
    width: 340,
    height: 280,
    layer: [
      {
        data: { values: fit },
        mark: { type: 'line', color: '#888', strokeDash: [4, 3] },
        encoding: { x, y },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 70, opacity: 0.85 },
        encoding: {
          x,
          y,
          color: { field: 'colour', type: 'nominal', title: enc.color, scale: { scheme: 'tableau10' } },
          ...(enc.shape === null ? {} : { shape: { field: 'shape', type: 'nominal', title: enc.shape } }),
          tooltip: [{ field: 'model' }, { field: 'x', title: o.xTitle }, { field: 'ood', title: 'OOD MSE' }],
        },
      },
    ],
  } as TopLevelSpec;
}

/**
 * Which axes the points' colour and shape show: the target f by colour where
 * it varies (the reparameterization story), the task by shape (its two
 * clusters sit orders of magnitude apart), else the next axes that vary.
 */
function scatterEncodings(rows: readonly ModelRow[]): { color: string; shape: string | null } {
  const varying = (k: string): boolean => new Set(rows.map((r) => rowAxisText(r, k))).size > 1;
  const order = ['f', 'pe', 'arch', 'task'];
  const color = order.find(varying) ?? 'task';
  // No second axis varies: plain circles, not a second legend repeating the first.
  const shape = ['task', 'arch', 'pe'].find((k) => k !== color && varying(k)) ?? null;
  return { color, shape };
}

function rowAxisText(r: ModelRow, key: string): string {
  const known: Record<string, string | null> = { task: r.task, f: r.f, arch: r.arch, pe: r.pe };
  const v = key in known ? known[key] : r.axes[key] === undefined ? null : String(r.axes[key]);
  if (v === null || v === undefined) return '–';
  return key === 'f' ? targetDisplay(v) : v;
}

/** The line log10 y = a + b x, sampled densely enough to show as a curve on a log x axis. */
function fitLine(points: number[][], logX: boolean): { x: number; ood: number }[] {
  if (points.length < 2) return [];
  const xs = points.map((p) => p[0] as number);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (!(hi > lo)) return [];
  const line = linearRegressionLine(linearRegression(points));
  const steps = logX ? 40 : 1;
  return Array.from({ length: steps + 1 }, (_, i) => {
    const x = logX ? lo * (hi / lo) ** (i / steps) : lo + ((hi - lo) * i) / steps;
    return { x, ood: 10 ** line(x) };
  });
}

/**
 * OOD error per variant, one row per variant: seeds as dots, their mean as
 * a diamond, the constant predictor as a red bar. One panel per task, each
 * with its own scales (the tasks' errors differ by orders of magnitude).
 */
export function oodDotSpec(variants: readonly Variant[]): TopLevelSpec {
  const SEED = 'seed';
  const MEAN = 'mean over seeds';
  const BASE = 'constant predictor';
  const values: Record<string, string | number>[] = [];
  const tasks = [...new Set(variants.map((v) => v.task ?? '–'))];
  for (const task of tasks) {
    const members = variants.filter((v) => (v.task ?? '–') === task);
    const keys = varyingKeys(members, ['task', 'seed']);
    for (const v of members) {
      const label = keys.map((k) => `${k}=${axisText(v, k)}`).join(' · ') || v.label;
      if (v.baselineOod !== null) values.push({ kind: BASE, task, label, ood: positive(v.baselineOod) });
      for (const s of v.oodBySeed) values.push({ kind: SEED, task, label, ood: positive(s) });
      if (v.oodMse !== null) values.push({ kind: MEAN, task, label, ood: positive(v.oodMse) });
    }
  }
  const kinds = [SEED, MEAN, BASE];
  return {
    $schema: SCHEMA,
    title: { text: 'Out-of-distribution error by variant', subtitle: 'left of the red bar: better than the constant predictor' },
    config: CONFIG,
    data: { values },
    facet: { row: { field: 'task', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelFontWeight: 'bold' } } },
    spec: {
      width: 420,
      mark: { type: 'point', filled: true, size: 80, opacity: 0.8 },
      encoding: {
        x: { field: 'ood', type: 'quantitative', scale: { type: 'log' }, title: 'OOD MSE (log scale)' },
        y: { field: 'label', type: 'nominal', title: null, sort: 'ascending', axis: { labelLimit: 320 } },
        color: { field: 'kind', type: 'nominal', title: null, scale: { domain: kinds, range: ['#4c78a8', '#222222', '#d62728'] } },
        // The baseline is a vertical bar: a path symbol, drawn by its stroke.
        stroke: { field: 'kind', type: 'nominal', title: null, scale: { domain: kinds, range: ['#4c78a8', '#222222', '#d62728'] } },
        shape: { field: 'kind', type: 'nominal', title: null, scale: { domain: kinds, range: ['circle', 'diamond', 'M0,-1.2L0,1.2'] } },
        strokeWidth: { value: 2 },
        tooltip: [{ field: 'label' }, { field: 'kind' }, { field: 'ood', title: 'OOD MSE' }],
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as TopLevelSpec;
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
