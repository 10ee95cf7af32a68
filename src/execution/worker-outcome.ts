import type { ExitReason } from './child-process.js';

/**
 * A worker reports "done" only after run() has resolved. One that exits 0
 * without it never finished run() (it called process.exit, or run()
 * returned a promise that never settles and the event loop ran dry), so
 * whatever it left in its output folder is not a result.
 */
export function endedUnfinished(exit: ExitReason, reportedDone: boolean): boolean {
  return exit.kind === 'exit' && exit.code === 0 && !reportedDone;
}

export const UNFINISHED_MESSAGE =
  'its process ended before run() finished (run() called process.exit, or returned a promise that never settles)';
