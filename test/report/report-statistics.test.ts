/**
 * The report's statistics: the correlation section shows every predictor at
 * both levels with the cluster intervals, the within-variant test says its
 * verdict in words, report.json carries all of it, variant comparisons rest
 * on a seed-level test, and the models table flags what went wrong.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReport } from '../../stages/analysis/build-report.js';
import { correlateRows, type CorrelationResult } from '../../stages/analysis/correlate-rows.js';
import type { Block, Table } from '../../stages/analysis/document.js';
import { computeFindings } from '../../stages/analysis/findings.js';
import { toMarkdown } from '../../stages/analysis/markdown.js';
import { paperTable } from '../../stages/analysis/paper.js';
import { modelsTable } from '../../stages/analysis/report/models-table.js';
import { welchTest } from '../../stages/analysis/report/seed-test.js';
import { variantKey, type ModelRow } from '../../stages/analysis/rows.js';
import { groupVariants, type Variant } from '../../stages/analysis/variants.js';
import { row } from './fixtures.js';

const u = { bootstrap: 100, permutations: 100, seed: 3, level: 0.95 };

/** Five variants of three seeds; within each, the excess misalignment tracks the error. */
function study(): ModelRow[] {
  const rows: ModelRow[] = [];
  for (let v = 0; v < 5; v++) {
    for (let seed = 0; seed < 3; seed++) {
      const wobble = Math.sin(5 * v + 2 * seed);
      rows.push(
        row(`v${v}`, seed, {
          misalignment: 0.01 * (v + 1) + 0.002 * wobble,
          misalignmentMeasured: 0.1 * (v + 1),
          misalignmentTarget: 0.1 * v + 0.05,
          misalignmentRaw: v + 1 + wobble,
          misalignmentOutputNorm: 0.3 + 0.01 * v + 0.004 * wobble,
          finalLoss: 0.01 * (1.5 + Math.cos(3 * v * seed)),
          finalLossNorm: 10 ** (-3 + 0.1 * Math.cos(7 * v + seed)),
          oodMse: 10 ** (v + 0.5 * wobble),
        }),
      );
    }
  }
  return rows;
}

const correlate = (rows: ModelRow[]): CorrelationResult =>
  correlateRows(rows, { measure: 'excess', lossMeasure: 'normLog10', groupBy: [], uncertainty: u });

function tables(blocks: Block[]): { table: Table; caption?: string }[] {
  return blocks.flatMap((b) => (b.kind === 'table' ? [{ table: b.table, caption: b.caption }] : []));
}

describe("Welch t-test of two variants' seeds", () => {
  it('matches scipy.stats.ttest_ind(equal_var=False), on log10 when every value is positive', () => {
    const t = welchTest([500, 540, 560], [470, 480, 476]);
    assert.equal(t.log, true);
    assert.ok(Math.abs((t.t ?? 0) - 3.358298467444317) < 1e-9, `t ${t.t}`);
    assert.ok(Math.abs((t.df ?? 0) - 2.13408900499819) < 1e-9, `df ${t.df}`);
    assert.ok(Math.abs((t.p ?? 0) - 0.07164665913347075) < 1e-6, `p ${t.p}`);
    assert.equal(t.outcome, 'cannot-tell');
    const raw = welchTest([-1, 0.5, 2, 2.5], [3, 5, 7, 9, 11]);
    assert.equal(raw.log, false);
    assert.ok(Math.abs((raw.p ?? 0) - 0.009764133451185692) < 1e-6, `p ${raw.p}`);
    assert.equal(raw.outcome, 'lower');
    assert.equal(welchTest([3, 5, 7, 9, 11], [-1, 0.5, 2, 2.5]).outcome, 'higher');
  });

  it('one seed or no spread at all cannot tell', () => {
    assert.equal(welchTest([1], [2, 3, 4]).p, null);
    assert.equal(welchTest([1], [2, 3, 4]).outcome, 'cannot-tell');
    assert.equal(welchTest([2, 2], [3, 3]).outcome, 'cannot-tell');
  });
});

