import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JsonObject } from '../../src/stage-api.js';
import correlateKind from '../../stages/correlate.js';
import { buildRow } from '../../stages/analysis/rows.js';
import { parseEval } from '../../stages/analysis/variants.js';
import { runReport } from '../../stages/report.js';
import { runRow } from '../../stages/row.js';
import { artifact, context, modelCells, paperLikeStudy, workspace, type Workspace } from './fixtures.js';
import { runStudy, type StudyRun } from './pipeline.js';

const readJson = async (dir: string, file: string): Promise<JsonObject> =>
  JSON.parse(await readFile(join(dir, file), 'utf8')) as JsonObject;

describe('row and correlate stages', () => {
  let ws: Workspace;
  before(async () => (ws = await workspace()));
  after(async () => ws.dispose());

  it('row.json carries identity, loss, misalignment and errors of one model', async () => {
    const [m] = paperLikeStudy(1);
    assert.ok(m);
    const cells = await modelCells(ws, m);
    const run = await context(ws, 'row', cells, {}, m.axes);
    await runRow(run.ctx);
    const row = await readJson(run.ctx.outDir, 'row.json');
    assert.equal(row.task, 'mean');
    assert.equal(row.pe, 'nope');
    assert.equal(row.seed, 0);
    assert.equal(row.finalLoss, m.finalLoss);
    assert.equal(row.misalignment, m.misalignment);
    assert.equal(row.misalignmentRaw, m.misalignment * 3);
    assert.equal(row.variant, 'arch=gpt,f=identity,pe=nope,task=mean');
    assert.equal(typeof row.oodMse, 'number');
  });

  it('a row and its evaluation share a variant key when task and f are params, not axes', async () => {
    const axes = { pe: 'none', seed: 1 };
    const model = await artifact(ws, 'train', axes, {
      'model.json': { task: 'length', f: 'sqrt', arch: 'decoder', config: { pe: 'none' } },
    });
    const evalJson = { perLength: [], summary: { task: 'length', f: 'sqrt', oodMse: 2 } };
    const evaluation = await artifact(ws, 'evaluate', axes, { 'eval.json': evalJson });
    const row = buildRow({
      model,
      modelJson: { task: 'length', f: 'sqrt', arch: 'decoder' },
      trainJson: {},
      evalJson,
      misalignmentJson: {},
    });
    const record = parseEval(evaluation, evalJson);
    assert.equal(row.variant, 'f=sqrt,pe=none,task=length');
    assert.equal(record.variant, row.variant);
    assert.equal(row.arch, 'decoder');
  });

  it('a missing file names the cell and the file', async () => {
    const model = await artifact(ws, 'train', { seed: 0 }, { 'model.json': {} });
    const run = await context(ws, 'row', { model, eval: model, misalignment: model });
    await assert.rejects(runRow(run.ctx), /train\[seed=0\] has no train\.json/);
  });

  it('correlate ranks misalignment above training loss on the constructed study, per group too', async () => {
    const study = await runStudy(ws, paperLikeStudy(2));
    const c = await readJson(study.correlation.dir, 'correlation.json');
    const stat = (p: string, m: string): { value: number; ci: [number, number]; p: number } =>
      (c[p] as Record<string, { value: number; ci: [number, number]; p: number }>)[m] as {
        value: number;
        ci: [number, number];
        p: number;
      };
    assert.equal(c.n, 56);
    for (const m of ['pearson', 'spearman', 'kendall']) {
      const mis = stat('misalignment', m);
      assert.ok(Math.abs(mis.value) > Math.abs(stat('trainLoss', m).value), m);
      assert.ok(mis.ci[0] <= mis.value && mis.value <= mis.ci[1]);
      assert.ok(mis.p > 0 && mis.p < 0.01);
    }
    const groups = c.groups as { by: string; value: string }[];
    assert.deepEqual(
      groups.map((g) => `${g.by}=${g.value}`),
      ['task=length', 'task=mean', 'arch=gpt', 'arch=mlp'],
    );
  });

  it('rows lacking a number are left out with a reason, not guessed', async () => {
    const good = paperLikeStudy(1).slice(0, 4);
    const rows = [];
    for (const m of good) {
      const cells = await modelCells(ws, m);
      const run = await context(ws, 'row', cells, {}, m.axes);
      await runRow(run.ctx);
      rows.push(await artifact(ws, 'row', m.axes, { 'row.json': await readJson(run.ctx.outDir, 'row.json') }));
    }
    rows.push(await artifact(ws, 'row', { seed: 9 }, { 'row.json': { model: 'train[seed=9]', finalLoss: 1 } }));
    const run = await context(ws, 'correlate', { rows }, { bootstrap: 50, permutations: 50 });
    await correlateKind.run(run.ctx);
    const c = await readJson(run.ctx.outDir, 'correlation.json');
    assert.equal(c.n, 4);
    assert.deepEqual(c.excluded, [{ model: 'train[seed=9]', reason: 'no misalignment.excess' }]);
  });
});

