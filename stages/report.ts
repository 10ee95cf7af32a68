/**
 * Stage `report`: the study's report as Markdown, self-contained HTML and
 * JSON, with its figures as SVG (Vega-Lite specs rendered by vega) and the
 * specs beside them.
 *
 * inputs:  { correlation: correlate cell, evals: [evaluate cells], rows?: [row cells],
 *            trains?: [train cells] (loss curves, backend), any other input (its params
 *            join the configuration table) }
 *          (each optional; rows default to those inside correlation.json)
 * params:  none
 * outputs: report.md, report.html, report.json, plots/*.svg, plots/*.vl.json,
 *          tables/*.csv and tables/*.tex (every named table, from the same rows)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage, type StageContext } from '../src/stage-api.js';

export default defineStage({
  description: 'Report: length-generalization curves, misalignment vs error, computed findings',
  params: { type: 'object' },
  async run(ctx) {
    await runReport(ctx);
  },
});

export async function runReport(ctx: StageContext): Promise<void> {
  const { collectReportInputs } = await import('./analysis/report-inputs.js');
  const { buildReport } = await import('./analysis/build-report.js');
  const { toMarkdown } = await import('./analysis/markdown.js');
  const { toHtml } = await import('./analysis/html.js');
  const { toCsv, toLatex } = await import('./analysis/table-formats.js');
  const inputs = await collectReportInputs(ctx);
  ctx.progress({ message: `${inputs.variants.length} variants, ${inputs.rows.length} models` });
  const report = await buildReport(inputs);
  for (const w of report.warnings) ctx.log(`warning: ${w}`);
  const plots = join(ctx.outDir, 'plots');
  await mkdir(plots, { recursive: true });
  for (const section of report.doc.sections) {
    for (const block of section.blocks) {
      if (block.kind !== 'figures') continue;
      for (const f of block.figures) await writeFile(join(plots, f.file), f.svg);
    }
  }
  const tables = join(ctx.outDir, 'tables');
  await mkdir(tables, { recursive: true });
  for (const section of report.doc.sections) {
    for (const block of section.blocks) {
      if (block.kind !== 'table' || block.table.name === undefined) continue;
      await writeFile(join(tables, `${block.table.name}.csv`), toCsv(block.table));
      await writeFile(join(tables, `${block.table.name}.tex`), toLatex(block.table, block.caption));
    }
  }
  for (const s of report.specs) {
    await writeFile(join(plots, s.file.replace(/\.svg$/, '.vl.json')), JSON.stringify(s.spec, null, 2) + '\n');
  }
  await writeFile(join(ctx.outDir, 'report.md'), toMarkdown(report.doc));
  await writeFile(join(ctx.outDir, 'report.html'), toHtml(report.doc));
  await writeFile(join(ctx.outDir, 'report.json'), JSON.stringify(report.json, null, 2) + '\n');
  const held = report.findings.filter((f) => f.holds).length;
  ctx.log(`report: ${report.findings.length} findings (${held} hold), ${report.specs.length} figures`);
}
