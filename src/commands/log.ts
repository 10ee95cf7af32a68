import { existsSync, readFileSync } from 'node:fs';
import { findCell, openSession, UsageError, type CommonOptions } from './session.js';

/** Prints the log of a cell's last attempt (failed or successful). */
export async function logCommand(o: CommonOptions & { cell: string }): Promise<number> {
  const session = await openSession(o);
  try {
    const cell = findCell(session.analysis, o.cell);
    const failure = session.cache.lastFailure(session.pipelineKey, cell.id);
    const latest = session.cache.latest(session.pipelineKey, cell.id);
    const path = failure?.log ?? (latest === undefined ? undefined : session.cache.logPath(latest));
    if (path === undefined || !existsSync(path))
      throw new UsageError(`no log for ${cell.id}: it has not run with this cache`);
    if (failure) process.stdout.write(`# ${cell.id} failed at ${failure.at}: ${failure.error}\n`);
    process.stdout.write(readFileSync(path, 'utf8'));
    return 0;
  } finally {
    await session.cache.close();
  }
}
