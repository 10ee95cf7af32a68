import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { MetaStore } from '../cache/cache.js';
import type { RuntimeProvider } from '../stage-api.js';
import { builtinStagesDir } from './stage-kinds.js';
import { canonicalJson, sha256 } from '../util/hash.js';
import { EnvironmentError } from '../exit.js';

const require = createRequire(import.meta.url);
const TFJS_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
];

export interface RuntimeOptions {
  /** Forced backend (`--backend` / ABLATE_BACKEND). */
  backend?: string;
}

/**
 * Facts that change a stage's numbers. Probing tfjs means initialising a
 * backend (hundreds of ms), so the answer is memoised in the cache, keyed by
 * everything that could change it: installed package versions, the forced
 * backend and the visible GPUs.
 */
export async function runtimeFacts(
  providers: readonly RuntimeProvider[],
  cache: MetaStore,
  options: RuntimeOptions,
): Promise<Record<string, string>> {
  const facts: Record<string, string> = {};
  for (const p of providers) Object.assign(facts, await PROBES[p](cache, options));
  return facts;
}

/** One probe per provider: the Record type makes a new provider without a probe a type error. */
const PROBES: Record<RuntimeProvider, (cache: MetaStore, options: RuntimeOptions) => Promise<Record<string, string>>> =
  {
    tfjs: tfjsFacts,
  };

function isStringRecord(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
  );
}

async function tfjsFacts(cache: MetaStore, options: RuntimeOptions): Promise<Record<string, string>> {
  const versions = Object.fromEntries(TFJS_PACKAGES.map((p) => [p, installedVersion(p) ?? 'absent']));
  const key = `tfjs-probe:${sha256(canonicalJson({ versions, backend: options.backend ?? '', gpus: process.env.CUDA_VISIBLE_DEVICES ?? '' }))}`;
  const memo = cache.getMeta(key);
  if (isStringRecord(memo)) return memo;
  const probe = join(builtinStagesDir, 'ml', 'probe.js');
  if (!existsSync(probe))
    return { tfjs: versions['@tensorflow/tfjs'] ?? 'absent', backend: options.backend ?? 'unknown' };
  const env: Record<string, string> = options.backend === undefined ? {} : { ABLATE_BACKEND: options.backend };
  const { runNodeScript } = await import('../execution/child-process.js');
  const result = await runNodeScript(probe, env);
  if (!result.ok)
    throw new RuntimeProbeError(
      `cannot initialise a TensorFlow.js backend${options.backend ? ` "${options.backend}"` : ''}: ${result.error}`,
    );
  const parsed = JSON.parse(result.value) as { backend: string; tfjsVersion: string };
  const facts = { tfjs: parsed.tfjsVersion, backend: parsed.backend };
  await cache.putMeta(key, facts);
  return facts;
}

function installedVersion(pkg: string): string | undefined {
  try {
    const file = require.resolve(`${pkg}/package.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export class RuntimeProbeError extends EnvironmentError {}
