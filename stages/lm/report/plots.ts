/**
 * Vega-Lite specs of the language-model report, data inline so a spec alone
 * redraws its figure: cross-entropy against position, the two predictors
 * against long-context CE, and the α sweep.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, SCHEMA } from '../../analysis/plots.js';
import type { ModelPoint } from './points.js';
import type { SweepPoint } from './sweep.js';
import { text, type LmVariant } from './variants.js';
import { valueText } from '../../../src/util/value-text.js';

const scheme = (n: number): string => (n <= 10 ? 'tableau10' : 'tableau20');
const legend = { orient: 'bottom' as const, direction: 'horizontal' as const, columns: 3, labelLimit: 240 };

export interface CurveDatum {
  kind: 'curve';
  arch: string;
  label: string;
  position: number;
  ce: number;
  lo: number;
  hi: number;
}

/** Axes that differ between the variants, arch and seed aside: what a line's name must say. */
export function distinguishing(variants: readonly LmVariant[], skip: readonly string[] = []): string[] {
  const keys = [...new Set(variants.flatMap((v) => Object.keys(v.axes)))].filter((k) => !skip.includes(k));
  return keys.filter((k) => new Set(variants.map((v) => JSON.stringify(v.axes[k] ?? null))).size > 1);
}

/** Per variant the mean CE over seeds at each position, with its t interval (none with one seed). */
export function curveData(
  variants: readonly LmVariant[],
  label: (v: LmVariant) => string = (v) => v.label,
): CurveDatum[] {
  return variants.flatMap((v) =>
    v.curve.map((p) => ({
      kind: 'curve' as const,
      arch: valueText(v.axes.arch ?? ''),
      label: label(v),
      position: p.position,
      ce: p.ce.mean,
      lo: p.ce.ci?.[0] ?? p.ce.mean,
      hi: p.ce.ci?.[1] ?? p.ce.mean,
    })),
  );
}

/**
 * (a) CE against position for one task, one panel per architecture: l_train
 * as a red rule, the entropy rate (markov) as a dotted floor.
 */
export function positionSpec(task: string, variants: readonly LmVariant[]): TopLevelSpec {
  const archs = [...new Set(variants.map((v) => valueText(v.axes.arch ?? '')))];
  // Name lines by what varies within a panel, so one setting has one colour in every panel.
  const keys = [
    ...new Set(
      archs.flatMap((a) =>
        distinguishing(
          variants.filter((v) => valueText(v.axes.arch ?? '') === a),
          ['arch'],
        ),
      ),
    ),
  ];
  const label = (v: LmVariant): string =>
    keys.map((k) => `${k}=${text(v.axes[k])}`).join(' · ') || valueText(v.axes.arch ?? v.label);
  const labels = [...new Set(variants.map(label))];
  const lTrain = Math.max(...variants.map((v) => v.lTrain));
  const floor = variants.find((v) => v.entropyRate !== null)?.entropyRate ?? null;
  const values: unknown[] = [
    ...curveData(variants, label),
    ...archs.map((arch) => ({ kind: 'marks', arch, lTrain, floor })),
  ];
  const x = { field: 'position', type: 'quantitative' as const, title: 'position (tokens seen)' };
  const y = { type: 'quantitative' as const, title: 'cross-entropy (nats/token)', scale: { zero: false } };
  const color = {
    field: 'label',
    type: 'nominal' as const,
    title: keys.join(' · ') || 'arch',
    sort: labels,
    scale: { scheme: scheme(labels.length), domain: labels },
    legend: { ...legend, columns: 2, labelLimit: 400, titleLimit: 400, symbolType: 'stroke' },
  };
  const curve = { filter: "datum.kind === 'curve'" };
  const marks = { filter: "datum.kind === 'marks'" };
  const layer: Record<string, unknown>[] = [
    {
      transform: [curve],
      mark: { type: 'area', opacity: 0.15 },
      encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
    },
    { transform: [curve], mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { ...y, field: 'ce' }, color } },
    {
      transform: [marks],
      mark: { type: 'rule', color: '#a33', strokeDash: [4, 3] },
      encoding: { x: { field: 'lTrain', type: 'quantitative' } },
    },
  ];
  if (floor !== null)
    layer.push({
      transform: [marks],
      mark: { type: 'rule', color: '#222', strokeDash: [2, 3] },
      encoding: { y: { field: 'floor', type: 'quantitative' } },
    });
  const title = {
    text: `${task}: cross-entropy against position`,
    subtitle: `line: mean over seeds · band: t-based 95% interval · red: l_train = ${lTrain}${floor !== null ? ' · dotted: entropy rate' : ''}`,
  };
  const base = { $schema: SCHEMA, title, config: CONFIG, data: { values } };
  if (archs.length < 2) return { ...base, width: 620, height: 300, layer } as unknown as TopLevelSpec;
  return {
    ...base,
    facet: { field: 'arch', type: 'nominal', title: 'architecture', sort: archs },
    columns: 2,
    spec: { width: 340, height: 220, layer },
  } as unknown as TopLevelSpec;
}

