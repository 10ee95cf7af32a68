/** The report's parts one by one: statistics, ordering, encodings, fits and table formats. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mean, sampleStandardDeviation } from 'simple-statistics';
import type { InputArtifact } from '../../src/stage-api.js';
import { configurationOf } from '../../stages/analysis/configuration.js';
import type { Table } from '../../stages/analysis/document.js';
import { fitLine, isLogScale, scatterEncodings } from '../../stages/analysis/plots.js';
import { parseRow } from '../../stages/analysis/rows.js';
import { summarize, summarizeLog, tCritical } from '../../stages/analysis/summary.js';
import { latex, toCsv, toLatex } from '../../stages/analysis/table-formats.js';
import { sortVariants } from '../../stages/analysis/variants.js';

const close = (a: number, b: number, tol = 1e-9): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('summaries over seeds', () => {
  it('t quantiles match the published table (two-sided 95%)', () => {
    // Student's t table: t_{0.975} for 1, 2, 4 and 29 degrees of freedom.
    close(tCritical(2), 12.706, 1e-4);
    close(tCritical(3), 4.303, 1e-3);
    close(tCritical(5), 2.776, 1e-3);
    close(tCritical(30), 2.045, 1e-3);
  });

  it('n, mean, sd and the t interval of three seeds', () => {
    const xs = [0.12, 0.3, 0.21];
    const s = summarize(xs);
    assert.ok(s?.ci);
    assert.equal(s.n, 3);
    close(s.mean, mean(xs));
    close(s.sd as number, sampleStandardDeviation(xs));
    const half = (4.302652729749464 * sampleStandardDeviation(xs)) / Math.sqrt(3);
    close(s.ci[0], mean(xs) - half, 1e-6);
    close(s.ci[1], mean(xs) + half, 1e-6);
  });

  it('one seed has a mean and no spread; none has nothing', () => {
    assert.deepEqual(summarize([2]), { n: 1, mean: 2, sd: null, ci: null });
    assert.equal(summarize([]), null);
  });

  it('the log summary is the geometric mean with an interval symmetric in log space', () => {
    const s = summarizeLog([1e-4, 1e-2, 1]);
    assert.ok(s?.ci);
    close(s.mean, 1e-2);
    close(Math.log10(s.ci[1]) - Math.log10(s.mean), Math.log10(s.mean) - Math.log10(s.ci[0]));
  });
});

describe('variant order', () => {
  const v = (axes: Record<string, string>): { axes: Record<string, string>; variant: string } => ({
    axes,
    variant: JSON.stringify(axes),
  });

  it('mean before length, f from least to most compressive, other axes in first-seen order', () => {
    const input = [
      v({ task: 'length', f: 'inv_sqrt', pe: 'none' }),
      v({ task: 'length', f: 'identity', pe: 'rope' }),
      v({ task: 'length', f: 'log', pe: 'none' }),
      v({ task: 'length', f: 'cube', pe: 'none' }),
      v({ task: 'mean', f: 'identity', pe: 'rope' }),
      v({ task: 'length', f: 'sqrt', pe: 'none' }),
      v({ task: 'length', f: 'identity', pe: 'none' }),
    ];
    const order = sortVariants(input).map((x) => `${x.axes.task}/${x.axes.f}/${x.axes.pe}`);
    assert.deepEqual(order, [
      'mean/identity/rope',
      'length/cube/none',
      'length/identity/none',
      'length/identity/rope',
      'length/sqrt/none',
      'length/log/none',
      'length/inv_sqrt/none',
    ]);
  });
});

describe('scatter encodings', () => {
  const row = (task: string, f: string, pe: string, arch: string): ReturnType<typeof parseRow> =>
    parseRow({ model: `${task}-${f}-${pe}-${arch}`, task, f, pe, arch, axes: { task, f, pe, arch, seed: 0 } });

  it('every axis that varies is encoded by colour, shape or fill', () => {
    const rows = [
      row('mean', 'identity', 'none', 'decoder'),
      row('length', 'identity', 'rope', 'decoder'),
      row('length', 'sqrt', 'alibi', 'decoder'),
      row('length', 'log', 'none', 'decoder'),
    ];
    const enc = scatterEncodings(rows);
    assert.equal(enc.color, 'f');
    const encoded = [enc.color, ...enc.shape, ...(enc.fill ? [enc.fill] : [])].sort();
    assert.deepEqual(encoded, ['f', 'pe', 'task']);
    assert.equal(enc.fill, 'task');
  });

  it('an axis that does not vary is not encoded', () => {
    const enc = scatterEncodings([row('length', 'identity', 'none', 'lstm'), row('length', 'sqrt', 'none', 'gru')]);
    assert.deepEqual(enc, { color: 'f', shape: ['arch'], fill: null });
  });
});

describe('least-squares lines in the plotted space', () => {
  it('on log-log axes the fit is a power law, exact for y = 3 x²', () => {
    const xs = [0.001, 0.01, 0.1, 1];
    assert.ok(isLogScale(xs));
    const line = fitLine(
      xs.map((x) => [x, 3 * x * x] as const),
      true,
    );
    assert.equal(line.length, 2, 'two end points: a straight segment on the page');
    close(line[0]?.x as number, 0.001);
    close(line[0]?.ood as number, 3e-6, 1e-9);
    close(line[1]?.ood as number, 3, 1e-9);
  });

  it('on a linear x axis the fit is exponential, exact for y = 10^(2x + 1)', () => {
    const xs = [0.1, 0.4, 0.9];
    assert.ok(!isLogScale(xs));
    const line = fitLine(
      xs.map((x) => [x, 10 ** (2 * x + 1)] as const),
      false,
    );
    close(line[0]?.ood as number, 10 ** 1.2, 1e-9);
    close(line[1]?.ood as number, 10 ** 2.8, 1e-9);
  });
});

describe('configuration table', () => {
  const a = (
    stage: string,
    cell: string,
    axes: Record<string, string | number>,
    params: Record<string, string | number>,
  ): InputArtifact => ({
    stage,
    cell,
    axes,
    params: { ...params, ...axes },
    dir: '/nonexistent',
    files: [],
  });

  it("each stage's params with their values, axes first, once per cell, defaults marked", () => {
    const entries = configurationOf([
      a('train', 't0', { seed: 0 }, { lr: 0.001, steps: 100 }),
      a('train', 't1', { seed: 1 }, { lr: 0.001 }),
      a('train', 't1', { seed: 1 }, { lr: 0.001 }),
      a('data', 'd0', {}, { trainSamples: 20 }),
    ]);
    assert.deepEqual(
      entries.map((e) => [e.stage, e.param, e.axis, e.values.join('|'), e.cells]),
      [
        ['data', 'trainSamples', false, '20', 1],
        ['train', 'seed', true, '0|1', 2],
        ['train', 'lr', false, '0.001', 2],
        ['train', 'steps', false, '100|(default)', 2],
      ],
    );
  });
});

describe('CSV and LaTeX from one table', () => {
  const table: Table = {
    name: 't',
    columns: ['variant', 'OOD MSE (mean ± sd)', 'note'],
    numeric: [false, true, false],
    rows: [
      ['f=√x · pe=none', '1.2e-3 ± 4e-4', 'says "hi", then, **bold**'],
      ['50% & more_x', '2', 'line\nbreak'],
    ],
  };

  it('CSV quotes fields with commas, quotes or line breaks and ends lines with CRLF', () => {
    assert.equal(
      toCsv(table),
      'variant,OOD MSE (mean ± sd),note\r\n' +
        'f=√x · pe=none,1.2e-3 ± 4e-4,"says ""hi"", then, bold"\r\n' +
        '50% & more_x,2,"line\nbreak"\r\n',
    );
  });

  it("LaTeX is a booktabs tabular with escaped text and the report's symbols in maths mode", () => {
    const tex = toLatex(table, 'A caption with 95% in it');
    const lines = tex.trim().split('\n');
    assert.deepEqual(lines.slice(0, 4), [
      '% A caption with 95% in it',
      '\\begin{tabular}{lrl}',
      '\\toprule',
      'variant & OOD MSE (mean $\\pm$ sd) & note \\\\',
    ]);
    assert.deepEqual(lines.slice(-2), ['\\bottomrule', '\\end{tabular}']);
    assert.ok(lines.includes('\\midrule'));
    assert.ok(lines.includes('50\\% \\& more\\_x & 2 & line break \\\\'), 'a line break in a cell becomes a space');
    assert.equal(latex('f=√x · a^2'), 'f=$\\surd$x $\\cdot$ a\\textasciicircum{}2');
  });
});
