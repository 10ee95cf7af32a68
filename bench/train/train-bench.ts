/**
 * Training and inference throughput of the ML stages, per TF.js backend, next
 * to PyTorch on one CPU thread running the same models.
 *
 *   npx tsc -p . && node dist/bench/train/train-bench.js [--backends wasm,cpu] [--seconds 4] [--lengths 10,50]
 *       [--batch 64] [--no-torch] [--python /usr/bin/python3] [--openblas-core auto|none|NAME] [--no-parity]
 *       [--replicas 1,2,4,8]
 *
 * Models: the reference decoder of the synthetic study (2 layers, d_model 64,
 * 4 heads, d_ff 256, NoPE) and an LSTM (1 layer, hidden 64); batch 64 of
 * sequences with `length` data tokens plus BOS. A training step is exactly
 * what the train stage runs (forward, backward, JS Adam). Each number is the
 * best of three timed windows of `--seconds`/3 after a warm-up, so a busy
 * machine shows less; the load average is printed for context. CPU-time
 * rates (process user+system time) are printed next to wall-clock rates.
 *
 * PyTorch: bench/train/torch_bench.py, run with Debian's python3-torch by
 * /usr/bin/python3 with OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=1 and
 * torch.set_num_threads(1), mirrors the two models (same parameters, layout,
 * initial distributions, loss, clipping and Adam form) and times them the
 * same way. For each model and length the TF.js backends and then PyTorch
 * run back to back; ratio rows give TF.js / PyTorch. When PyTorch is missing
 * and this runs as root, `apt-get install python3-torch libopenblas0-pthread`
 * installs it; when it still cannot run, one row says why. OpenBLAS picks
 * its kernels from the CPU model; when it falls back to older kernels than
 * the CPU supports (0.3.21 takes an unknown new Xeon for a Prescott), a
 * second PyTorch row forces the right ones with OPENBLAS_CORETYPE
 * (`--openblas-core none` drops it, `--openblas-core NAME` picks one).
 *
 * Stacked training (tfjs-wasm): K models of each size trained as one group
 * does, every replica's batch of one length so every step is one stacked
 * pass, for K in `--replicas`; model-steps/s is K times the group's steps/s,
 * beside K = 1 and the fastest PyTorch row (PyTorch trains K models one
 * after another, so its model-steps/s is its steps/s).
 *
 * Before timing, a parity check feeds the same parameters and batch to both
 * implementations and prints the loss, the gradient difference and the loss
 * after three Adam steps, so a mismatch in the mirrored models shows.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_ADAM, FlatAdam } from '../../stages/ml/adam.js';
import { BACKEND_CHAIN, initBackend } from '../../stages/ml/backend.js';
import { encodeBatch } from '../../stages/ml/batch.js';
import type { SeqSet } from '../../stages/ml/dataset.js';
import { buildModel, DEFAULT_MODEL_CONFIG } from '../../stages/ml/models/index.js';
import type { Model, ModelConfig } from '../../stages/ml/models/types.js';
import { readTensor } from '../../stages/ml/ops.js';
import { Rng } from '../../stages/ml/prng.js';
import { groupLossAndGrad, lossAndGrad } from '../../stages/ml/group-step.js';
import { repoRoot, table } from '../engine/measure.js';

interface Options {
  backends: string[];
  seconds: number;
  lengths: number[];
  batch: number;
  torch: boolean;
  python: string;
  openblasCore: string;
  parity: boolean;
  /** Replica counts of the stacked-training rows (empty: none). */
  replicas: number[];
}

const MODELS: Record<string, Partial<ModelConfig>> = {
  'decoder-ref': {},
  'lstm-h64': { arch: 'lstm', layers: 1, hidden: 64 },
};

/**
 * Models of the stacked-training rows: the two above, the study's default
 * decoder (d_model 32, d_ff 128) and a tiny one, where the fixed cost of
 * each op outweighs its arithmetic. Only the first two have a PyTorch twin.
 */
const REPLICA_MODELS: Record<string, Partial<ModelConfig>> = {
  ...MODELS,
  'decoder-study': { dModel: 32, dFF: 128 },
  'decoder-tiny': { dModel: 16, dFF: 32, layers: 1, heads: 2 },
};

