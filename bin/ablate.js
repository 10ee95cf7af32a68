#!/usr/bin/env node
// Built-ins come from process.getBuiltinModule: an ES `import` of node:fs builds
// a facade of all its exports, which loads Node's streams, a tenth of a no-op run.
const { statSync } = process.getBuiltinModule('node:fs');
const { fileURLToPath } = process.getBuiltinModule('node:url');

// The bundled CLI (scripts/bundle-cli.mjs) starts in a fraction of the time of
// the modules it is made of. It runs only when it was built after them: after
// a `tsc` without the bundle step the compiled modules run, never a stale bundle.
const bundle = fileURLToPath(new URL('../dist/cli/cli.cjs', import.meta.url));
const compiled = new URL('../dist/src/cli.js', import.meta.url);
const modified = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;
const { main } =
  modified(bundle) >= modified(compiled)
    ? (await import('./load-bundle.js')).loadBundle(bundle)
    : await import(compiled.href);
await main(process.argv.slice(2));
