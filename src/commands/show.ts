import { collectResults } from '../metrics/collect.js';
import { buildTable } from '../metrics/group.js';
import type { Format } from '../metrics/render.js';
import { renderTable } from '../metrics/show-table.js';
import { openSession, type CommonOptions } from '../session.js';

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
  return values?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** A table of the cached results of a pipeline's cells; runs nothing. */
export async function showCommand(o: ShowOptions): Promise<number> {
  const session = await openSession(o);
  try {
    const results = await collectResults(session, listOption(o.stage));
    const axes = [...new Set(results.cells.flatMap((c) => Object.keys(c.cell.axes)))];
    const table = buildTable(results, { groupBy: o.cells === true ? axes : listOption(o.groupBy), where: o.where, metrics: listOption(o.metrics), sort: o.sort });
    const { body, notes } = renderTable(table, o.format);
    process.stdout.write(body);
    // Beside a human table the notes belong to the output; machine formats keep stdout parseable.
    if (o.format === 'table' || o.format === 'markdown') process.stdout.write(notes.map((n) => `\n${n}`).join('') + (notes.length > 0 ? '\n' : ''));
    else if (notes.length > 0) process.stderr.write(`${notes.join('\n')}\n`);
    return 0;
  } finally {
    await session.cache.close();
  }
}
