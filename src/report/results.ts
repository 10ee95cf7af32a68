/**
 * Where a finished run's results are: the final cells (those nothing else
 * consumes, e.g. the report), the files each produced, and the `ablate
 * export` command that copies them out of the cache.
 */
import type { Analysis } from '../plan/types.js';
import type { RecordStore } from '../cache/cache.js';
import type { RunEvent } from '../execution/events.js';
import type { CellState } from '../plan/planner.js';

export type ResultsEvent = Extract<RunEvent, { type: 'results' }>;

export interface ResultsOptions {
  pipeline: string;
  cacheDir?: string;
  set?: string[];
}

/** The final cells and their files; null when one has no stored result (it failed or was skipped). */
export function finalOutputs(
  analysis: Analysis,
  cache: RecordStore,
  states: ReadonlyMap<string, CellState>,
): ResultsEvent['cells'] | null {
  const cells: ResultsEvent['cells'] = [];
  for (const cell of analysis.order) {
    if ((analysis.graph.successors(cell.id) ?? []).length > 0) continue;
    const state = states.get(cell.id);
    const done = state === undefined || state.kind === 'blocked' ? undefined : cache.getDone(state.fingerprint);
    if (done === undefined) return null;
    cells.push({ stage: cell.stage, cell: cell.id, files: Object.keys(done.outputs).sort() });
  }
  return cells;
}

/** The event, with the export command spelled with this invocation's options. */
export function resultsEvent(pipeline: string, cells: ResultsEvent['cells'], o: ResultsOptions): ResultsEvent {
  const out = `results/${pipeline}`;
  const args = [
    'ablate',
    'export',
    o.pipeline,
    '--out',
    out,
    ...(o.cacheDir ? ['--cache-dir', o.cacheDir] : []),
    ...(o.set ?? []).flatMap((s) => ['--set', s]),
  ];
  return { type: 'results', pipeline, cells, out, exportCommand: args.map(quote).join(' ') };
}

/** POSIX-shell quoting for the printed command, only where needed. */
function quote(arg: string): string {
  return /^[\w./=:,+@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

const SHOWN_CELLS = 5;
const SHOWN_FILES = 3;

/** Human lines: each final cell (a report's Markdown and HTML named first) and the export command. */
export function describeResults(e: ResultsEvent): string {
  const lines = e.cells.slice(0, SHOWN_CELLS).map((c) => {
    const files = [...c.files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    const more = files.length > SHOWN_FILES ? ` and ${files.length - SHOWN_FILES} more` : '';
    return `results: ${c.cell} → ${files.slice(0, SHOWN_FILES).join(', ')}${more}`;
  });
  if (e.cells.length > SHOWN_CELLS) lines.push(`results: and ${e.cells.length - SHOWN_CELLS} more final cells`);
  lines.push(`  copy them out: ${e.exportCommand}`);
  return lines.join('\n');
}

/** Top-level reports before plots and other files. */
const rank = (file: string): number => (/^report\.(html|md)$/.test(file) ? 0 : file.includes('/') ? 2 : 1);
