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
import { compressionRank, targetDisplay } from './targets.js';
import type { Variant } from './variants.js';
import { valueText } from '../../src/util/value-text.js';

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Shared look: system fonts (no web fonts: the report must work offline). */
export const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  title: { fontSize: 14, anchor: 'start' as const, subtitleColor: '#555' },
};

const TRAIN_FILL = '#f6d5d5';
/** Panels per row: two 340 px panels and their axes stay under 900 px. */
const FACET_COLUMNS = 2;
const colorScheme = (n: number): string => (n <= 10 ? 'tableau10' : 'tableau20');

/** A log axis cannot show 0; errors that small are drawn at this floor. */
const LOG_FLOOR = 1e-12;
const positive = (v: number): number => Math.max(v, LOG_FLOOR);

/**
 * Error vs test length for one task: the geometric mean over seeds as a
 * line, its t-based 95% interval as a band (both in the log space the axis
 * shows), the training range shaded and the constant predictor dotted. One
 * panel per architecture when there are several, two panels to a row.
 */
export function curvesSpec(task: string, variants: readonly Variant[]): TopLevelSpec {
  const archs = [...new Set(variants.map((v) => valueText(v.axes.arch ?? '')))];
  const facet = archs.length > 1;
  // Name lines only by the axes that differ between them; with two such
  // axes, one is the colour and the other the dash, which reads far better
  // than a dozen colours.
  const keys = varyingKeys(variants, ['task', 'seed', ...(facet ? ['arch'] : [])]);
  const [colorKey, dashKey] =
    keys.length === 2
      ? ([...keys].sort((a, b) => distinct(variants, b) - distinct(variants, a)) as [string, string])
      : [null, null];
  const values: Record<string, string | number>[] = [];
  // Nothing varies within a panel (one variant per architecture): the colour names the architecture.
  const labelOf = (v: Variant): string =>
    colorKey
      ? axisText(v, colorKey)
      : keys.map((k) => axisText(v, k)).join(' · ') || (facet ? valueText(v.axes.arch) : v.label);
  // Legend entries in the variants' order (f by compression), not alphabetically.
  const labels = [...new Set(variants.map(labelOf))];
  for (const v of variants) {
    const arch = valueText(v.axes.arch ?? '');
    const label = labelOf(v);
    const dash = dashKey ? axisText(v, dashKey) : '';
    for (const p of v.curve) {
      const [lo, hi] = p.geo.ci ?? [p.geo.mean, p.geo.mean];
      values.push({
        kind: 'curve',
        arch,
        label,
        dash,
        length: p.length,
        mean: positive(p.geo.mean),
        lo: positive(lo),
        hi: positive(hi),
      });
    }
  }
  for (const arch of archs) {
    const members = variants.filter((v) => valueText(v.axes.arch ?? '') === arch);
    const trainMax = Math.max(...members.map((v) => v.trainLengthMax ?? 0));
    if (trainMax > 0) values.push({ kind: 'train', arch, x0: 0.5, x1: trainMax + 0.5 });
    for (const p of baselineCurve(members))
      values.push({ kind: 'baseline', arch, length: p.length, baseline: positive(p.baseline) });
  }
  const nLabels = new Set(values.map((v) => v.label).filter(Boolean)).size;
  const x = { field: 'length', type: 'quantitative' as const, title: 'test length' };
  const y = { type: 'quantitative' as const, scale: { type: 'log' as const }, title: 'MSE (log scale)' };
  // Four columns of at most 180 px labels keep the legend inside the figure's 900 px.
  const legend = {
    orient: 'bottom' as const,
    direction: 'horizontal' as const,
    symbolType: 'stroke',
    symbolOpacity: 1,
    symbolStrokeWidth: 3,
    columns: 4,
    labelLimit: 180,
  };
  const color = {
    field: 'label',
    type: 'nominal' as const,
    title: colorKey ?? (keys.length > 0 ? keys.join(' · ') : facet ? 'arch' : 'variant'),
    scale: { scheme: colorScheme(nLabels), domain: labels },
    sort: labels,
    legend,
  };
  const dashes = dashKey ? [...new Set(variants.map((v) => axisText(v, dashKey)))] : [];
  const strokeDash = dashKey
    ? {
        strokeDash: {
          field: 'dash',
          type: 'nominal' as const,
          title: dashKey,
          sort: dashes,
          scale: { domain: dashes },
          legend: { ...legend, symbolStrokeColor: '#444' },
        },
      }
    : {};
  const layer = [
    {
      transform: [{ filter: "datum.kind === 'train'" }],
      mark: { type: 'rect' as const, color: TRAIN_FILL, opacity: 0.7 },
      encoding: { x: { field: 'x0', type: 'quantitative' as const }, x2: { field: 'x1' } },
    },
    {
      transform: [{ filter: "datum.kind === 'train'" }],
      mark: {
        type: 'text' as const,
        align: 'left' as const,
        dx: 3,
        dy: 2,
        baseline: 'top' as const,
        color: '#a33',
        fontSize: 10,
      },
      encoding: {
        x: { field: 'x0', type: 'quantitative' as const },
        y: { value: 0 },
        text: { value: 'training lengths' },
      },
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
      transform: [
        { filter: "datum.kind === 'baseline'" },
        {
          window: [{ op: 'rank' as const, as: 'r' }],
          sort: [{ field: 'length', order: 'descending' as const }],
          groupby: ['arch'],
        },
        { filter: 'datum.r === 1' },
      ],
      mark: { type: 'text' as const, align: 'right' as const, dy: -7, fontSize: 10, color: '#222' },
      encoding: { x, y: { ...y, field: 'baseline' }, text: { value: 'constant predictor' } },
    },
  ];
  const title = {
    text: `${capital(task)} task: error vs test length`,
    subtitle: 'line: geometric mean over seeds · band: t-based 95% interval · dotted: constant predictor',
  };
  const data = { values };
  if (!facet) return { $schema: SCHEMA, title, config: CONFIG, data, width: 560, height: 300, layer };
  return {
    $schema: SCHEMA,
    title,
    config: CONFIG,
    data,
    facet: { field: 'arch', type: 'nominal', title: 'architecture', sort: archs },
    columns: FACET_COLUMNS,
    spec: { width: 340, height: 240, layer },
  };
}