const NORM = { mean: 0.5, std: 0.3 };
const INFER_ROWS = 256;
const TORCH_SCRIPT = join(repoRoot, 'bench', 'train', 'torch_bench.py');

function parseArgs(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    backends: get('backends')?.split(',') ?? [...BACKEND_CHAIN],
    seconds: Number(get('seconds') ?? 4),
    lengths: (get('lengths') ?? '10,50').split(',').map(Number),
    batch: Number(get('batch') ?? 64),
    torch: !argv.includes('--no-torch'),
    python: get('python') ?? '/usr/bin/python3',
    openblasCore: get('openblas-core') ?? 'auto',
    parity: !argv.includes('--no-parity'),
    replicas: (get('replicas') ?? '1,2,4,8').split(',').filter(Boolean).map(Number),
  };
}

function log(message: string): void {
  process.stderr.write(`[train-bench] ${message}\n`);
}

// ---------------------------------------------------------------- TF.js side

function randomSet(rng: Rng, count: number, length: number): SeqSet {
  const tokens = Int8Array.from({ length: count * length }, () => rng.int(2));
  const targetsF = new Float32Array(count).map(() => rng.next());
  return {
    count,
    tokens,
    targetsF,
    targets: targetsF,
    lengths: new Int32Array(count).fill(length),
    offsets: Int32Array.from({ length: count }, (_, i) => i * length),
  };
}

interface Rate {
  wall: number;
  cpu: number;
}

/** Best rate (per second) over three windows: wall clock and process CPU time. torch_bench.py's measure() is the same. */
function measure(work: () => number, seconds: number): Rate {
  for (let i = 0; i < 3; i++) work(); // warm-up: kernels, constant caches
  let wall = 0;
  let cpu = 0;
  for (let w = 0; w < 3; w++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let units = 0;
    while (performance.now() - t0 < (seconds * 1000) / 3 || units === 0) units += work();
    const dt = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    wall = Math.max(wall, units / dt);
    cpu = Math.max(cpu, units / ((c.user + c.system) / 1e6));
  }
  return { wall, cpu };
}

function trainStep(
  model: Model,
  set: SeqSet,
  batch: number,
  state: { params: Float32Array; adam: FlatAdam; grad: Float32Array; rng: Rng },
): number {
  const idx = Array.from({ length: batch }, () => state.rng.int(set.count));
  lossAndGrad(model, state.params, set, idx, NORM, state.grad);
  state.adam.apply(state.params, state.grad);
  return 1;
}

function inferBatch(model: Model, params: tf.Tensor[], rows: number[][]): number {
  readTensor(() => model.forward(model.layout.named(params), encodeBatch(rows, model.config.bos)));
  return rows.length;
}

function buildFor(name: string, length: number): Model {
  return buildModel({ ...DEFAULT_MODEL_CONFIG, maxLen: length + 1, ...REPLICA_MODELS[name] });
}

interface Result {
  params: number;
  train: Rate;
  infer: Rate;
}

function benchTfjs(backend: string, name: string, length: number, opts: Options): Result {
  const model = buildFor(name, length);
  const rng = new Rng(1);
  const set = randomSet(rng, 1024, length);
  const state = {
    params: model.layout.initialise(rng),
    adam: new FlatAdam(model.layout.size, DEFAULT_ADAM),
    grad: new Float32Array(model.layout.size),
    rng,
  };
  const seconds = backend === 'cpu' ? Math.min(opts.seconds, 3) : opts.seconds;
  const train = measure(() => trainStep(model, set, opts.batch, state), seconds);
  const params = model.layout.tensors(state.params);
  const rows = Array.from({ length: INFER_ROWS }, () => Array.from({ length }, () => rng.int(2)));
  const infer = measure(() => inferBatch(model, params, rows), seconds);
  tf.dispose(params);
  model.dispose();
  return { params: model.layout.size, train, infer };
}

/**
 * K models trained together for one core's time, as the train stage trains a
 * group: one stacked model when the architecture is stackable, else one
 * model after another in the same process. Returns steps/s of the group.
 */
