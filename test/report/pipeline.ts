/** Runs row, correlate and report over a constructed study; shared by the stage and browser tests. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InputArtifact, JsonObject } from '../../src/stage-api.js';
import correlateKind from '../../stages/correlate.js';
import { runReport } from '../../stages/report.js';
import { runRow } from '../../stages/row.js';
import { artifact, context, modelCells, type FakeModel, type Workspace } from './fixtures.js';

export interface StudyRun {
  rows: InputArtifact[];
  correlation: InputArtifact;
  evals: InputArtifact[];
  trains: InputArtifact[];
  reportDir: string;
  /** What the report stage logged (figure warnings appear here). */
  reportLogs: string[];
}

export async function runStudy(
  ws: Workspace,
  models: FakeModel[],
  correlateParams: JsonObject = {},
): Promise<StudyRun> {
  const rows: InputArtifact[] = [];
  const evals: InputArtifact[] = [];
  const trains: InputArtifact[] = [];
  for (const m of models) {
    const cells = await modelCells(ws, m);
    evals.push(cells.eval);
    trains.push(cells.model);
    const run = await context(ws, 'row', cells, {}, m.axes);
    await runRow(run.ctx);
    rows.push(await asArtifact(ws, 'row', m.axes, run.ctx.outDir, 'row.json'));
  }
  const corr = await context(ws, 'correlate', { rows }, { bootstrap: 400, permutations: 400, ...correlateParams });
  await correlateKind.run(corr.ctx);
  const correlation = await asArtifact(ws, 'correlate', {}, corr.ctx.outDir, 'correlation.json');
  const report = await context(ws, 'report', { correlation, evals, trains });
  await runReport(report.ctx);
  return { rows, correlation, evals, trains, reportDir: report.ctx.outDir, reportLogs: report.logs };
}

/** Re-publishes a stage's output file as an input artifact for the next stage. */
async function asArtifact(
  ws: Workspace,
  stage: string,
  axes: FakeModel['axes'] | Record<string, never>,
  dir: string,
  file: string,
): Promise<InputArtifact> {
  const json = JSON.parse(await readFile(join(dir, file), 'utf8')) as JsonObject;
  return artifact(ws, stage, { ...axes }, { [file]: json });
}
