import { existsSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupPolicyProblem, type StageDefinition } from '../stage-api.js';
import type { KindInfo, KindSchema } from './types.js';
import { execDefinition } from '../execution/exec-definition.js';
import { describeThrown } from '../util/thrown.js';
import { importModule } from '../util/import-module.js';
import { valueText } from '../util/value-text.js';

/** dist/stages, next to the compiled engine. */
export const builtinStagesDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'stages');

/** Names of every kind a pipeline in `pipelineDir` may use. */
export function availableKinds(declared: Record<string, string>): string[] {
  const names = new Set<string>(['exec', ...Object.keys(declared)]);
  if (existsSync(builtinStagesDir)) {
    for (const f of readdirSync(builtinStagesDir)) {
      if (f.endsWith('.js')) names.add(f.slice(0, -3));
    }
  }
  return [...names].sort();
}

export function kindModulePath(
  name: string,
  declared: Record<string, string>,
  pipelineDir: string,
): string | undefined {
  const custom = Object.hasOwn(declared, name) ? declared[name] : undefined;
  if (custom !== undefined) return resolve(pipelineDir, custom);
  if (name === 'exec') return undefined;
  const builtin = resolve(builtinStagesDir, `${name}.js`);
  return existsSync(builtin) ? builtin : undefined;
}

export async function loadKind(name: string, modulePath: string | undefined): Promise<KindInfo> {
  if (modulePath === undefined) return { type: 'exec', name, definition: execDefinition };
  if (!existsSync(modulePath)) throw new KindLoadError(`its module ${modulePath} does not exist`);
  const mod = (await importGuarded(modulePath)) as { default?: StageDefinition };
  const definition = mod.default;
  if (definition === undefined || typeof definition.run !== 'function' || typeof definition.params !== 'object') {
    throw new KindLoadError(`${modulePath} does not default-export a stage definition (defineStage({...}))`);
  }
  const problem = groupPolicyProblem(definition);
  if (problem !== undefined) throw new KindLoadError(`${modulePath} ${problem}`);
  return { type: 'module', name, modulePath, definition };
}

export class KindLoadError extends Error {}

/** Longer than any honest module takes to load (tfjs included), on a loaded machine. */
const LOAD_LIMIT_MS = 300_000;

/**
 * Imports a kind's module in the engine's own process, which must survive
 * whatever the module does while loading: a thrown non-error becomes a
 * message, process.exit() becomes an error instead of ending the command
 * (with exit code 0), and a top-level await that never settles is noticed
 * when nothing else is left to run, or after LOAD_LIMIT_MS.
 */
async function importGuarded(modulePath: string): Promise<unknown> {
  // Kept as its property descriptor (an own, writable property in Node) and put back as it was.
  const exit = Object.getOwnPropertyDescriptor(process, 'exit');
  let onDrained: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    onDrained = () =>
      reject(new KindLoadError('its module never finished loading (a top-level await that never settles)'));
    process.once('beforeExit', onDrained);
    timer = setTimeout(
      () => reject(new KindLoadError(`its module did not finish loading within ${LOAD_LIMIT_MS / 1000} s`)),
      LOAD_LIMIT_MS,
    ).unref();
  });
  process.exit = (code?: number | string | null) => {
    throw new KindLoadError(`its module called process.exit(${code ?? ''}) while loading`);
  };
  try {
    return await Promise.race([importModule(modulePath), stuck]);
  } catch (e) {
    if (e instanceof KindLoadError) throw e;
    throw new KindLoadError(e instanceof Error ? e.message : `its module threw ${describeThrown(e)} while loading`);
  } finally {
    if (exit !== undefined) Object.defineProperty(process, 'exit', exit);
    if (onDrained !== undefined) process.off('beforeExit', onDrained);
    clearTimeout(timer);
  }
}

/** The module a plugin param selects: its value, else its schema default, else none. */
export function pluginValue(
  definition: KindSchema,
  params: Record<string, unknown>,
  param: string,
): string | undefined {
  const value =
    params[param] ??
    (definition.params as { properties?: Record<string, { default?: unknown }> }).properties?.[param]?.default;
  return value === undefined ? undefined : valueText(value);
}