function benchReplicas(name: string, length: number, k: number, opts: Options): Rate {
  const model = buildFor(name, length);
  const rng = new Rng(1);
  const set = randomSet(rng, 1024, length);
  const replicas = Array.from({ length: k }, () => ({
    params: model.layout.initialise(rng),
    adam: new FlatAdam(model.layout.size, DEFAULT_ADAM),
    grad: new Float32Array(model.layout.size),
    set,
    norm: NORM,
    indices: [] as number[],
  }));
  const draw = (): number[] => Array.from({ length: opts.batch }, () => rng.int(set.count));
  const step = (): number => {
    for (const r of replicas) r.indices = draw();
    if (model.stackable) groupLossAndGrad(model, replicas);
    else for (const r of replicas) groupLossAndGrad(model, [r]);
    for (const r of replicas) r.adam.apply(r.params, r.grad);
    return 1;
  };
  try {
    return measure(step, opts.seconds);
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------- PyTorch side

interface TorchRuntime {
  torch: string;
  torchPath: string;
  threads: number;
  interopThreads: number;
  blas: { libraries: string[]; openblas?: string; core?: string; threads?: number };
  openblasCoretype: string | null;
}

interface TorchVariant {
  label: string;
  /** OPENBLAS_CORETYPE, or undefined: OpenBLAS chooses. */
  core?: string;
  runtime: TorchRuntime;
}

function torchEnv(core?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: '1',
    OPENBLAS_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
  };
  delete env['OPENBLAS_CORETYPE'];
  delete env['PYTHONPATH'];
  if (core !== undefined) env['OPENBLAS_CORETYPE'] = core;
  return env;
}

/** Run torch_bench.py; its last stdout line is JSON. Throws with the end of stderr on failure. */
/** The script's JSON answer, typed by the caller, which knows the mode it asked for. */
function runTorch(python: string, args: string[], core: string | undefined, timeoutS: number): unknown {
  // -s: no user site-packages, so a pip-installed torch in ~/.local cannot shadow Debian's.
  const r = spawnSync(python, ['-s', TORCH_SCRIPT, ...args], {
    encoding: 'utf8',
    env: torchEnv(core),
    timeout: timeoutS * 1000,
    maxBuffer: 1 << 26,
    cwd: repoRoot,
  });
  if (r.error) throw new Error(`${python}: ${r.error.message}`);
  if (r.status !== 0) {
    const why = r.stderr.trim().split('\n').slice(-3).join(' / ');
    throw new Error(`${python} ${args[0] ?? ''} exited with ${r.status ?? r.signal}: ${why}`);
  }
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as unknown;
}

function aptInstall(packages: string[]): boolean {
  const apt = (args: string[]): number =>
    spawnSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status ?? 1;
  log(`installing Debian's ${packages.join(' ')} (apt-get install -y)`);
  if (apt(['install', '-y', '-qq', ...packages]) === 0) return true;
  apt(['update', '-qq']);
  return apt(['install', '-y', '-qq', ...packages]) === 0;
}

/**
 * Debian's PyTorch with OpenBLAS, installed when absent and this runs as
 * root. Returns its runtime facts, or why it cannot run.
 */
function ensureTorch(python: string): { runtime?: TorchRuntime; why?: string } {
  const probe = (): { runtime?: TorchRuntime; why?: string } => {
    try {
      return { runtime: runTorch(python, ['--probe'], undefined, 300) as TorchRuntime };
    } catch (error) {
      return { why: error instanceof Error ? error.message : String(error) };
    }
  };
  let got = probe();
  const root = process.getuid?.() === 0;
  const openblas = (r: TorchRuntime | undefined): boolean => r?.blas.openblas !== undefined;
  if (root && python === '/usr/bin/python3' && (got.runtime === undefined || !openblas(got.runtime))) {
    if (aptInstall(['python3-torch', 'libopenblas0-pthread'])) got = probe();
    else if (got.runtime === undefined)
      got.why = `${got.why ?? ''}; apt-get install python3-torch libopenblas0-pthread failed`;
  } else if (got.runtime === undefined && !root) {
    got.why = `${got.why ?? ''} (not root, so not installing python3-torch)`;
  }
  return got;
}

function dpkgVersion(pkg: string): string | undefined {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
}

function cpuFlags(): Set<string> {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    return new Set((line?.split(':')[1] ?? '').trim().split(/\s+/));
  } catch {
    return new Set();
  }
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string): string => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '?';
    return `${field('model name')}, family ${field('cpu family')} model ${field('model')}`;
  } catch {
    return cpus()[0]?.model ?? '?';
  }
}

