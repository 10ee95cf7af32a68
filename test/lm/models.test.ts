import test from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../stages/ml/backend.js';
import { readTensor } from '../../stages/ml/ops.js';
import { Rng } from '../../stages/ml/prng.js';
import { oneHotRows } from '../../stages/lm/loss.js';
import { crossMask } from '../../stages/lm/models/encdec.js';
import { buildLm, type LmConfig, type LmModel } from '../../stages/lm/models/index.js';

const VOCAB = 6;
const MODELS: Array<Pick<LmConfig, 'arch' | 'pe'>> = [
  ...(['none', 'learned', 'sinusoidal', 'rope', 'alibi'] as const).map((pe) => ({ arch: 'decoder' as const, pe })),
  ...(['none', 'learned', 'rope', 'alibi'] as const).map((pe) => ({ arch: 'encdec' as const, pe })),
  { arch: 'lstm', pe: 'none' },
  { arch: 'gru', pe: 'none' },
];

function config(m: Pick<LmConfig, 'arch' | 'pe'>, layers = 2): LmConfig {
  return { ...m, layers, dModel: 8, heads: 2, dFF: 16, hidden: 8, activation: 'relu', maxLen: 16, vocab: VOCAB };
}

/** Initial weights plus noise, so every path carries signal. */
function noisyParams(model: LmModel, seed: number): Float32Array {
  const rng = new Rng(seed);
  const p = model.layout.initialise(rng);
  for (let i = 0; i < p.length; i++) p[i] = p[i]! + 0.3 * rng.normal();
  return p;
}

function logits(model: LmModel, params: Float32Array, tokens: number[], batch: number): Float32Array {
  const length = tokens.length / batch;
  return readTensor(() =>
    model.forward(model.layout.named(model.layout.tensors(params)), {
      batch,
      length,
      onehot: oneHotRows(tokens, VOCAB),
    }),
  );
}

test('every arch and PE gives [batch*length, vocab] finite logits, batch-major', async () => {
  await initBackend('wasm');
  const rng = new Rng(1);
  for (const m of MODELS) {
    const model = buildLm(config(m));
    const params = noisyParams(model, 2);
    for (const length of [1, 5, 8]) {
      const rows = Array.from({ length: 3 * length }, () => rng.int(VOCAB));
      const out = logits(model, params, rows, 3);
      assert.equal(out.length, 3 * length * VOCAB, `${m.arch}/${m.pe} length ${length}`);
      assert.ok(out.every(Number.isFinite), `${m.arch}/${m.pe} finite`);
      // Batch-major: sequence 1 alone gives the rows of sequence 1 in the batch.
      const alone = logits(model, params, rows.slice(length, 2 * length), 1);
      const inBatch = out.subarray(length * VOCAB, 2 * length * VOCAB);
      for (let i = 0; i < alone.length; i++)
        assert.ok(Math.abs(alone[i]! - inBatch[i]!) < 1e-4, `${m.arch}/${m.pe} row order`);
    }
    model.dispose();
  }
});

test('no future leak: changing tokens after t leaves logits at positions <= t unchanged', async () => {
  await initBackend('wasm');
  const rng = new Rng(3);
  const length = 9;
  for (const m of MODELS) {
    const model = buildLm(config(m));
    const params = noisyParams(model, 4);
    const base = Array.from({ length }, () => rng.int(VOCAB));
    const ref = logits(model, params, base, 1);
    for (let t = 0; t + 1 < length; t++) {
      const changed = base.map((x, i) => (i > t ? (x + 1 + rng.int(VOCAB - 1)) % VOCAB : x));
      const out = logits(model, params, changed, 1);
      for (let i = 0; i <= t * VOCAB + VOCAB - 1; i++) {
        assert.ok(
          Math.abs(out[i]! - ref[i]!) < 1e-5,
          `${m.arch}/${m.pe}: position ${Math.floor(i / VOCAB)} changed with tokens after ${t}`,
        );
      }
      // The test could fail: position t+1 does see its own changed token.
      let moved = 0;
      for (let v = 0; v < VOCAB; v++)
        moved = Math.max(moved, Math.abs(out[(t + 1) * VOCAB + v]! - ref[(t + 1) * VOCAB + v]!));
      assert.ok(moved > 1e-4, `${m.arch}/${m.pe}: position ${t + 1} ignores its own token`);
    }
    model.dispose();
  }
});

test('encdec cross mask: the null slot always, the encoder from position P-1 on', () => {
  // length 5, P = 2: positions 0 see only slot 0; positions 1..4 see all 3 slots.
  const m = crossMask(5, 2);
  const rows = Array.from({ length: 5 }, (_, t) => [...m.subarray(t * 3, t * 3 + 3)].map((x) => (x === 0 ? 1 : 0)));
  assert.deepEqual(rows, [
    [1, 0, 0],
    [1, 1, 1],
    [1, 1, 1],
    [1, 1, 1],
    [1, 1, 1],
  ]);
});

test('the encdec decoder reads the encoder output exactly from position P-1 on', async () => {
  await initBackend('wasm');
  const model = buildLm(config({ arch: 'encdec', pe: 'none' }));
  const params = noisyParams(model, 5);
  // Shift the encoder's final LayerNorm bias: every encoder output moves, nothing else does.
  const moved = params.slice();
  const e = model.layout.entry('lne.b');
  for (let i = e.offset; i < e.offset + e.size; i++) moved[i] = moved[i]! + 0.5;
  const tokens = [1, 2, 3, 4, 0, 5, 1, 2]; // length 8, P = 4
  const a = logits(model, params, tokens, 1);
  const b = logits(model, moved, tokens, 1);
  for (let t = 0; t < 8; t++) {
    let diff = 0;
    for (let v = 0; v < VOCAB; v++) diff = Math.max(diff, Math.abs(a[t * VOCAB + v]! - b[t * VOCAB + v]!));
    if (t < 3) assert.ok(diff < 1e-6, `position ${t} < P-1 must not read the encoder (moved ${diff})`);
    else assert.ok(diff > 1e-4, `position ${t} >= P-1 reads the encoder`);
  }
  model.dispose();
});

test('a learned PE table rejects inputs longer than maxLen with a clear message', async () => {
  await initBackend('wasm');
  for (const arch of ['decoder', 'encdec'] as const) {
    const model = buildLm({ ...config({ arch, pe: 'learned' }), maxLen: 6 });
    const params = noisyParams(model, 1);
    assert.equal(logits(model, params, [0, 1, 2, 3, 4, 5], 1).length, 6 * VOCAB);
    assert.throws(
      () => logits(model, params, [0, 1, 2, 3, 4, 5, 0], 1),
      /Input of 7 positions exceeds the learned PE table \(maxLen 6\)/,
    );
    model.dispose();
  }
});

test('bad configs name the offending field', () => {
  assert.throws(
    () => buildLm({ ...config({ arch: 'decoder', pe: 'none' }), heads: 3 }),
    /dModel \(8\) must be a multiple of heads \(3\)/,
  );
  assert.throws(
    () => buildLm({ ...config({ arch: 'decoder', pe: 'none' }), vocab: 300 }),
    /vocab must be an integer in 2..128/,
  );
  assert.throws(
    () => buildLm({ ...config({ arch: 'decoder', pe: 'none' }), arch: 'mlp' as never }),
    /Unknown arch 'mlp'/,
  );
});