/** Anything keyed by axis values: a variant, a loss curve. */
type HasAxes = Pick<Variant, 'axes'>;

/** Axes (other than `skip`) that take more than one value among the variants. */
export function varyingKeys(variants: readonly HasAxes[], skip: readonly string[]): string[] {
  const keys = [...new Set(variants.flatMap((v) => Object.keys(v.axes)))].filter((k) => !skip.includes(k));
  const order = ['f', 'pe', 'arch'];
  return keys
    .filter((k) => distinct(variants, k) > 1)
    .sort(
      (a, b) =>
        (order.includes(a) ? order.indexOf(a) : 9) - (order.includes(b) ? order.indexOf(b) : 9) || a.localeCompare(b),
    );
}

const distinct = (variants: readonly HasAxes[], key: string): number =>
  new Set(variants.map((v) => JSON.stringify(v.axes[key] ?? null))).size;

/** `√x` for f, the plain value for other axes. */
export function axisText(v: HasAxes, key: string): string {
  const value = v.axes[key];
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return key === 'f' ? targetDisplay(text) : text;
}

function baselineCurve(variants: readonly Variant[]): { length: number; baseline: number }[] {
  const byLength = new Map<number, number[]>();
  for (const v of variants)
    for (const p of v.curve)
      if (p.baseline !== null) byLength.set(p.length, [...(byLength.get(p.length) ?? []), p.baseline]);
  return [...byLength]
    .sort(([a], [b]) => a - b)
    .map(([length, b]) => ({ length, baseline: b.reduce((s, x) => s + x, 0) / b.length }));
}

export interface ScatterOptions {
  predictor: 'misalignment' | 'trainLoss';
  title: string;
  xTitle: string;
  /** With the number of variants where the correlation states it. */
  stat: (CorrelationStat & { nVariants?: number }) | null;
}

/**
 * OOD error against a predictor, one point per model, every axis that
 * varies between variants encoded (see scatterEncodings). The dashed line is
 * the least-squares fit in the space the axes show: log10 OOD MSE on the
 * predictor, or on log10 of the predictor when the x axis is logarithmic,
 * so it is straight on the page.
 */
