/**
 * Training-loss curves, one figure per task: per variant the geometric mean
 * of the f-space training MSE over seeds against the step, with its t-based
 * 95% interval as a band; one panel per architecture, two to a row.
 */
import type { TopLevelSpec } from 'vega-lite';
import { axisText, CONFIG, SCHEMA, varyingKeys } from './plots.js';
import type { LossCurve } from './training.js';
import { valueText } from '../../src/util/value-text.js';

export function lossSpec(task: string, curves: readonly LossCurve[]): TopLevelSpec {
  const archs = [...new Set(curves.map((c) => valueText(c.axes.arch ?? '')))];
  const facet = archs.length > 1;
  const keys = varyingKeys(curves, ['task', 'seed', ...(facet ? ['arch'] : [])]);
  // Nothing varies within a panel (one variant per architecture): the colour names the architecture.
  const labelOf = (c: LossCurve): string =>
    keys.map((k) => `${k}=${axisText(c, k)}`).join(' · ') || (facet ? `arch=${axisText(c, 'arch')}` : c.label);
  const labels = [...new Set(curves.map(labelOf))];
  const values = curves.flatMap((c) =>
    c.points.map((p) => {
      const [lo, hi] = p.loss.ci ?? [p.loss.mean, p.loss.mean];
      return { arch: valueText(c.axes.arch ?? ''), label: labelOf(c), step: p.step, loss: p.loss.mean, lo, hi };
    }),
  );
  const x = { field: 'step', type: 'quantitative' as const, title: 'training step' };
  const y = {
    type: 'quantitative' as const,
    scale: { type: 'log' as const },
    title: 'training MSE in f-space (log scale)',
  };
  const color = {
    field: 'label',
    type: 'nominal' as const,
    title: keys.join(' · ') || 'variant',
    sort: labels,
    scale: { scheme: labels.length <= 10 ? 'tableau10' : 'tableau20', domain: labels },
    // Three columns of at most 240 px labels keep the legend inside the figure's 900 px.
    legend: {
      orient: 'bottom' as const,
      direction: 'horizontal' as const,
      columns: 3,
      symbolType: 'stroke',
      symbolOpacity: 1,
      symbolStrokeWidth: 3,
      labelLimit: 240,
    },
  };
  const layer = [
    {
      mark: { type: 'area' as const, opacity: 0.15 },
      encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
    },
    { mark: { type: 'line' as const, strokeWidth: 1.5 }, encoding: { x, y: { ...y, field: 'loss' }, color } },
  ];
  const title = {
    text: `${task.charAt(0).toUpperCase()}${task.slice(1)} task: training loss`,
    subtitle: 'line: geometric mean over seeds · band: t-based 95% interval',
  };
  if (!facet) return { $schema: SCHEMA, title, config: CONFIG, data: { values }, width: 560, height: 280, layer };
  return {
    $schema: SCHEMA,
    title,
    config: CONFIG,
    data: { values },
    facet: { field: 'arch', type: 'nominal', title: 'architecture', sort: archs },
    columns: 2,
    spec: { width: 340, height: 220, layer },
  };
}