describe('correlation section', () => {
  const rows = study();
  const c = correlate(rows);

  it('one table: every predictor at model and variant level, each cell "r [CI], p", caption with counts and resampling', async () => {
    const built = await buildReport({ variants: [], rows, correlation: c });
    const section = built.doc.sections.find((s) => s.title.startsWith('Misalignment as a predictor'));
    assert.ok(section);
    const main = tables(section.blocks).find((t) => t.table.name === 'correlation');
    assert.ok(main);
    assert.equal(main.table.rows.length, 2 * c.predictors.length);
    assert.deepEqual(main.table.columns.slice(2), ['Pearson r', 'Spearman ρ', 'Kendall τ-b']);
    for (const r of main.table.rows)
      for (const cell of r.slice(2))
        assert.match(cell, /^-?[\d.e-]+ \[-?[\d.e-]+, -?[\d.e-]+\], p (< )?[\d.e-]+$/, `${r[0]}, ${r[1]}`);
    const excess = main.table.rows.filter((r) => r[0] === 'excess misalignment (scaled by Var f(l)) (headline)');
    assert.deepEqual(
      excess.map((r) => r[1]),
      ['models (15)', 'variant means (5)'],
    );
    assert.ok(excess[0]?.[2]?.startsWith(`${Number(c.misalignment.pearson.value?.toPrecision(3))} `));
    assert.ok(excess[1]?.[2]?.startsWith(`${Number(c.variantLevel.misalignment.pearson.value?.toPrecision(3))} `));
    assert.match(main.caption ?? '', /15 models in 5 variants/);
    assert.match(main.caption ?? '', /resample whole variants \(cluster bootstrap, 100 resamples\)/);
    assert.match(main.caption ?? '', /permute outcomes between variants \(100 permutations\)/);
  });

  it('a within-variant table per variant and pooled, with the verdict in words', async () => {
    const built = await buildReport({ variants: [], rows, correlation: c });
    const section = built.doc.sections.find((s) => s.title.startsWith('Misalignment as a predictor'));
    const within = tables(section?.blocks ?? []).find((t) => t.table.name === 'correlation-within');
    assert.ok(within);
    assert.equal(within.table.rows.length, 5 + 1);
    assert.match(within.table.rows[5]?.[0] ?? '', /^pooled/);
    const md = toMarkdown(built.doc);
    const verdict = c.withinVariant.pooled.verdict.pearson;
    const words = {
      misalignment: 'misalignment tracks the error more closely',
      trainLoss: 'training loss tracks the error more closely',
      undecided: 'undecided',
    }[verdict];
    assert.match(md, new RegExp(`\\*\\*Pearson r\\*\\*, pooled: .*${words}`));
  });

  it('report.json carries every predictor, the variant level and the within-variant result; the headline keys keep their shape', async () => {
    const built = await buildReport({ variants: [], rows, correlation: c });
    const j = built.json.correlation as Record<string, unknown>;
    assert.deepEqual(j.misalignment, c.misalignment);
    assert.deepEqual(j.trainLoss, c.trainLoss);
    assert.deepEqual(j.variantLevel, c.variantLevel);
    assert.deepEqual(j.withinVariant, c.withinVariant);
    const keys = (j.predictors as { key: string }[]).map((p) => p.key);
    for (const k of [
      'misalignment.raw',
      'misalignment.excess',
      'misalignment.measured',
      'misalignment.target',
      'misalignment.outputNorm',
      'trainLoss.raw',
      'trainLoss.normLog10',
    ])
      assert.ok(keys.includes(k), k);
    assert.equal(j.nVariants, 5);
  });

  it('the paper table gives our model- and variant-level |r| beside 0.85 and 0.62, and the within-variant result', () => {
    const t = paperTable([], c);
    assert.ok(t);
    const mis = t.rows.find((r) => r[1] === '0.85');
    const loss = t.rows.find((r) => r[1] === '0.62');
    const abs3 = (v: number | null): string => String(Number(Math.abs(v ?? 0).toPrecision(3)));
    assert.equal(
      mis?.[3],
      `${abs3(c.misalignment.pearson.value)} (models) · ${abs3(c.variantLevel.misalignment.pearson.value)} (variant means)`,
    );
    assert.equal(
      loss?.[3],
      `${abs3(c.trainLoss.pearson.value)} (models) · ${abs3(c.variantLevel.trainLoss.pearson.value)} (variant means)`,
    );
    assert.ok(t.rows.some((r) => /^within variants/.test(r[0] ?? '')));
  });

  it('correlation findings state the variant level and the within-variant verdict', () => {
    const findings = computeFindings({ variants: [], rows, correlation: c });
    const pearson = findings.find(
      (f) => /\|Pearson r\| of excess misalignment/.test(f.claim) && f.claim.startsWith('all 15'),
    );
    assert.ok(pearson);
    assert.match(pearson.evidence, /over the 5 variant means/);
    assert.match(pearson.evidence, /within variants/);
    const within = findings.find((f) => f.claim.startsWith('within variants'));
    assert.ok(within);
    assert.equal(within.holds, c.withinVariant.pooled.verdict.pearson === 'misalignment');
    assert.equal(within.undecided !== undefined, c.withinVariant.pooled.verdict.pearson === 'undecided');
  });

  it('"higher misalignment, higher error" needs both the interval above 0 and permutation p < 0.05', () => {
    const claim = (p: number): boolean | undefined => {
      const pearson = { ...c.misalignment.pearson, value: 0.3, ci: [0.1, 0.5] as [number, number], p };
      const changed = { ...c, misalignment: { ...c.misalignment, pearson } };
      return computeFindings({ variants: [], rows, correlation: changed }).find((f) =>
        /goes with higher OOD error/.test(f.claim),
      )?.holds;
    };
    assert.equal(claim(0.22), false);
    assert.equal(claim(0.01), true);
  });
});

