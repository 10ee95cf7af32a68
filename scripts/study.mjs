#!/usr/bin/env node
// Runs the study (the paper reproduction, then both ablations, which reuse its
// cached cells, then the language-model study), exports each report to
// reports/<pipeline>/, appends the export's provenance (commit, clean or not,
// Node, machine) to the exported copies, and lists every report it wrote.
// Extra arguments go to every `ablate run` of the synthetic pipelines, e.g.
// --set steps=4000 for the large size. The language-model pipeline declares
// other variables, so it gets only --cache-dir and its own `--lm-set name=value`
// (passed on as --set), e.g. --lm-set steps=2000.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { provenanceMarkdown, withProvenanceHtml } from '../dist/src/report/provenance.js';

const bin = resolve(import.meta.dirname, '../bin/ablate.js');
const synthetic = ['paper', 'ablation-reparam', 'ablation-arch'];
const args = process.argv.slice(2);
const pairs = (flags) => args.flatMap((a, i) => (flags.includes(a) ? [a, args[i + 1]] : []));
const extra = args.filter((_, i) => args[i] !== '--lm-set' && args[i - 1] !== '--lm-set');
const lmExtra = [...pairs(['--cache-dir']), ...pairs(['--lm-set']).map((a) => (a === '--lm-set' ? '--set' : a))];
const written = [];

const runs = [...synthetic.map((name) => ({ name, extra })), { name: 'lm', extra: lmExtra }];
for (const { name, extra } of runs) {
  const sets = extra.flatMap((a, i) => (a === '--set' || a === '--cache-dir' ? [a, extra[i + 1]] : []));
  const started = Date.now();
  const run = spawnSync(process.execPath, [bin, 'run', `pipelines/${name}.json`, ...extra], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
  const out = `reports/${name}`;
  const exp = spawnSync(process.execPath, [bin, 'export', `pipelines/${name}.json`, '--out', out, ...sets], {
    stdio: 'inherit',
  });
  if (exp.status !== 0) process.exit(exp.status ?? 1);
  const report = join(out, 'artifacts', 'report');
  if (existsSync(join(report, 'report.md'))) {
    const provenance = JSON.parse(readFileSync(join(out, 'provenance.json'), 'utf8'));
    appendFileSync(join(report, 'report.md'), provenanceMarkdown(provenance));
    writeFileSync(
      join(report, 'report.html'),
      withProvenanceHtml(readFileSync(join(report, 'report.html'), 'utf8'), provenance),
    );
    written.push(name);
  }
  console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

console.log('\nreports written:');
for (const name of written) {
  const dir = `reports/${name}/artifacts/report`;
  console.log(
    `  ${name}: ${dir}/report.html, ${dir}/report.md (tables as CSV and LaTeX in ${dir}/tables/, plots in ${dir}/plots/)`,
  );
}
