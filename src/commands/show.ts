import { showResults } from '../metrics/collect.js';
import { globMatcher } from '../metrics/glob.js';
import { buildTable } from '../metrics/group.js';
import type { Format } from '../metrics/render.js';
import { renderTable } from '../metrics/show-table.js';
import type { CommonOptions } from './session.js';

export interface ShowOptions extends CommonOptions {
  stage?: string[];
  metrics?: string[];
  groupBy?: string[];
  cells?: boolean;
  where?: string[];
  sort?: string;
  format: Format;
}

/** Repeated or comma-separated values of a list option. */
export function listOption(values: readonly string[] | undefined): string[] | undefined {
  return values
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** A table of the cached results of a pipeline's cells; runs nothing. */
export async function showCommand(o: ShowOptions): Promise<number> {
  const results = await showResults(o, listOption(o.stage));
  const axes = [...new Set(results.cells.flatMap((c) => Object.keys(c.cell.axes)))];
  const metrics = listOption(o.metrics);
  const table = buildTable(results, {
    groupBy: o.cells === true ? axes : listOption(o.groupBy),
    where: o.where,
    metrics,
    match: await globMatcher(metrics),
    sort: o.sort,
  });
  const { body, notes } = await renderTable(table, o.format);
  process.stdout.write(body);
  // Beside a human table the notes belong to the output; machine formats keep stdout parseable.
  if (o.format === 'table' || o.format === 'markdown')
    process.stdout.write(notes.map((n) => `\n${n}`).join('') + (notes.length > 0 ? '\n' : ''));
  else if (notes.length > 0) process.stderr.write(`${notes.join('\n')}\n`);
  return 0;
}