/** (b) Misalignment and training loss against long-context CE for one task, side by side on one y scale. */
export function predictorSpec(task: string, points: readonly ModelPoint[]): TopLevelSpec {
  const values = points.flatMap((p) => [
    ...(p.sce !== null
      ? [
          {
            panel: 'misalignment (SCE)',
            x: p.sce,
            longCe: p.longCe,
            arch: p.arch,
            alpha: String(p.alpha),
            model: p.cell,
          },
        ]
      : []),
    ...(p.trainLoss !== null
      ? [
          {
            panel: 'training loss',
            x: p.trainLoss,
            longCe: p.longCe,
            arch: p.arch,
            alpha: String(p.alpha),
            model: p.cell,
          },
        ]
      : []),
  ]);
  const archs = [...new Set(points.map((p) => p.arch))];
  const alphas = [...new Set(points.map((p) => String(p.alpha)))].sort((a, b) => Number(a) - Number(b));
  return {
    $schema: SCHEMA,
    title: {
      text: `${task}: predictors of long-context cross-entropy`,
      subtitle: 'one point per trained model (every seed) · colour: architecture · shape: α',
    },
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: ['misalignment (SCE)', 'training loss'] } },
    resolve: { scale: { x: 'independent', y: 'shared' } },
    spec: {
      width: 300,
      height: 260,
      mark: { type: 'point', filled: true, size: 60, opacity: 0.8 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'predictor value', scale: { zero: false } },
        y: { field: 'longCe', type: 'quantitative', title: 'long-context CE (nats/token)', scale: { zero: false } },
        color: {
          field: 'arch',
          type: 'nominal',
          title: 'arch',
          sort: archs,
          scale: { scheme: 'tableau10', domain: archs },
          legend,
        },
        shape: { field: 'alpha', type: 'nominal', title: 'α', sort: alphas, scale: { domain: alphas }, legend },
        tooltip: [{ field: 'model' }],
      },
    },
  } as unknown as TopLevelSpec;
}

/** (c) The α sweep of one task: mean longCe (top) and idCe (bottom) against α per family, t intervals as error bars. */
export function sweepSpec(task: string, points: readonly SweepPoint[]): TopLevelSpec {
  const lines = [...new Set(points.map((p) => p.line))];
  const families = [...new Set(points.map((p) => p.family))];
  const values = points.map((p) => ({
    ...p,
    measure: p.measure === 'longCe' ? 'long-context CE' : 'in-distribution CE',
    lo: p.lo ?? p.mean,
    hi: p.hi ?? p.mean,
  }));
  const x = { field: 'alpha', type: 'quantitative' as const, title: 'α' };
  const color = {
    field: 'line',
    type: 'nominal' as const,
    title: 'setting',
    sort: lines,
    scale: { scheme: 'tableau10', domain: lines },
    legend,
  };
  return {
    $schema: SCHEMA,
    title: {
      text: `${task}: cross-entropy against α`,
      subtitle: 'point: mean over seeds · bar: t-based 95% interval · α = 0 starts every line of its family',
    },
    config: CONFIG,
    data: { values },
    facet: {
      row: { field: 'measure', type: 'nominal', title: null, sort: ['long-context CE', 'in-distribution CE'] },
      column: { field: 'family', type: 'nominal', title: null, sort: families },
    },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 180,
      height: 160,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y: { field: 'mean', type: 'quantitative', title: 'CE (nats/token)', scale: { zero: false } },
            color,
          },
        },
        {
          mark: { type: 'errorbar', ticks: true },
          encoding: {
            x,
            y: { field: 'lo', type: 'quantitative', title: 'CE (nats/token)' },
            y2: { field: 'hi' },
            color,
          },
        },
      ],
    },
  } as unknown as TopLevelSpec;
}
