/**
 * `ablate show` end to end: small exec stages write metrics.json from their
 * axis values, and the table's numbers are checked against an independent
 * computation.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';
import { parse } from 'csv-parse/sync';
import { LmdbCache } from '../../src/cache/lmdb-cache.js';
import { ablate, runJson, tempProject, writeJson } from './harness.js';

/** score = 10x + seed^2, so the seeds of x give 10x, 10x+1, 10x+4. */
const SCORE =
  'echo "{\\"score\\": $(( {{x}} * 10 + {{seed}} * {{seed}} )), \\"info\\": {\\"half\\": 0.5, \\"x\\": {{x}}}, \\"curve\\": [1, 2]}" > metrics.json';

function pipeline(xs: number[], metrics: unknown = 'metrics.json'): unknown {
  return {
    stages: {
      m: {
        kind: 'exec',
        ...(metrics === undefined ? {} : { metrics }),
        params: { command: SCORE, outputs: ['metrics.json'] },
        matrix: { x: xs, seed: [0, 1, 2] },
      },
    },
  };
}

interface JsonRow {
  axes: Record<string, unknown>;
  cells: number;
  n: number;
  metrics: Record<string, { n: number; mean: number; sd?: number; low?: number; high?: number }>;
}

async function showJson(
  dir: string,
  extra: string[] = [],
): Promise<{ rows: JsonRow[]; missing: string[]; metrics: string[] }> {
  const r = await ablate(dir, ['show', 'p.json', '--format', 'json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { rows: JsonRow[]; missing: string[]; metrics: string[] };
}

/** Student t quantile for 0.975 at 2 degrees of freedom, from printed tables. */
const T_975_2 = 4.302652729749464;

function independent(values: number[]): { mean: number; sd: number; low: number; high: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  const half = (T_975_2 * sd) / Math.sqrt(values.length);
  return { mean, sd, low: mean - half, high: mean + half };
}

test('show aggregates three seeds into the mean, sd and t-interval computed independently', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), pipeline([1, 2]));
  assert.equal((await runJson(dir)).code, 0);
  const cache = LmdbCache.open(join(dir, 'cache'));
  try {
    const records = [...cache.allRecords()];
    assert.equal(records.length, 6);
    for (const r of records)
      assert.equal(
        cache.getMetrics(r.fingerprint)?.values.score !== undefined,
        true,
        `${r.cell}: metrics stored with its record`,
      );
  } finally {
    await cache.close();
  }
  const shown = await showJson(dir);
  assert.deepEqual(
    shown.metrics,
    ['score', 'info.half', 'info.x'],
    'nested numbers get dotted names; arrays are not metrics',
  );
  assert.deepEqual(
    shown.rows.map((r) => r.axes),
    [{ x: 1 }, { x: 2 }],
  );
  for (const row of shown.rows) {
    const x = row.axes.x as number;
    const want = independent([10 * x, 10 * x + 1, 10 * x + 4]);
    const got = row.metrics.score;
    assert.ok(got !== undefined);
    assert.equal(got.n, 3);
    for (const k of ['mean', 'sd', 'low', 'high'] as const)
      assert.ok(Math.abs((got[k] as number) - want[k]) < 1e-6, `${k} of x=${x}: ${got[k]} vs ${want[k]}`);
  }
  const table = await ablate(dir, ['show', 'p.json']);
  assert.match(table.stdout, /^x +n +score/m);
  assert.match(table.stdout, /11\.67 ± 2\.082 \[6\.496, 16\.84\]/, 'the human table prints mean ± sd [interval]');
});

test('show --format csv round-trips through a CSV parser to the JSON numbers', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), pipeline([1, 2, 3]));
  assert.equal((await runJson(dir)).code, 0);
  const json = await showJson(dir);
  const r = await ablate(dir, ['show', 'p.json', '--format', 'csv']);
  assert.equal(r.code, 0, r.stderr);
  const records = parse<Record<string, string>>(r.stdout, { columns: true });
  assert.equal(records.length, json.rows.length);
  records.forEach((rec, i) => {
    const row = json.rows[i] as JsonRow;
    assert.equal(rec.x, String(row.axes.x));
    for (const k of ['mean', 'sd', 'low', 'high'] as const) {
      const col = k === 'low' ? 'ci_low' : k === 'high' ? 'ci_high' : k;
      assert.equal(Number(rec[`score.${col}`]), row.metrics.score?.[k], `score.${col} of row ${i}`);
    }
  });
});

test('show filters, sorts, selects metrics by glob and lists cells without a result', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), pipeline([1, 2]));
  assert.equal((await runJson(dir)).code, 0);
  writeJson(join(dir, 'p.json'), pipeline([1, 2, 3]));
  const sorted = await showJson(dir, ['--sort', 'x:desc', '--metrics', 'info.*']);
  assert.deepEqual(
    sorted.rows.map((r) => r.axes.x),
    [3, 2, 1],
  );
  assert.deepEqual(sorted.metrics, ['info.half', 'info.x']);
  assert.deepEqual(sorted.missing.sort(), ['m[seed=0,x=3]', 'm[seed=1,x=3]', 'm[seed=2,x=3]']);
  assert.equal(sorted.rows[0]?.n, 0, 'the new variant has no result yet');
  const where = await showJson(dir, ['--where', 'x=2', '--cells']);
  assert.deepEqual(
    where.rows.map((r) => r.metrics.score?.mean),
    [20, 21, 24],
  );
  const text = await ablate(dir, ['show', 'p.json']);
  assert.match(text.stdout, /3 cell\(s\) have no result yet/);
  const bad = await ablate(dir, ['show', 'p.json', '--where', 'y=1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--where y=1: no shown stage has an axis "y"/);
  const latex = await ablate(dir, ['show', 'p.json', '--format', 'latex', '--metrics', 'score']);
  assert.match(latex.stdout, /\\toprule\nx & n & score \\\\\n\\midrule\n1 & 3 & 11\.67 \$\\pm\$ 2\.082/);
  // show keeps its answer (cache/plans); running the missing cells must not leave it stale.
  assert.equal((await runJson(dir)).code, 0);
  const after = await showJson(dir, ['--where', 'x=3']);
  assert.deepEqual(after.missing, []);
  assert.ok(Math.abs((after.rows[0]?.metrics.score?.mean ?? 0) - 95 / 3) < 1e-9, 'x=3: mean of 30, 31 and 34');
});

test('declaring metrics later keeps cells cached and reads the metrics from the stored outputs', async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), pipeline([1], undefined));
  assert.equal((await runJson(dir)).code, 0);
  writeJson(join(dir, 'p.json'), pipeline([1], { file: 'metrics.json', keys: { s: 'score' } }));
  const status = await ablate(dir, ['status', 'p.json']);
  assert.match(status.stdout, /^3 cells: 3 cached, 0 to run/, 'metrics are not part of the fingerprint');
  const shown = await showJson(dir);
  assert.equal(shown.rows[0]?.metrics.s?.mean, 35 / 3);
});

test("a metrics file that is not among an exec stage's outputs is an error at its place", async () => {
  const dir = tempProject();
  writeJson(join(dir, 'p.json'), pipeline([1], 'other.json'));
  const r = await ablate(dir, ['validate', 'p.json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /p\.json:\d+:\d+: error: metrics file "other\.json" of stage "m" is not among its outputs/);
});
