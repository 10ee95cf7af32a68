import { readFileSync } from 'node:fs';

import { createHash } from 'node:crypto';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Identifies the engine's validation rules: its version and the pipeline
 * schema and loader code, so a changed engine re-validates remembered pipelines.
 */
export const ENGINE_STAMP = createHash('sha256')
  .update(pkg.version)
  .update(readFileSync(new URL('../schema/pipeline.schema.json', import.meta.url)))
  .update(readFileSync(new URL('./plan/analyzer.js', import.meta.url)))
  .update(readFileSync(new URL('./pipeline/pipeline-loader.js', import.meta.url)))
  .digest('hex');

/** Versions stored with every record, for provenance. */
export function engineVersions(): Record<string, string> {
  return { ablate: pkg.version, node: process.version, platform: `${process.platform}-${process.arch}` };
}
