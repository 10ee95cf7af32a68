import { canonicalJson } from '../util/hash.js';

/**
 * One JSON output whose numbers are metrics: all of its numeric leaves, or
 * only the dotted paths in `keys` (a list, each path its own name, or an
 * object from metric name to path).
 */
export interface MetricsFile {
  file: string;
  keys?: string[] | Record<string, string>;
}

/** A stage's `metrics` field as written: a file name, a file with keys, or a list of these. */
export type MetricsDecl = string | MetricsFile | (string | MetricsFile)[];

/** A declaration in one form, and the text that identifies it (stored beside extracted values). */
export interface MetricsSpec {
  files: MetricsFile[];
  key: string;
}

export function metricsSpec(decl: MetricsDecl | undefined): MetricsSpec | undefined {
  if (decl === undefined) return undefined;
  const list = Array.isArray(decl) ? decl : [decl];
  const files = list.map((d): MetricsFile =>
    typeof d === 'string'
      ? { file: d }
      : d.keys === undefined
        ? { file: d.file }
        : { file: d.file, keys: Array.isArray(d.keys) ? [...d.keys] : { ...d.keys } },
  );
  return { files, key: canonicalJson(files) };
}

/** The declared files an exec stage does not list among its `outputs`: they would never be stored. */
export function undeclaredMetricsFiles(spec: MetricsSpec, outputs: readonly string[] | undefined): string[] {
  if (outputs === undefined) return [];
  return spec.files.map((f) => f.file).filter((f) => !outputs.includes(f));
}
