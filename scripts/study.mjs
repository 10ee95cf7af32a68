#!/usr/bin/env node
// Runs the study (the paper reproduction, then both ablations, which reuse its
// cached cells) and exports each report to reports/<pipeline>/.
// Extra arguments go to every `ablate run`, e.g. --set steps=4000 for the large size.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '../bin/ablate.js');
const pipelines = ['paper', 'ablation-reparam', 'ablation-arch'];
const extra = process.argv.slice(2);
const sets = extra.flatMap((a, i) => (a === '--set' ? ['--set', extra[i + 1]] : []));

for (const name of pipelines) {
  const started = Date.now();
  const run = spawnSync(process.execPath, [bin, 'run', `pipelines/${name}.json`, ...extra], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
  const out = `reports/${name}`;
  const exp = spawnSync(process.execPath, [bin, 'export', `pipelines/${name}.json`, '--out', out, ...sets], { stdio: 'inherit' });
  if (exp.status !== 0) process.exit(exp.status ?? 1);
  console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(0)} s; report: ${out}/artifacts/report/report.html (and report.md, report.json)`);
}
