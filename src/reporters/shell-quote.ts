import type { CommonOptions } from '../commands/session.js';

/** Words a shell takes as they are: no globbing, expansion or splitting in bash or zsh (zsh expands a leading `=`). */
const PLAIN = /^[A-Za-z0-9_./:@%+,-][A-Za-z0-9_./:@%+,=-]*$/;

/**
 * One word for bash and zsh alike: as it is when plain, else in single
 * quotes, inside which neither shell expands anything; a quote itself is
 * closed, escaped and reopened (`'\''`). Cell ids need it: `a[seed=0]` is a
 * glob, which zsh refuses when it matches no file.
 */
export function shellWord(word: string): string {
  return PLAIN.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The arguments after `ablate log` that name this run's pipeline: its file and what changes its cells or cache. */
export function logArgs(o: Pick<CommonOptions, 'pipeline' | 'cacheDir' | 'set'>): string[] {
  return [
    o.pipeline,
    ...(o.cacheDir === undefined ? [] : ['--cache-dir', o.cacheDir]),
    ...(o.set ?? []).flatMap((s) => ['--set', s]),
  ];
}

/** `ablate log …` for a cell, ready to paste into bash or zsh. */
export function logCommand(args: readonly string[], cell: string): string {
  return ['ablate', 'log', ...args, cell].map(shellWord).join(' ');
}
