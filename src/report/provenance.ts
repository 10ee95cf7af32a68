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
import type { CellRecord } from '../cache/cache.js';

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

export function provenanceOf(
  pipeline: string,
  dir: string,
  // Partial: records written by older ablate versions may lack versions, runtime or host.
  records: readonly Partial<CellRecord>[],
  now = new Date(),
): Provenance {
  const distinct = (xs: (string | undefined)[]): string[] =>
    [...new Set(xs.filter((x): x is string => x !== undefined && x !== ''))].sort();
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
    `git commit of the pipeline's repository at export: ${p.git ? `${p.git.commit}${p.git.dirty ? ' (tracked files had uncommitted changes)' : ' (clean working tree)'}` : 'not a git repository'}; cached cells are reused across commits wherever their fingerprints match`,
    ...Object.entries(p.runtime).map(([k, v]) => `${k}: ${list(v)}`),
    `Node: ${list(p.node)}; platform: ${list(p.platform)}; ablate: ${list(p.ablate)}`,
    `machines: ${list(p.hosts)}`,
    `exported: ${p.exportedAt}`,
  ];
}

const HEADING = 'Provenance of this copy';
const NOTE =
  'Added by `npm run paper` when it exported this report from the cache: facts outside every fingerprint, so the report cell does not write them.';

/** A Markdown section to append to an exported report.md. */
export function provenanceMarkdown(p: Provenance): string {
  return `\n## ${HEADING}\n\n${NOTE}\n\n${provenanceLines(p)
    .map((l) => `- ${l}`)
    .join('\n')}\n`;
}

/** The same as an HTML section, inserted before an exported report.html's `</body>`. */
export function withProvenanceHtml(html: string, p: Provenance): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const code = (s: string): string => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
  const section = `<section id="provenance-of-this-copy">\n<h2>${HEADING}</h2>\n<p>${code(NOTE)}</p>\n<ul>${provenanceLines(
    p,
  )
    .map((l) => `<li>${esc(l)}</li>`)
    .join('')}</ul>\n</section>\n`;
  const at = html.lastIndexOf('</body>');
  return at < 0 ? html + section : html.slice(0, at) + section + html.slice(at);
}
