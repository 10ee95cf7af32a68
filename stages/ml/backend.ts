/**
 * TensorFlow.js backend selection.
 *
 * The chain, first that really initialises wins:
 *
 *   1. `tensorflow-gpu`: `@tensorflow/tfjs-node-gpu`, only tried when a CUDA
 *      GPU is visible (an NVIDIA device node and CUDA_VISIBLE_DEVICES not
 *      hiding it).
 *   2. `tensorflow`: `@tensorflow/tfjs-node` (libtensorflow on the CPU).
 *   3. `wasm`: `@tensorflow/tfjs-backend-wasm`, its .wasm binaries loaded from
 *      node_modules (never the network). SIMD when the runtime has it; no
 *      threads in Node.
 *   4. `cpu`: the pure-JS backend that ships with `@tensorflow/tfjs`.
 *
 * Both native packages register a backend TF.js itself calls `tensorflow`;
 * this module names the GPU one `tensorflow-gpu` so that fingerprints tell the
 * two apart. A preferred backend (argument, else `ABLATE_BACKEND`) replaces
 * the chain and is an error when it does not initialise.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** Backend names in chain order. */
export const BACKEND_CHAIN = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_CHAIN)[number];

export interface BackendInfo {
  /** One of {@link BACKEND_CHAIN}. */
  backend: string;
  /** `tf.version.tfjs`, e.g. `4.22.0`. */
  tfjsVersion: string;
}

/** Why each backend of the chain was skipped, for error messages and logs. */
export interface BackendAttempt {
  backend: BackendName;
  error: string;
}

const require = createRequire(import.meta.url);
let current: { info: BackendInfo; attempts: BackendAttempt[] } | undefined;

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_CHAIN as readonly string[]).includes(name);
}

/** True when an NVIDIA GPU is present and not hidden by CUDA_VISIBLE_DEVICES. */
export function cudaGpuVisible(env: NodeJS.ProcessEnv = process.env): boolean {
  const visible = env['CUDA_VISIBLE_DEVICES'];
  if (visible !== undefined && (visible.trim() === '' || visible.trim() === '-1')) return false;
  return existsSync('/dev/nvidia0') || existsSync('/proc/driver/nvidia/gpus');
}

/**
 * Select and initialise a backend. Idempotent: later calls return the
 * backend already chosen unless a different `preferred` is named.
 *
 * @param preferred a name from {@link BACKEND_CHAIN}; defaults to the
 *   `ABLATE_BACKEND` environment variable; when set, nothing else is tried.
 * @throws Error when `preferred` is unknown or fails to initialise, or (never
 *   in practice) when no backend of the chain initialises.
 */
export async function initBackend(preferred?: string): Promise<BackendInfo> {
  const wanted = nonEmpty(preferred) ?? nonEmpty(process.env['ABLATE_BACKEND']);
  if (current && (wanted === undefined || wanted === current.info.backend)) {
    await ensureActive(current.info.backend as BackendName);
    return current.info;
  }
  tf.enableProdMode(); // silences the "install tfjs-node" banner on stderr
  if (wanted !== undefined) {
    if (!isBackendName(wanted)) {
      throw new Error(`Unknown TF.js backend '${wanted}'. Known backends: ${BACKEND_CHAIN.join(', ')}.`);
    }
    const failure = await tryBackend(wanted);
    if (failure !== undefined) {
      throw new Error(`TF.js backend '${wanted}' was requested but failed to initialise: ${failure}`);
    }
    return remember(wanted, []);
  }
  const attempts: BackendAttempt[] = [];
  for (const name of BACKEND_CHAIN) {
    const failure = await tryBackend(name);
    if (failure === undefined) return remember(name, attempts);
    attempts.push({ backend: name, error: failure });
  }
  const detail = attempts.map((a) => `${a.backend}: ${a.error}`).join('; ');
  throw new Error(`No TF.js backend initialised (${detail})`);
}

/** Backends skipped by the last chain walk (empty when one was preferred). */
export function skippedBackends(): BackendAttempt[] {
  return current?.attempts ?? [];
}

/**
 * What {@link initBackend} picks in this process, as the engine's runtime
 * facts. `stages/ml/probe.ts` prints this as JSON for the engine.
 */
export async function probeBackend(preferred?: string): Promise<BackendInfo> {
  return initBackend(preferred);
}

function remember(name: BackendName, attempts: BackendAttempt[]): BackendInfo {
  const info = { backend: name, tfjsVersion: tf.version.tfjs };
  current = { info, attempts };
  return info;
}

async function ensureActive(name: BackendName): Promise<void> {
  if (tf.getBackend() !== tfName(name)) await activate(name);
}

function tfName(name: BackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name;
}

/** Returns undefined on success, else why the backend is unusable. */
async function tryBackend(name: BackendName): Promise<string | undefined> {
  try {
    await register(name);
    await activate(name);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(tfName(name));
  if (!ok) throw new Error(`tf.setBackend('${tfName(name)}') returned false`);
  await tf.ready();
}

/** Import the package that registers `name` (a no-op for cpu). */
async function register(name: BackendName): Promise<void> {
  switch (name) {
    case 'tensorflow-gpu':
      if (!cudaGpuVisible()) throw new Error('no CUDA GPU visible');
      await importOptional('@tensorflow/tfjs-node-gpu');
      return;
    case 'tensorflow':
      await importOptional('@tensorflow/tfjs-node');
      return;
    case 'wasm':
      await registerWasm();
      return;
    case 'cpu':
      return;
  }
}

async function importOptional(specifier: string): Promise<void> {
  try {
    // A variable specifier keeps TypeScript from requiring the optional types.
    await import(specifier);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`${specifier} is not usable (${message})`);
  }
}

let wasmRegistered = false;

async function registerWasm(): Promise<void> {
  if (wasmRegistered) return;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // The package's main file lives in its dist/ folder next to the binaries.
  const distDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  wasm.setWasmPaths(distDir + path.sep);
  wasmRegistered = true;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
