/**
 * Runs every benchmark part one after another and prints every table.
 *
 *   npm run bench [-- options]          all parts: engine, noop, show, train, study, remote, lm
 *   npm run bench:engine [-- options]   one part (also bench:train, bench:study, bench:remote)
 *
 *   --only engine,noop,show,train,study,remote,lm   parts to run (default: all)
 *   --out FILE                  also write the printed tables to FILE
 *   --train-args "..."          arguments for bench/train (others go to engine and study)
 *   --noop-args "..."           arguments for bench/engine/noop-bench
 *
 * Each part is its own process (the training benchmark loads TensorFlow.js);
 * a part that does not exist yet is reported and skipped. Tables go to
 * stdout, progress to stderr.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAverages, machineInfo, parseFlags, repoRoot } from './engine/measure.js';

const PARTS: Record<string, string> = {
  engine: 'dist/bench/engine/engine-bench.js',
  noop: 'dist/bench/engine/noop-bench.js',
  show: 'dist/bench/engine/show-bench.js',
  train: 'dist/bench/train/train-bench.js',
  study: 'dist/bench/study/study-bench.js',
  remote: 'dist/bench/remote/remote-bench.js',
  lm: 'dist/bench/lm/speed.js',
};

async function main(argv: string[]): Promise<void> {
  const { flags } = parseFlags(argv);
  const only = (flags.get('only') ?? Object.keys(PARTS).join(',')).split(',').map((s) => s.trim());
  const unknown = only.filter((p) => !(p in PARTS));
  if (unknown.length > 0)
    throw new Error(`--only: unknown part(s) ${unknown.join(', ')}; parts are ${Object.keys(PARTS).join(', ')}`);
  const forwarded = dropFlags(argv, ['only', 'out', 'train-args', 'noop-args']);
  const own = (name: string): string[] => (flags.get(name) ?? '').split(/\s+/).filter((s) => s !== '');
  const argsOf: Record<string, string[]> = { train: own('train-args'), noop: own('noop-args') };
  const out = flags.get('out');
  if (out !== undefined) writeFileSync(out, '');
  // Written as it is printed: a run stopped part-way still leaves the finished tables.
  const print = (text: string): void => {
    process.stdout.write(text);
    if (out !== undefined) appendFileSync(out, text);
  };
  const info = machineInfo();
  print(
    `# ablate benchmarks\n\n${new Date().toISOString()} · ${info.nproc} cores (${info.cpu}) · node ${info.node} · load averages ${loadAverages()}\n\n`,
  );
  let failed = 0;
  for (const part of only) {
    const script = join(repoRoot, PARTS[part] as string);
    if (!existsSync(script)) {
      print(`## ${part}\n\n${PARTS[part]} does not exist (bench/${part} is not written yet); skipped.\n\n`);
      continue;
    }
    process.stderr.write(`[bench] ${part}: node ${PARTS[part]}\n`);
    const code = await runPart(script, argsOf[part] ?? forwarded, print);
    if (code !== 0) {
      failed++;
      print(`\n(${part} exited with status ${code})\n\n`);
    }
  }
  print(`Load averages at the end: ${loadAverages()}\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

function runPart(script: string, args: string[], print: (text: string) => void): Promise<number> {
  return new Promise((resolvePart, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => print(chunk));
    // Ctrl-C reaches the child too (same process group); wait for it to clean up its temporary directories.
    const ignore = (): void => {};
    process.on('SIGINT', ignore);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      process.off('SIGINT', ignore);
      resolvePart(code ?? (signal ? 128 : 1));
    });
  });
}

/** argv without the named options (and their values). */
function dropFlags(argv: string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const name = a.startsWith('--') ? a.slice(2).split('=')[0] : undefined;
    if (name !== undefined && names.includes(name)) {
      if (!a.includes('=') && argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--')) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
