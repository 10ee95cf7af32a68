/**
 * Provenance of an export: facts that are in no cell's fingerprint, so no
 * cell may write them (a cached result must equal a fresh run), yet a reader
 * of the results needs them: the git commit of the pipeline's repository and
 * whether its working tree was clean, and the Node versions, platforms and
 * machines the exported cells were computed on (from their records). The
 * runtime facts that are fingerprinted (TF.js backend and version) are
 * listed too, for completeness.
 */
import { spawnSync } from 'node:child_process';
import type { CellRecord } from './cache/cache.js';

export interface Provenance {
  pipeline: string;
  exportedAt: string;
  /** Null outside a git repository or without git. */
  git: { commit: string; dirty: boolean } | null;
  ablate: string[];
  node: string[];
  platform: string[];
  hosts: string[];
  /** Distinct values of each runtime fact across the cells, e.g. backend: ['wasm']. */
  runtime: Record<string, string[]>;
}

export function gitState(dir: string): Provenance['git'] {
  const git = (...args: string[]): string | null => {
    const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const commit = git('rev-parse', 'HEAD');
  const status = git('status', '--porcelain', '--untracked-files=no');
  return commit === null || status === null ? null : { commit, dirty: status !== '' };
}

export function provenanceOf(pipeline: string, dir: string, records: readonly CellRecord[], now = new Date()): Provenance {
  const distinct = (xs: (string | undefined)[]): string[] => [...new Set(xs.filter((x): x is string => x !== undefined && x !== ''))].sort();
  const runtimeKeys = [...new Set(records.flatMap((r) => Object.keys(r.runtime ?? {})))].sort();
  return {
    pipeline,
    exportedAt: now.toISOString(),
    git: gitState(dir),
    ablate: distinct(records.map((r) => r.versions?.ablate)),
    node: distinct(records.map((r) => r.versions?.node)),
    platform: distinct(records.map((r) => r.versions?.platform)),
    hosts: distinct(records.map((r) => r.host)),
    runtime: Object.fromEntries(runtimeKeys.map((k) => [k, distinct(records.map((r) => r.runtime?.[k]))])),
  };
}

/** The provenance as Markdown list items, for a report's appendix. */
export function provenanceLines(p: Provenance): string[] {
  const list = (xs: string[]): string => (xs.length > 0 ? xs.join(', ') : '–');
  return [
    `git commit: ${p.git ? `${p.git.commit}${p.git.dirty ? ' (working tree had uncommitted changes)' : ' (clean working tree)'}` : 'not a git repository'}`,
    ...Object.entries(p.runtime).map(([k, v]) => `${k}: ${list(v)}`),
    `Node: ${list(p.node)}; platform: ${list(p.platform)}; ablate: ${list(p.ablate)}`,
    `machines: ${list(p.hosts)}`,
    `exported: ${p.exportedAt}`,
  ];
}
