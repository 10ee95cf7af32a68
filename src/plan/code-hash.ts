import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { init, parse } from 'es-module-lexer';
import { sha256, type Sha256 } from '../util/hash.js';

/** Files of a module and every local module it imports, with their hashes. */
export type CodeHashes = Record<string, Sha256>;

const memo = new Map<string, CodeHashes>();
const filesOf = new Map<string, string[]>();

/** Absolute paths of the files codeHashes(entry) read, once it has run. */
export function codeFiles(entry: string): readonly string[] {
  return filesOf.get(entry) ?? [];
}

/**
 * Hashes `entry` and the local modules it reaches through static imports
 * and dynamic imports with literal specifiers. Package imports are left
 * out: the versions that matter (tfjs) are runtime facts.
 * Keys are shown to users, so compiled files are named by their sources.
 */
export async function codeHashes(entry: string, root: string): Promise<CodeHashes> {
  const cached = memo.get(entry);
  if (cached !== undefined) return cached;
  await init();
  const out: CodeHashes = {};
  const queue = [entry];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file);
    out[displayName(file, root)] = sha256(text);
    for (const spec of localImports(text.toString('utf8'))) {
      const target = sourceOf(resolve(dirname(file), spec));
      if (target !== undefined) queue.push(target);
    }
  }
  const sorted: CodeHashes = {};
  for (const k of Object.keys(out).sort()) sorted[k] = out[k] as Sha256;
  memo.set(entry, sorted);
  filesOf.set(entry, [...seen]);
  return sorted;
}

/**
 * The file an import names. A TypeScript kind, run without compiling it,
 * imports `./x.js` and means `./x.ts` (the convention tsc and tsx follow).
 */
function sourceOf(target: string): string | undefined {
  if (existsSync(target)) return target;
  const ts = target.replace(/\.(m?)js$/, '.$1ts');
  return ts !== target && existsSync(ts) ? ts : undefined;
}

function localImports(source: string): string[] {
  const [imports] = parse(source);
  return imports
    .map((i) => (i as { specifier?: string | null }).specifier ?? undefined)
    .filter((n): n is string => n !== undefined && (n.startsWith('./') || n.startsWith('../')));
}

/** `dist/stages/train.js` is shown as `stages/train.ts` when that source exists. */
function displayName(file: string, root: string): string {
  const rel = relative(root, file);
  const m = /^dist\/(.*)\.js$/.exec(rel);
  if (m !== null) {
    const ts = `${m[1]}.ts`;
    if (existsSync(resolve(root, ts))) return ts;
  }
  return rel;
}
