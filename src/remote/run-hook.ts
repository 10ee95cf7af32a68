import type { Cell } from '../plan/types.js';
import type { RunEvent } from '../execution/events.js';
import { UsageError } from '../exit.js';
import type { ExecutorOptions } from '../execution/executor.js';
import type { CellState, Planner, PlanFailure } from '../plan/planner.js';
import type { Session } from '../commands/session.js';
import { ok, type Result } from '../util/result.js';
import { openRemote, remoteSettings } from './config.js';
import { RemoteReader } from './read-through.js';
import { WriteThrough } from './write-through.js';

/** What `ablate run` does with a remote: read-through always, write-through with --push. */
export interface RunRemote {
  prefetch(
    planner: Planner,
    cells: readonly Cell[],
    states: Map<string, CellState>,
  ): Promise<Result<{ states: Map<string, CellState>; hits: Set<string> }, PlanFailure>>;
  executorOptions(hits: ReadonlySet<string>): Pick<ExecutorOptions, 'remoteLookup' | 'fromRemote' | 'onCommitted'>;
  finish(): Promise<void>;
}

export async function remoteForRun(
  o: { remote?: string; push?: boolean },
  session: Session,
  emit: (e: RunEvent) => void,
): Promise<RunRemote | undefined> {
  const settings = remoteSettings(o.remote);
  if (settings === undefined) {
    if (o.push === true)
      throw new UsageError('--push: no remote is configured (use --remote URL, ABLATE_REMOTE or ablate.config.json)');
    return undefined;
  }
  const remote = await openRemote(settings);
  const context = {
    remote,
    concurrency: settings.concurrency,
    cache: session.cache,
    analysis: session.analysis,
    pipelineKey: session.pipelineKey,
    emit,
  };
  const reader = new RemoteReader(context);
  const writer = o.push === true ? new WriteThrough(remote, session.cache, settings.concurrency, emit) : undefined;
  return {
    prefetch: (planner, cells, states) =>
      cells.length === 0
        ? Promise.resolve(ok({ states, hits: new Set<string>() }))
        : reader.prefetch(planner, cells, states),
    executorOptions: (hits) => ({
      remoteLookup: (cell, state) => reader.lookup(cell, state),
      fromRemote: hits,
      ...(writer === undefined
        ? {}
        : {
            onCommitted: (cell: Cell, fingerprint: Parameters<WriteThrough['add']>[1]) =>
              writer.add(cell.id, fingerprint),
          }),
    }),
    finish: async () => {
      await writer?.finish();
      remote.close();
    },
  };
}