/** OpenBLAS kernels this CPU can run (AVX-512 or AVX2 generations), when OpenBLAS chose an older one by itself. */
function betterCore(chosen: string | undefined, flags: Set<string>): string | undefined {
  const avx512 = ['avx512f', 'avx512bw', 'avx512vl', 'avx512dq'].every((f) => flags.has(f));
  const avx2 = flags.has('avx2') && flags.has('fma');
  const best = avx512 ? 'SkylakeX' : avx2 ? 'Haswell' : undefined;
  if (best === undefined || chosen === undefined) return undefined;
  const atLeast: Record<string, string[]> = {
    SkylakeX: ['SkylakeX', 'Cooperlake', 'SapphireRapids'],
    Haswell: ['Haswell', 'SkylakeX', 'Cooperlake', 'SapphireRapids', 'Zen'],
  };
  return atLeast[best]?.includes(chosen) ? undefined : best;
}

function benchTorch(python: string, v: TorchVariant, name: string, length: number, opts: Options): Result {
  const r = runTorch(
    python,
    [name, String(length), String(opts.batch), String(opts.seconds)],
    v.core,
    120 + 4 * opts.seconds,
  ) as { params: number; train: Rate; infer: Rate; blas: TorchRuntime['blas'] };
  if (r.blas.core !== v.runtime.blas.core)
    throw new Error(`OpenBLAS core ${r.blas.core} differs from the probe's ${v.runtime.blas.core}`);
  return r;
}

// ---------------------------------------------------------------- parity

interface CheckOut {
  loss: number;
  grad: number[];
  adamLosses: number[];
}