export function scatterSpec(rows: readonly ModelRow[], o: ScatterOptions): TopLevelSpec {
  const enc = scatterEncodings(rows);
  const pts = rows
    .map((r) => ({ r, x: o.predictor === 'misalignment' ? r.misalignment : r.finalLossNorm }))
    .filter((p): p is { r: ModelRow; x: number } => p.x !== null && p.r.oodMse !== null && p.r.oodMse > 0);
  const values = pts.map(({ r, x }) => ({
    x,
    ood: r.oodMse as number,
    colour: rowAxisText(r, enc.color),
    shape: enc.shape.map((k) => rowAxisText(r, k)).join(' · '),
    fill: enc.fill === null ? '' : rowAxisText(r, enc.fill),
    model: r.model,
  }));
  const xs = pts.map((p) => p.x);
  const logX = isLogScale(xs);
  const fit = fitLine(
    values.map((v) => [v.x, v.ood]),
    logX,
  );
  const subtitle =
    o.stat?.value != null
      ? [
          `Pearson r (vs log10 OOD MSE) = ${fmt(o.stat.value)} ${fmtCi(o.stat.ci)}, permutation p ${fmtP(o.stat.p)}`,
          `n = ${o.stat.n} models${o.stat.nVariants === undefined ? '' : `, ${o.stat.nVariants} variants`}`,
        ]
      : ['too few models for a correlation'];
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    title: `${o.xTitle}${logX ? ' (log scale)' : ''}`,
    scale: logX ? { type: 'log' as const } : { zero: false },
  };
  const y = {
    field: 'ood',
    type: 'quantitative' as const,
    title: 'OOD MSE (log scale)',
    scale: { type: 'log' as const },
  };
  const colours = designOrder(
    enc.color,
    values.map((v) => v.colour),
  );
  const fills = [...new Set(values.map((v) => v.fill))];
  const legend = { orient: 'bottom' as const, direction: 'horizontal' as const, columns: 4, labelLimit: 160 };
  const colour = {
    field: 'colour',
    type: 'nominal' as const,
    title: enc.color,
    sort: colours,
    scale: { scheme: colorScheme(colours.length), domain: colours },
    legend,
  };
  const fillNote =
    enc.fill === null || fills.length !== 2
      ? []
      : [`filled: ${enc.fill}=${fills[0]} · hollow: ${enc.fill}=${fills[1]}`];
  return {
    $schema: SCHEMA,
    title: { text: o.title, subtitle: [...subtitle, ...fillNote] },
    config: CONFIG,
    width: 380,
    height: 280,
    layer: [
      {
        data: { values: fit },
        mark: { type: 'line', color: '#888', strokeDash: [4, 3] },
        encoding: { x, y },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 70, opacity: 0.9, strokeWidth: 1.5 },
        encoding: {
          x,
          y,
          color: colour,
          stroke: colour,
          ...(enc.shape.length === 0
            ? {}
            : { shape: { field: 'shape', type: 'nominal', title: enc.shape.join(' · '), legend } }),
          // Vega-Lite draws no legend for fillOpacity: the subtitle names filled and hollow.
          ...(enc.fill === null
            ? {}
            : {
                fillOpacity: {
                  field: 'fill',
                  type: 'ordinal',
                  sort: fills,
                  legend: null,
                  scale: { domain: fills, range: [0.9, 0] },
                },
              }),
          tooltip: [{ field: 'model' }, { field: 'x', title: o.xTitle }, { field: 'ood', title: 'OOD MSE' }],
        },
      },
    ],
  };
}

/** A log axis where the values are all positive and span more than two decades. */
export function isLogScale(xs: readonly number[]): boolean {
  return xs.length > 1 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) > 100;
}

/**
 * Every axis that varies between the rows is encoded: f (or else the axis
 * with most values) by colour, the axis with most of the remaining values by
 * shape, a further two-valued axis by filled against hollow, and anything
 * left over joined into the shape, e.g. colour f, shape pe, fill task.
 */
export function scatterEncodings(rows: readonly ModelRow[]): { color: string; shape: string[]; fill: string | null } {
  const keys = [...new Set(rows.flatMap((r) => [...KEY_AXES, ...Object.keys(r.axes)]))].filter((k) => k !== 'seed');
  const count = (k: string): number => new Set(rows.map((r) => rowAxisText(r, k))).size;
  const byCount = keys
    .filter((k) => count(k) > 1)
    .sort((a, b) => count(b) - count(a) || rankIn(KEY_AXES, a) - rankIn(KEY_AXES, b));
  if (byCount.length === 0) return { color: 'task', shape: [], fill: null };
  const color = byCount.includes('f') ? 'f' : (byCount[0] as string);
  const rest = byCount.filter((k) => k !== color);
  const fill =
    rest.length >= 2 && count(rest[rest.length - 1] as string) === 2 ? (rest[rest.length - 1] as string) : null;
  return { color, shape: rest.filter((k) => k !== fill), fill };
}

