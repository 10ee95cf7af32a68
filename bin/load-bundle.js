// Built-ins as in bin/ablate.js: no ES import of them, whose facades cost more than this whole file.
const { readFileSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');
const nodeModule = process.getBuiltinModule('node:module');
const path = process.getBuiltinModule('node:path');
const vm = process.getBuiltinModule('node:vm');

const modified = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;

/**
 * Loads the bundled CLI (dist/cli/cli.cjs, see scripts/bundle-cli.mjs) as
 * Node loads a CommonJS file, but with V8's code cache beside it
 * (cli.cjs.cache, see scripts/warm-cli.mjs), so that the functions a run
 * needs arrive compiled instead of being parsed and compiled at every start.
 * V8 refuses a cache made by another Node or under other flags, and one
 * older than the bundle is not offered: either way the bundle compiles as usual.
 */
export function loadBundle(file) {
  const cacheFile = `${file}.cache`;
  const cachedData = modified(cacheFile) >= modified(file) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname, __ablateImport) {${readFileSync(file, 'utf8')}\n})`,
    { filename: file, cachedData },
  );
  const module = { exports: {} };
  // The bundle's `import()`s (see scripts/bundle-cli.mjs), resolved from this package as from the bundle.
  const load = (specifier) => import(specifier);
  script.runInThisContext()(module.exports, nodeModule.createRequire(file), module, file, path.dirname(file), load);
  return {
    main: module.exports.main,
    /** Whether V8 took the code cache: whether the bundle started without compiling what the cache holds. */
    fromCache: cachedData !== undefined && !script.cachedDataRejected,
    /** Saves the functions compiled so far as the bundle's code cache. */
    writeCache: () => writeFileSync(cacheFile, script.createCachedData()),
  };
}