/** Same parameters, batch and targets through both implementations: loss, gradient, three Adam steps. */
function parity(python: string, backend: string, name: string, length: number, batch: number): string {
  const model = buildFor(name, length);
  try {
    const rng = new Rng(7);
    const params = model.layout.initialise(rng);
    const set = randomSet(rng, batch, length);
    const idx = Array.from({ length: batch }, (_, i) => i);
    const grad = new Float32Array(model.layout.size);
    const loss = lossAndGrad(model, params, set, idx, NORM, grad);
    const stepped = Float32Array.from(params);
    const adam = new FlatAdam(model.layout.size, DEFAULT_ADAM);
    const scratch = new Float32Array(model.layout.size);
    const adamLosses: number[] = [];
    for (let s = 0; s < 3; s++) {
      adamLosses.push(lossAndGrad(model, stepped, set, idx, NORM, scratch));
      adam.apply(stepped, scratch);
    }
    adamLosses.push(lossAndGrad(model, stepped, set, idx, NORM, scratch));
    const dir = mkdtempSync(join(tmpdir(), 'train-bench-'));
    try {
      const input = join(dir, 'in.json');
      writeFileSync(
        input,
        JSON.stringify({
          model: name,
          layout: model.layout.entries.map((e) => ({ name: e.name, shape: e.shape })),
          params: Array.from(params),
          tokens: idx.map((i) => Array.from(set.tokens.subarray(set.offsets[i], set.offsets[i]! + length))),
          targets: idx.map((i) => (set.targetsF[i]! - NORM.mean) / NORM.std),
        }),
      );
      const out = runTorch(python, ['--check', input], undefined, 300) as CheckOut;
      let maxDiff = 0;
      let maxGrad = 0;
      grad.forEach((g, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(g - (out.grad[i] ?? NaN)));
        maxGrad = Math.max(maxGrad, Math.abs(g));
      });
      const f = (x: number): string => x.toPrecision(7);
      return (
        `${name} L=${length} batch ${batch}, tfjs-${backend} / pytorch: loss ${f(loss)} / ${f(out.loss)}; ` +
        `max |grad diff| ${maxDiff.toExponential(1)} (max |grad| ${maxGrad.toExponential(1)}); ` +
        `loss after 3 Adam steps on that batch ${f(adamLosses[3]!)} / ${f(out.adamLosses[3]!)}`
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------- main

function fmtRate(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

function fmtX(r: number): string {
  return Number.isFinite(r) ? `${r >= 0.1 ? r.toFixed(2) : r.toFixed(3)}x` : '–';
}

/**
 * Stacked training on tfjs-wasm, K = each of `opts.replicas`, side by side
 * with K = 1 and with the fastest PyTorch row of the table above (PyTorch
 * trains K models one after another: its model-steps/s is its steps/s).
 */
function replicaTable(opts: Options, rows: readonly string[][]): string {
  const out: string[][] = [];
  for (const name of Object.keys(REPLICA_MODELS)) {
    for (const length of opts.lengths) {
      const torch = rows
        .filter((r) => r[0] === name && r[1] === String(length) && r[2]!.startsWith('pytorch'))
        .map((r) => ({ label: r[2]!, rate: Number(r[4]) }))
        .filter((r) => Number.isFinite(r.rate) && r.rate > 0)
        .sort((a, b) => b.rate - a.rate)[0];
      let single: number | undefined;
      for (const k of opts.replicas) {
        log(`${name} L=${length} tfjs-wasm, ${k} replica(s)`);
        const rate = benchReplicas(name, length, k, opts);
        const modelSteps = rate.wall * k;
        single ??= k === 1 ? modelSteps : undefined;
        out.push([
          name,
          String(length),
          String(k),
          fmtRate(rate.wall, 2),
          fmtRate(modelSteps, 1),
          fmtRate(rate.cpu * k, 1),
          single === undefined ? '–' : fmtX(modelSteps / single),
          torch === undefined ? '–' : `${fmtX(modelSteps / torch.rate)} (${torch.label} ${torch.rate})`,
        ]);
      }
    }
  }
  const header = [
    'model',
    'length',
    'K',
    'group steps/s',
    'model-steps/s (wall)',
    'model-steps/s (cpu time)',
    'x K=1',
    'x PyTorch, one model after another',
  ];
  return table(header, out);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const load = (): string =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.log(
    `# load average ${load()}, ${cpus().length} cores (${cpuModel()}), node ${process.version}, tfjs ${tf.version.tfjs}, batch ${opts.batch}, ` +
      `inference ${INFER_ROWS} sequences per pass; rates are the best of 3 windows of ${opts.seconds}/3 s after 3 warm-up calls (cpu backend: at most 3 s)`,
  );

  const backends: string[] = [];
  for (const backend of opts.backends) {
    try {
      await initBackend(backend);
      backends.push(backend);
    } catch (error) {
      console.log(`# tfjs-${backend}: skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const variants: TorchVariant[] = [];
  let torchMissing: string | undefined;
  if (!opts.torch) {
    torchMissing = 'not measured (--no-torch)';
    console.log('# pytorch: not measured (--no-torch)');
  } else {
    const got = ensureTorch(opts.python);
    if (got.runtime === undefined) {
      torchMissing = 'unavailable (see # pytorch above)';
      console.log(`# pytorch: unavailable: ${got.why ?? 'unknown reason'}`);
    } else {
      const rt = got.runtime;
      const blas =
        rt.blas.openblas !== undefined
          ? `${rt.blas.openblas} (${rt.blas.libraries.join(', ')}), ${rt.blas.threads} BLAS thread`
          : `NOT OpenBLAS: ${rt.blas.libraries.join(', ') || 'no BLAS library mapped'}`;
      console.log(
        `# pytorch: torch ${rt.torch} (Debian python3-torch ${dpkgVersion('python3-torch') ?? '?'}, ${rt.torchPath}) under ${opts.python}, ` +
          `${rt.threads} intra-op / ${rt.interopThreads} inter-op thread, OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1; BLAS: ${blas}`,
      );
      variants.push({ label: 'pytorch', runtime: rt });
      console.log(`# pytorch: OpenBLAS kernels as OpenBLAS picks them for this CPU: ${rt.blas.core ?? '?'}`);
      const forced =
        opts.openblasCore === 'none'
          ? undefined
          : opts.openblasCore === 'auto'
            ? betterCore(rt.blas.core, cpuFlags())
            : opts.openblasCore;
      if (forced !== undefined && rt.blas.openblas !== undefined) {
        try {
          const frt = runTorch(opts.python, ['--probe'], forced, 300) as TorchRuntime;
          variants.push({ label: `pytorch[${frt.blas.core ?? forced}]`, core: forced, runtime: frt });
          console.log(
            `# pytorch[${frt.blas.core ?? forced}]: the same with OPENBLAS_CORETYPE=${forced} (kernels ${frt.blas.core ?? '?'}), ` +
              `which this CPU supports${opts.openblasCore === 'auto' ? ' but OpenBLAS did not pick by itself' : ''}`,
          );
        } catch (error) {
          console.log(
            `# pytorch with OPENBLAS_CORETYPE=${forced}: failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
  }

  if (opts.parity && variants.length > 0 && backends.length > 0) {
    const backend = backends.includes('wasm') ? 'wasm' : (backends[0] as string);
    await initBackend(backend);
    for (const name of Object.keys(MODELS)) {
      for (const length of opts.lengths) {
        try {
          console.log(`# parity ${parity(opts.python, backend, name, length, opts.batch)}`);
        } catch (error) {
          console.log(
            `# parity ${name} L=${length}: failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
  }

  const header = [
    'model',
    'length',
    'implementation',
    'params',
    'train steps/s (wall)',
    'train steps/s (cpu time)',
    'inference seqs/s (wall)',
    'inference seqs/s (cpu time)',
  ];
  const rows: string[][] = [];
  for (const name of Object.keys(MODELS)) {
    for (const length of opts.lengths) {
      const results = new Map<string, Result | undefined>();
      const row = (impl: string, r: Result | undefined, note?: string): void => {
        results.set(impl, r);
        rows.push(
          r === undefined
            ? [name, String(length), impl, '', note ?? 'failed', '', '', '']
            : [
                name,
                String(length),
                impl,
                String(r.params),
                fmtRate(r.train.wall, 1),
                fmtRate(r.train.cpu, 1),
                fmtRate(r.infer.wall, 0),
                fmtRate(r.infer.cpu, 0),
              ],
        );
      };
      for (const backend of backends) {
        await initBackend(backend);
        log(`${name} L=${length} tfjs-${backend}`);
        const r = benchTfjs(backend, name, length, opts);
        log(`  train ${r.train.wall.toFixed(1)} steps/s, inference ${r.infer.wall.toFixed(0)} seqs/s`);
        row(`tfjs-${backend}`, r);
      }
      if (torchMissing !== undefined) rows.push([name, String(length), 'pytorch', '', torchMissing, '', '', '']);
      for (const v of variants) {
        log(`${name} L=${length} ${v.label}`);
        try {
          const r = benchTorch(opts.python, v, name, length, opts);
          log(`  train ${r.train.wall.toFixed(1)} steps/s, inference ${r.infer.wall.toFixed(0)} seqs/s`);
          row(v.label, r);
        } catch (error) {
          row(v.label, undefined, `failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      for (const backend of backends) {
        const a = results.get(`tfjs-${backend}`);
        for (const v of variants) {
          const b = results.get(v.label);
          if (a === undefined || b === undefined) continue;
          const sameParams = a.params === b.params ? '' : ` (params differ: ${a.params} vs ${b.params})`;
          rows.push([
            name,
            String(length),
            `ratio tfjs-${backend} / ${v.label}${sameParams}`,
            '',
            fmtX(a.train.wall / b.train.wall),
            fmtX(a.train.cpu / b.train.cpu),
            fmtX(a.infer.wall / b.infer.wall),
            fmtX(a.infer.cpu / b.infer.cpu),
          ]);
        }
      }
    }
  }
  console.log('');
  console.log(table(header, rows));
  if (opts.replicas.length > 0 && backends.includes('wasm')) {
    await initBackend('wasm');
    console.log('');
    console.log(replicaTable(opts, rows));
  }
  console.log('');
  console.log(`# load average at the end ${load()}`);
}

await main();
