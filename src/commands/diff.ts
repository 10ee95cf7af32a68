import { rm } from 'node:fs/promises';
import { EXIT, UsageError } from '../exit.js';
import { collectResults, declarations, type Declarations } from '../metrics/collect.js';
import { compareTables } from '../metrics/compare.js';
import { renderDiff } from '../metrics/diff-table.js';
import { parseThreshold, violations } from '../metrics/fail-on.js';
import { pipelineAtRevision } from '../metrics/git-rev.js';
import { globMatcher } from '../metrics/glob.js';
import { buildTable, type Table, type TableOptions } from '../metrics/group.js';
import type { Format } from '../metrics/render.js';
import { openSession, type CommonOptions } from './session.js';
import { listOption } from './show.js';

export interface DiffOptions extends Omit<CommonOptions, 'pipeline'> {
  left: string;
  right?: string;
  rev?: string;
  leftSet?: string[];
  rightSet?: string[];
  stage?: string[];
  metrics?: string[];
  groupBy?: string[];
  where?: string[];
  all?: boolean;
  failOn?: string[];
  format: Format;
}

interface Side {
  label: string;
  pipeline: string;
  set: string[];
}

/**
 * Compares the cached results of two states of a study: two pipeline
 * files, one file under two sets of `--set` values, or a file against
 * itself at a git revision. Runs nothing.
 */
export async function diffCommand(o: DiffOptions): Promise<number> {
  const thresholds = (o.failOn ?? []).map(parseThreshold);
  const [left, right, cleanup] = await sides(o);
  try {
    const metrics = listOption(o.metrics);
    const options: TableOptions = {
      groupBy: listOption(o.groupBy),
      where: o.where,
      metrics,
      match: await globMatcher(metrics),
    };
    // Metrics are read from outputs, not fingerprinted: a side that does not declare them (an older revision) uses the other's declarations.
    const b = await tableOf(right, o, options, new Map());
    const a = await tableOf(left, o, options, b.declared);
    const comparison = compareTables(a.table, b.table);
    const shown = o.all === true ? comparison.changes : comparison.changes.filter((c) => c.changed);
    const failed = violations(comparison.changes, thresholds);
    const { body, notes } = await renderDiff(
      { left: left.label, right: right.label, comparison, shown, violations: failed },
      o.format,
    );
    process.stdout.write(body);
    if (o.format === 'table' || o.format === 'markdown') process.stdout.write(`\n${notes.join('\n')}\n`);
    else if (notes.length > 0) process.stderr.write(`${notes.join('\n')}\n`);
    return failed.length > 0 ? EXIT.cellFailed : EXIT.ok;
  } finally {
    await cleanup();
  }
}

async function tableOf(
  side: Side,
  o: DiffOptions,
  options: TableOptions,
  other: Declarations,
): Promise<{ table: Table; declared: Declarations }> {
  const session = await openSession({
    pipeline: side.pipeline,
    cacheDir: o.cacheDir,
    set: side.set,
    backend: o.backend,
  });
  try {
    const declared = new Map([...other, ...declarations(session)]);
    return { table: buildTable(await collectResults(session, listOption(o.stage), declared), options), declared };
  } finally {
    await session.cache.close();
  }
}

function setLabel(set: string[]): string {
  return set.map((s) => ` --set ${s}`).join('');
}

async function sides(o: DiffOptions): Promise<[Side, Side, () => Promise<void>]> {
  const common = o.set ?? [];
  const leftSet = [...common, ...(o.leftSet ?? [])];
  const rightSet = [...common, ...(o.rightSet ?? [])];
  const none = async (): Promise<void> => {};
  if (o.rev !== undefined) {
    if (o.right !== undefined)
      throw new UsageError('--rev compares one pipeline file with itself at a revision; give one file, not two');
    const old = await pipelineAtRevision(o.left, o.rev);
    return [
      { label: `${o.left} at ${o.rev}${setLabel(leftSet)}`, pipeline: old, set: leftSet },
      { label: `${o.left}${setLabel(rightSet)}`, pipeline: o.left, set: rightSet },
      () => rm(old, { force: true }),
    ];
  }
  if (o.right !== undefined)
    return [
      { label: `${o.left}${setLabel(leftSet)}`, pipeline: o.left, set: leftSet },
      { label: `${o.right}${setLabel(rightSet)}`, pipeline: o.right, set: rightSet },
      none,
    ];
  if ((o.leftSet ?? []).length === 0 && (o.rightSet ?? []).length === 0) {
    throw new UsageError(
      'ablate diff needs two states: two pipeline files, --rev REV, or --left-set/--right-set name=value',
    );
  }
  return [
    { label: `${o.left}${setLabel(leftSet)}`, pipeline: o.left, set: leftSet },
    { label: `${o.left}${setLabel(rightSet)}`, pipeline: o.left, set: rightSet },
    none,
  ];
}
