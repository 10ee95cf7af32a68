/**
 * Bounds for tests whose failure mode is a hang: the process group is
 * killed once the bound passes, so a regression fails the test instead of
 * holding the suite.
 */
import type { RunEvent } from '../../src/execution/events.js';
import { killGroup, waitGroupGone, type Exit, type Running } from './rig.js';

export type Bounded = Exit & { hung: boolean };

/** The run's exit, or `hung: true` after its whole group was killed at `ms`. */
export async function within(run: Running, ms: number): Promise<Bounded> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), ms)));
  const first = await Promise.race([run.exited, bound]);
  clearTimeout(timer);
  if (first !== 'hung') return { ...first, hung: false };
  killGroup(run.pid, 'SIGKILL');
  await waitGroupGone(run.pid);
  return { ...(await run.exited), hung: true };
}

/** The messages of a run's failed cells, one per line. */
export function failureMessages(events: readonly RunEvent[]): string {
  return events
    .flatMap((e) => (e.type === 'cell' && e.status === 'failed' ? [`${e.cell}: ${e.message ?? ''}`] : []))
    .join('\n');
}