describe('models table', () => {
  it('shows excess, measured, target and output-normalized misalignment and the normalized loss; flags ID failures and clamped outputs', () => {
    const t = modelsTable([
      row('a', 0, {
        misalignment: 0.012,
        misalignmentMeasured: 0.5,
        misalignmentTarget: 0.49,
        misalignmentOutputNorm: 0.7,
        finalLossNorm: 0.0021,
        idFailure: true,
        clamped: 7,
      }),
      row('a', 1, {}),
    ]);
    assert.deepEqual(t.columns.slice(2, 7), [
      'training loss (normalized)',
      'excess misalignment',
      'measured',
      'target',
      'output-normalized',
    ]);
    assert.deepEqual(t.rows[0]?.slice(2, 7), ['0.0021', '0.012 ± 0', '0.5', '0.49', '0.7 ± 0']);
    assert.equal(t.rows[0].at(-1), '⚠ ID failure; 7 outputs clamped');
    assert.equal(t.rows[1]?.at(-1), '–');
  });
  it('lists models in design order: task, f from least to most compressive, then seed', () => {
    const m = (task: string, f: string, seed: number): ModelRow => ({
      ...row(f, seed, {}),
      model: `train[f=${f},seed=${seed},task=${task}]`,
      task,
      f,
      axes: { task, f, seed },
    });
    const t = modelsTable([
      m('length', 'sqrt', 1),
      m('length', 'identity', 0),
      m('mean', 'identity', 2),
      m('length', 'log', 0),
      m('length', 'sqrt', 0),
      m('length', 'cube', 0),
    ]);
    assert.deepEqual(
      t.rows.map((r) => `${r[0]}:${r[1]}`),
      [
        'task=mean · f=identity:2',
        'task=length · f=cube:0',
        'task=length · f=identity:0',
        'task=length · f=sqrt:0',
        'task=length · f=sqrt:1',
        'task=length · f=log:0',
      ],
    );
  });

  it('follows the variants table where it is given, so the matrix order of other axes holds whatever order rows arrive in', () => {
    const m = (pe: string, seed: number): ModelRow => ({
      ...row(pe, seed, {}),
      model: `train[pe=${pe},seed=${seed}]`,
      variant: `pe=${pe}`,
      axes: { pe, seed },
    });
    const t = modelsTable(
      [m('alibi', 0), m('learned', 1), m('none', 0), m('learned', 0)],
      ['pe=none', 'pe=learned', 'pe=alibi'],
    );
    assert.deepEqual(
      t.rows.map((r) => `${r[0]}:${r[1]}`),
      ['pe=none:0', 'pe=learned:0', 'pe=learned:1', 'pe=alibi:0'],
    );
  });
});

describe('variant comparisons rest on the seeds', () => {
  const variants = (ood: Record<string, number[]>): Variant[] =>
    groupVariants(
      Object.entries(ood).flatMap(([f, values]) =>
        values.map((oodMse, seed) => {
          const axes = { task: 'length', f, pe: 'none', seed };
          return {
            cell: `evaluate[f=${f},seed=${seed}]`,
            axes,
            variant: variantKey(axes),
            task: 'length',
            seed,
            perLength: [],
            idMse: 0.1,
            oodMse,
            horizon: 10,
            trainLengthMax: 10,
          };
        }),
      ),
    );
  const finding = (ood: Record<string, number[]>) =>
    computeFindings({ variants: variants(ood), rows: [], correlation: null }).find((f) => /√x beats x/.test(f.claim));

  it('a clear difference over three seeds holds', () => {
    const f = finding({ identity: [550, 545, 553], sqrt: [470, 480, 476] });
    assert.equal(f?.holds, true);
    assert.equal(f.undecided, undefined);
    assert.match(f.evidence, /Welch t-test/);
  });

  it('overlapping seeds: lower mean, yet "too few seeds to tell"', () => {
    const f = finding({ identity: [500, 540, 560], sqrt: [470, 480, 476] });
    assert.equal(f?.holds, false);
    assert.equal(f.undecided, 'too few seeds to tell');
  });

  it('a clear difference the wrong way is a plain no', () => {
    const f = finding({ identity: [470, 480, 476], sqrt: [550, 545, 553] });
    assert.equal(f?.holds, false);
    assert.equal(f.undecided, undefined);
  });
});
