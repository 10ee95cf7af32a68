/**
 * Gathers the report's inputs from upstream cells. Every input is optional
 * on its own (a run without a correlation still gets its curves), but a
 * report with nothing to show is an error.
 */
import type { JsonObject, JsonValue, StageContext } from '../../src/stage-api.js';
import { err, ok, type Result } from '../../src/util/result.js';
import { manyInputs, requireJson } from './artifacts.js';
import type { StoredCorrelation } from './correlate-rows.js';
import type { ReportInputs } from './build-report.js';
import { configurationOf } from './configuration.js';
import { parseRow } from './rows.js';
import { parseTrain } from './training.js';
import { groupVariants, parseEval } from './variants.js';

export async function collectReportInputs(ctx: StageContext): Promise<ReportInputs> {
  const correlationIn = manyInputs(ctx, 'correlation');
  if (correlationIn.length > 1)
    throw new Error(`${ctx.cell}: input 'correlation' must match one cell, got ${correlationIn.length}`);
  let correlation: StoredCorrelation | null = null;
  if (correlationIn[0]) {
    const parsed = parseCorrelation(await requireJson(correlationIn[0], 'correlation.json'));
    if (!parsed.ok) throw new Error(`${correlationIn[0].cell}: ${parsed.error}`);
    correlation = parsed.value;
  }
  const evals = await Promise.all(
    manyInputs(ctx, 'evals').map(async (a) => parseEval(a, await requireJson(a, 'eval.json'))),
  );
  const rowInputs = manyInputs(ctx, 'rows');
  const rows =
    rowInputs.length > 0
      ? await Promise.all(rowInputs.map(async (a) => parseRow(await requireJson(a, 'row.json'))))
      : (correlation?.rows ?? []);
  if (evals.length === 0 && rows.length === 0) {
    throw new Error(`${ctx.cell}: nothing to report: inputs 'evals', 'rows' and 'correlation' are all empty`);
  }
  const trains = await Promise.all(
    manyInputs(ctx, 'trains').map(async (a) => parseTrain(a, await requireJson(a, 'train.json'))),
  );
  const everyInput = Object.values(ctx.inputs).flatMap((x) => (Array.isArray(x) ? x : [x]));
  return { variants: groupVariants(evals), rows, correlation, trains, configuration: configurationOf(everyInput) };
}

/** Checks the shape the report relies on; rows are re-parsed field by field. */
export function parseCorrelation(json: JsonObject): Result<StoredCorrelation, string> {
  for (const predictor of ['misalignment', 'trainLoss']) {
    for (const method of ['pearson', 'spearman', 'kendall']) {
      const stat = (json[predictor] as Record<string, JsonValue> | undefined)?.[method];
      if (stat === undefined || stat === null || typeof stat !== 'object' || !('value' in stat)) {
        return err(`correlation.json lacks ${predictor}.${method}; was it written by the correlate stage?`);
      }
    }
  }
  const rows = Array.isArray(json.rows) ? json.rows : [];
  const groups = Array.isArray(json.groups) ? json.groups : [];
  const value = {
    ...(json as unknown as StoredCorrelation),
    groups: groups as unknown as StoredCorrelation['groups'],
    excluded: (Array.isArray(json.excluded) ? json.excluded : []) as unknown as StoredCorrelation['excluded'],
    rows: rows.filter((r): r is JsonObject => r !== null && typeof r === 'object' && !Array.isArray(r)).map(parseRow),
  };
  return ok(value);
}