const KEY_AXES = ['f', 'pe', 'arch', 'task'];
/** Values of an axis in design order: f by compression, others as they first appear. */
function designOrder(axis: string, values: readonly string[]): string[] {
  const distinct = [...new Set(values)];
  if (axis !== 'f') return distinct;
  const rankOf = (display: string): number =>
    compressionRank(Object.keys(DISPLAY_TO_KIND).find((k) => DISPLAY_TO_KIND[k] === display) ?? display);
  return distinct.sort((a, b) => rankOf(a) - rankOf(b));
}

const DISPLAY_TO_KIND: Record<string, string> = Object.fromEntries(
  ['identity', 'sqrt', 'cbrt', 'log', 'inv_sqrt', 'square', 'cube'].map((k) => [k, targetDisplay(k)]),
);

const rankIn = (order: readonly string[], k: string): number => (order.includes(k) ? order.indexOf(k) : order.length);

function rowAxisText(r: ModelRow, key: string): string {
  const known: Record<string, string | null> = { task: r.task, f: r.f, arch: r.arch, pe: r.pe };
  const v = key in known ? known[key] : r.axes[key] === undefined ? null : valueText(r.axes[key]);
  if (v === null || v === undefined) return '–';
  return key === 'f' ? targetDisplay(v) : v;
}

/**
 * Least squares of log10 y on x (or on log10 x when `logX`), i.e. in the
 * plotted space, returned as its two end points in data units: a straight
 * segment on the page.
 */
export function fitLine(points: readonly (readonly [number, number])[], logX: boolean): { x: number; ood: number }[] {
  const tx = (x: number): number => (logX ? Math.log10(x) : x);
  const pts = points.filter(([x, y]) => y > 0 && (!logX || x > 0)).map(([x, y]) => [tx(x), Math.log10(y)]);
  if (pts.length < 2) return [];
  const xs = pts.map((p) => p[0] as number);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (!(hi > lo)) return [];
  const line = linearRegressionLine(linearRegression(pts));
  const back = (u: number): number => (logX ? 10 ** u : u);
  return [lo, hi].map((u) => ({ x: back(u), ood: 10 ** line(u) }));
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
  const labels = [...new Set(values.map((v) => String(v.label)))];
  return {
    $schema: SCHEMA,
    title: {
      text: 'Out-of-distribution error by variant',
      subtitle: 'dots: seeds · diamond: mean over seeds · red bar: constant predictor',
    },
    config: CONFIG,
    data: { values },
    facet: {
      row: {
        field: 'task',
        type: 'nominal',
        title: null,
        sort: tasks,
        header: { labelAngle: 0, labelAlign: 'left', labelFontWeight: 'bold' },
      },
    },
    spec: {
      width: 360,
      mark: { type: 'point', filled: true, size: 80, opacity: 0.8 },
      encoding: {
        x: { field: 'ood', type: 'quantitative', scale: { type: 'log' }, title: 'OOD MSE (log scale)' },
        y: { field: 'label', type: 'nominal', title: null, sort: labels, axis: { labelLimit: 240 } },
        color: {
          field: 'kind',
          type: 'nominal',
          title: null,
          scale: { domain: kinds, range: ['#4c78a8', '#222222', '#d62728'] },
        },
        // The baseline is a vertical bar: a path symbol, drawn by its stroke.
        stroke: {
          field: 'kind',
          type: 'nominal',
          title: null,
          scale: { domain: kinds, range: ['#4c78a8', '#222222', '#d62728'] },
        },
        shape: {
          field: 'kind',
          type: 'nominal',
          title: null,
          scale: { domain: kinds, range: ['circle', 'diamond', 'M0,-1.2L0,1.2'] },
        },
        strokeWidth: { value: 2 },
        tooltip: [{ field: 'label' }, { field: 'kind' }, { field: 'ood', title: 'OOD MSE' }],
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
