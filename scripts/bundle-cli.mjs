/**
 * Bundles the compiled CLI (dist/src/cli.js and every module it imports,
 * eagerly or on demand) into one file, dist/cli/cli.cjs, and writes V8's
 * code cache for it (scripts/warm-cli.mjs). `bin/ablate.js` loads that file
 * with its cache (bin/load-bundle.js): a no-op run spent most of its own time
 * resolving, linking and compiling about a hundred modules. Run after `tsc`
 * (see package.json `build`).
 *
 * What the bundle must not change:
 *   - paths: each module's `import.meta.url` is rewritten to the URL of the
 *     file it was bundled from, so the engine still finds its workers, stage
 *     kinds, schemas and compiled files (the plan snapshot's engine stamp);
 *   - packages: only yargs, and what it imports, is bundled;
 *     every other package stays an import of its own, resolved where it is
 *     installed, and one imported on demand is still imported on demand;
 *   - names: `keepNames` keeps classes' and functions' `name` as written.
 * Modules imported on demand stay unevaluated until then (esbuild wraps them).
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(root, 'dist', 'cli');
const entry = resolve(root, 'dist', 'src', 'cli.js');

/**
 * Packages inlined, with what they import: the argument parser, which every
 * invocation loads. LMDB stays out: its key encoding (ordered-binary) reads
 * strings through a direct `eval` that bundling breaks (see `noEval`).
 */
const INLINED = new Set(['yargs']);

/** `lodash/fp` -> `lodash`, `@scope/name/x` -> `@scope/name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Bare specifiers from our own modules are external unless inlined; a bundled package's own imports are bundled. */
const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || args.kind === 'entry-point') return undefined;
      const fromPackage = args.importer.split(sep).includes('node_modules');
      if (fromPackage || INLINED.has(packageName(args.path))) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * The package a bundled file belongs to (the innermost node_modules folder above it), or undefined for our own.
 * @param {string} path
 */
function owningPackage(path) {
  const parts = path.split(sep);
  const at = parts.lastIndexOf('node_modules');
  return at < 0 ? undefined : packageName(parts.slice(at + 1).join('/'));
}

/**
 * A built-in that a bundled package loads at start-up but calls only on a
 * rare path: yargs checks its invariants with node:assert, whose loading
 * also sets up stderr for its colours. The stand-in behaves as node:assert
 * does (an assertion that holds returns, one that fails is node:assert's)
 * and loads it when first needed.
 */
const LAZY_BUILTINS = {
  'yargs/assert': `
export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) require('node:assert').strictEqual(actual, expected, message);
}
export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) require('node:assert').notStrictEqual(actual, expected, message);
}`,
};

const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?assert$/ }, (args) => {
      const key = `${owningPackage(args.importer)}/${args.path.replace(/^node:/, '')}`;
      return key in LAZY_BUILTINS ? { path: key, namespace: 'lazy-builtin' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: LAZY_BUILTINS[args.path],
      loader: 'js',
    }));
  },
};

/** Where esbuild finds packages: paths under it are kept relative to it, as Node resolves them. */
const packages = realpathSync(resolve(root, 'node_modules'));
const HELPER = 'ablate-bundle:package-url';

/**
 * The URL a bundled module's `import.meta.url` stands for: our own modules
 * stay where dist/cli finds them (../src/...); a package's file is looked up
 * at run time in the node_modules folder Node would take that package from,
 * which need not be where it was when the bundle was built.
 */
function urlExpression(path) {
  if (!path.startsWith(packages + sep))
    return `new URL(${JSON.stringify(relative(outdir, path).split(sep).join('/'))}, __ablateBundleUrl).href`;
  const inPackages = path
    .slice(packages.length + 1)
    .split(sep)
    .join('/');
  return `__packageFileUrl(${JSON.stringify(packageName(inPackages))}, ${JSON.stringify(inPackages)})`;
}

/** Finds a package's folder as Node does: the first node_modules above the bundle that holds it, symlinks resolved. */
const HELPER_SOURCE = `
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
const found = new Map();
export function packageFileUrl(name, path) {
  let dir = found.get(name);
  for (let d = __dirname; dir === undefined; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', name))) dir = dirname(realpathSync(join(d, 'node_modules', name)));
    else if (dirname(d) === d) throw new Error('the bundled CLI cannot find the package ' + name + ' above ' + __dirname);
  }
  found.set(name, dir);
  return pathToFileURL(join(dir, ...path.split('/').slice(name.split('/').length - 1))).href;
}
`;

/**
 * A direct `eval` sees the names of its module's scope, which bundling
 * renames where modules share them: the evaluated code would read another
 * variable. A bundled file with one fails the build instead.
 */
function noEval(path, text) {
  if (/(?<![\w$.])eval\s*\(/.test(text))
    throw new Error(`${path} calls eval, which bundling breaks; leave it out of the bundle`);
}

/** Each bundled file's `import.meta.url` names that file, not the bundle. */
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${HELPER}$`) }, () => ({ path: HELPER, namespace: HELPER }));
    b.onLoad({ filter: /.*/, namespace: HELPER }, () => ({ contents: HELPER_SOURCE, loader: 'js', resolveDir: root }));
    b.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      noEval(args.path, text);
      if (!text.includes('import.meta.url')) return undefined;
      const url = urlExpression(args.path);
      const helper = url.startsWith('__packageFileUrl')
        ? `import { packageFileUrl as __packageFileUrl } from '${HELPER}';\n`
        : '';
      return {
        contents: helper + text.replaceAll('import.meta.url', url),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/**
 * A dynamic `import()` in code compiled by `vm.Script` needs a loader of its
 * own (an experimental API, and one Node 20 drops when the code comes from
 * the cache): the bundle's imports on demand, all of packages or of file
 * URLs, call the `import` of bin/load-bundle.js instead, an ES module of the
 * same package, so they resolve as before.
 */
async function routeDynamicImports(file) {
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(/(?<![\w$.])import\(/g, '__ablateImport('));
}

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [entry],
  outfile: join(outdir, 'cli.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  keepNames: true,
  banner: { js: "const __ablateBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [lazyBuiltins, externals, ownUrl],
  logLevel: 'warning',
});

await routeDynamicImports(join(outdir, 'cli.cjs'));

// Without its code cache the bundle still runs, only slower: a failed warm-up is reported, not fatal.
const warm = spawnSync(process.execPath, [join(root, 'scripts', 'warm-cli.mjs')], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (warm.status !== 0) process.stderr.write(`bundle-cli: no code cache written (warm-cli exited ${warm.status})\n`);
