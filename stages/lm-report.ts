/**
 * Stage `lm-report`: the language-model study's report as Markdown,
 * self-contained HTML and JSON, with its figures as SVG (Vega-Lite specs
 * rendered by vega) and the specs and tables beside them.
 *
 * inputs:  { correlation: lm-correlate cell, evals: [lm-evaluate cells], trains: [lm-train cells],
 *            datasets?: [markov/text cells] (entropy-rate floor) }; a study with one chain per
 *            task adds more of each under names with the same prefix (`evalsText`, `trainsText`,
 *            `correlationText`); the first correlation input is report.json's headline
 * params:  none
 * outputs: report.md, report.html, report.json, plots/*.svg, plots/*.vl.json,
 *          tables/*.csv and tables/*.tex (the pipeline names the stage `report`, so
 *          `ablate export` puts them in artifacts/report/)
 */
import { defineStage } from '../src/stage-api.js';

export default defineStage({
  description: 'Language-model report: CE against position, misalignment vs long-context CE, the α sweep',
  params: { type: 'object', additionalProperties: false, properties: {} },
  async run(ctx) {
    const { collectLmReportInputs } = await import('./lm/report/inputs.js');
    const { buildLmReport } = await import('./lm/report/build.js');
    const { writeLmReport } = await import('./lm/report/write.js');
    const inputs = await collectLmReportInputs(ctx);
    ctx.progress({ message: `${inputs.models.length} models, ${inputs.correlations.length} correlation cells` });
    const report = await buildLmReport(inputs);
    for (const w of report.warnings) ctx.log(`warning: ${w}`);
    await writeLmReport(ctx.outDir, report);
    ctx.log(`lm-report: ${report.figures.length} figures`);
  },
});
