import { statSync, type Stats } from 'node:fs';

/**
 * How long after its last change a file's stat is trusted to stand for its
 * contents. A file rewritten with the same size within the file system's
 * timestamp granularity keeps its mtime, so a stat taken within this window
 * of a change proves nothing (the "racy" case, as git calls it).
 */
export const RACY_MS = 2000;

/** Stat fields that change whenever a file is rewritten or replaced; "absent" for no file. */
export function fileStamp(path: string): string {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return 'absent';
  }
  return `${st.mtimeMs}:${st.ctimeMs}:${st.size}:${st.ino}`;
}

/**
 * True when the file may have changed at or after `since` (a time before its
 * contents were read), allowing for timestamp granularity: its stat then
 * cannot vouch for what was read. A write sets mtime to the time of the
 * write; a tool that sets mtime back also moves ctime, which the stamp
 * compares, so mtime alone decides here.
 */
export function changedSince(st: Stats, since: number): boolean {
  return st.mtimeMs >= since - RACY_MS;
}