describe('report stage', () => {
  let ws: Workspace;
  let study: StudyRun;
  before(async () => {
    ws = await workspace();
    study = await runStudy(ws, paperLikeStudy(2));
  });
  after(async () => ws.dispose());

  it('writes the Markdown, HTML, JSON and every plot', async () => {
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir(study.reportDir, { recursive: true })).map(String).sort();
    for (const f of [
      'report.md',
      'report.html',
      'report.json',
      'plots/curves-mean.svg',
      'plots/curves-length.svg',
      'plots/ood-by-variant.svg',
      'plots/scatter-misalignment.svg',
      'plots/scatter-trainloss.svg',
      'plots/curves-mean.vl.json',
      'plots/loss-mean.svg',
      'plots/loss-length.svg',
      ...['paper-vs-ours', 'variants', 'configuration', 'correlation', 'correlation-groups', 'models'].flatMap((t) => [
        `tables/${t}.csv`,
        `tables/${t}.tex`,
      ]),
    ]) {
      assert.ok(files.includes(f), `missing ${f} in ${files.join(', ')}`);
    }
    assert.deepEqual(
      study.reportLogs.filter((l) => l.startsWith('warning')),
      [],
      'vega-lite/vega warnings',
    );
    const svg = await readFile(join(study.reportDir, 'plots/curves-length.svg'), 'utf8');
    assert.match(svg, /^<svg/);
    assert.match(svg, /constant predictor/);
    assert.match(svg, /training lengths/);
  });

  it('tables carry n, mean ± sd and a t interval; the configuration, provenance and paper sections are there', async () => {
    const md = await readFile(join(study.reportDir, 'report.md'), 'utf8');
    for (const heading of ['Paper vs ours', 'Length generalization', 'Training', 'Configuration', 'Provenance'])
      assert.match(md, new RegExp(`^## ${heading}$`, 'm'));
    // NoPE on the mean task, gpt: OOD MSE 1e-5 x (1, 1.1) over two seeds.
    const line = md.split('\n').find((l) => l.startsWith('| mean | pe=nope · arch=gpt |'));
    assert.ok(line, md);
    const [, , n, , ood, ci] = line.split(' | ');
    assert.equal(n, '2');
    assert.equal(ood, '1.05e-5 ± 7.1e-7');
    // Geometric mean sqrt(1.1) x 1e-5; on log10: sd 0.0293, t_{0.975,1} = 12.706, half width 0.263.
    assert.equal(ci, '1.05e-5 [5.72e-6, 1.92e-5]');
    const csv = await readFile(join(study.reportDir, 'tables/variants.csv'), 'utf8');
    assert.ok(
      csv.includes('mean,pe=nope · arch=gpt,2,1.05e-5 ± 7.1e-7,1.05e-5 ± 7.1e-7,"1.05e-5 [5.72e-6, 1.92e-5]",'),
      csv,
    );
    assert.match(md, /TF\.js backend\*\*: cpu; \*\*TF\.js version\*\*: 4\.22\.0/);
    assert.match(md, /\| lr \| no \| 0\.001 \| train \| 56 \|/);
    assert.match(md, /\| seed \| yes \| 0, 1 \| train, evaluate \| 56 \/ 56 \|/);
    assert.match(md, /The matrix varies .*seed \(0, 1\)/);
    assert.match(md, /\| mean task, NoPE: test MSE up to length 50 \| ≈ 1e-5 \|/);
    assert.doesNotMatch(md, /min.max/);
  });

  it("each figure has its own caption: the length task's is not the mean task's", async () => {
    const md = await readFile(join(study.reportDir, 'report.md'), 'utf8');
    const captions = [...md.matchAll(/^!\[[^\]]*\]\(plots\/([^)]+)\)\n\n\*(.+)\*$/gm)].map(
      (m) => [m[1] ?? '', m[2] ?? ''] as const,
    );
    assert.equal(captions.length, 7);
    assert.equal(new Set(captions.map(([, c]) => c)).size, 7, 'no two figures share a caption');
    const of = (file: string): string => captions.find(([f]) => f === file)?.[1] ?? '';
    assert.match(of('curves-mean.svg'), /^Mean task: .*0\.25\/L/);
    assert.match(of('curves-length.svg'), /^Length task: .*original length space/);
    for (const [, c] of captions)
      if (!/OOD error per variant|Mean MSE over/.test(c)) assert.match(c, /95%|least-squares/);
  });

  it("every figure fits 900 px, also with one variant per architecture (the architecture ablation's shape)", async () => {
    const ws2 = await workspace();
    try {
      const archs = ['decoder', 'encoder-decoder-transformer', 'lstm-recurrent-network', 'gru-recurrent-network'];
      const models = paperLikeStudy(2)
        .filter((m) => m.axes.arch === 'gpt' && m.axes.pe === 'nope' && ['identity', 'sqrt'].includes(m.axes.f))
        .flatMap((m) => archs.map((arch) => ({ ...m, axes: { ...m.axes, arch } })));
      const run = await runStudy(ws2, models, { bootstrap: 50, permutations: 50 });
      const { readdir } = await import('node:fs/promises');
      const svgs = (await readdir(join(run.reportDir, 'plots'))).filter((f) => f.endsWith('.svg'));
      assert.equal(svgs.length, 7);
      for (const f of svgs) {
        const head = (await readFile(join(run.reportDir, 'plots', f), 'utf8')).slice(0, 300);
        const width = Number(/width="([\d.]+)"/.exec(head)?.[1]);
        assert.ok(width > 200 && width <= 900, `${f} is ${width} px wide`);
      }
    } finally {
      await ws2.dispose();
    }
  });

  it('report.json has the correlation of both predictors with value, interval and p, and the rows', async () => {
    const r = await readJson(study.reportDir, 'report.json');
    const corr = r.correlation as Record<string, Record<string, { value: number; ci: number[]; p: number }>>;
    for (const predictor of ['misalignment', 'trainLoss']) {
      for (const m of ['pearson', 'spearman', 'kendall']) {
        const s = corr[predictor]?.[m];
        assert.ok(
          s && typeof s.value === 'number' && s.ci.length === 2 && typeof s.p === 'number',
          `${predictor}.${m}`,
        );
      }
    }
    assert.equal((r.rows as unknown[]).length, 56);
  });

  it('findings follow the numbers', async () => {
    const r = await readJson(study.reportDir, 'report.json');
    const findings = r.findings as { claim: string; holds: boolean }[];
    const find = (re: RegExp): { claim: string; holds: boolean }[] => findings.filter((f) => re.test(f.claim));
    // NoPE mean-task error is flat at 1e-5, far below 0.25/L: holds for both architectures.
    const nope = find(/^mean task, .*pe=nope.*constant-predictor baseline/);
    assert.equal(nope.length, 2);
    assert.ok(nope.every((f) => f.holds));
    // Compressive targets grow slower than identity (holds); expansive ones faster, so "does worse" holds too.
    const compressive = find(/each of √x, log x, 1\/√x beats x/);
    assert.equal(compressive.length, 4);
    assert.ok(compressive.every((f) => f.holds));
    const expansive = find(/each of x², x³ does worse than x/);
    assert.equal(expansive.length, 4);
    assert.ok(expansive.every((f) => f.holds));
    const vsLoss = find(
      /^all 56 models in \d+ variants: \|Pearson r\| of excess misalignment \(scaled by Var f\(l\)\) above/,
    );
    assert.equal(vsLoss.length, 1);
    assert.ok(vsLoss[0]?.holds);
    const md = await readFile(join(study.reportDir, 'report.md'), 'utf8');
    assert.match(md, /## Findings/);
    assert.match(md, /!\[.*\]\(plots\/curves-mean\.svg\)/);
  });

  it('a finding turns to "no" when the numbers say so, and is omitted when its variants are absent', async () => {
    const ws2 = await workspace();
    try {
      // sqrt made worse than identity; no NoPE and no expansive targets at all.
      const models = paperLikeStudy(1)
        .filter((m) => m.axes.arch === 'gpt' && m.axes.pe === 'rope' && !['square', 'cube'].includes(m.axes.f))
        .map((m) => (m.axes.f === 'sqrt' ? { ...m, mse: (l: number) => 100 * l * l } : m));
      const run = await runStudy(ws2, models, { bootstrap: 50, permutations: 50 });
      const r = await readJson(run.reportDir, 'report.json');
      const findings = r.findings as { claim: string; holds: boolean }[];
      const compressive = findings.filter((f) => /each of √x, log x, 1\/√x beats x/.test(f.claim));
      assert.equal(compressive.length, 1);
      assert.equal(compressive[0]?.holds, false);
      assert.ok(!findings.some((f) => /pe=nope/.test(f.claim)));
      assert.ok(!findings.some((f) => /x²/.test(f.claim)));
    } finally {
      await ws2.dispose();
    }
  });

  it('reports from evaluations alone: curves and baseline findings, no correlation', async () => {
    const ws2 = await workspace();
    try {
      const evals = [];
      for (const m of paperLikeStudy(1).filter((m) => m.axes.arch === 'gpt'))
        evals.push((await modelCells(ws2, m)).eval);
      const run = await context(ws2, 'report', { evals });
      await runReport(run.ctx);
      const files = await run.outputs();
      assert.ok(files.includes('plots/curves-length.svg') && files.includes('plots/ood-by-variant.svg'));
      assert.ok(!files.includes('plots/scatter-misalignment.svg'));
      const r = await readJson(run.ctx.outDir, 'report.json');
      assert.equal(r.correlation, null);
      const findings = r.findings as { section: string }[];
      assert.ok(findings.some((f) => f.section === 'Mean task'));
      assert.ok(!findings.some((f) => f.section === 'Misalignment as a predictor'));
    } finally {
      await ws2.dispose();
    }
  });

  it('refuses to report nothing', async () => {
    const run = await context(ws, 'report', { evals: [] });
    await assert.rejects(runReport(run.ctx), /nothing to report/);
  });
});
