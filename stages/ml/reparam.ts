/**
 * Target reparameterizations ("OutRep"): the model learns f(target) and
 * predictions map back with f^-1.
 *
 * Each function lives in its own module `stages/reparam/<name>.ts` whose
 * default export is a {@link Reparam}. Stage kinds that take an `f` param
 * declare `plugins: { f: './reparam' }` so the engine hashes only the module
 * a cell uses; adding a function is adding one file, nothing else changes.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface Reparam {
  /** Equals the module's file name. */
  name: string;
  /** Human-readable formula, e.g. `sqrt(x)`. */
  describe: string;
  /** The reparameterization, applied to targets (defined for x >= 1 at least). */
  f: (x: number) => number;
  /** Maps a model output back to the target space; total (clamps outside the range of f). */
  inverse: (y: number) => number;
}

const REPARAM_DIR = new URL('../reparam/', import.meta.url);
const NAME = /^[a-z][a-z0-9_]*$/;

/** Names of the reparameterization modules shipped next to this one. */
export async function availableReparams(): Promise<string[]> {
  const files = await readdir(fileURLToPath(REPARAM_DIR));
  return files
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -'.js'.length))
    .sort();
}

/**
 * Load `stages/reparam/<name>.js`.
 * @throws Error naming the available functions when `name` has none.
 */
export async function loadReparam(name: string): Promise<Reparam> {
  if (!NAME.test(name)) throw await unknown(name);
  let mod: { default?: Reparam };
  try {
    mod = (await import(`../reparam/${name}.js`)) as { default?: Reparam };
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') throw await unknown(name);
    throw error;
  }
  const r = mod.default;
  if (!r || typeof r.f !== 'function' || typeof r.inverse !== 'function' || r.name !== name) {
    throw new Error(`stages/reparam/${name} must default-export { name: '${name}', describe, f, inverse }`);
  }
  return r;
}

async function unknown(name: string): Promise<Error> {
  const names = await availableReparams();
  return new Error(`Unknown reparameterization f='${name}'. Available: ${names.join(', ')}.`);
}
