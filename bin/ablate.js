#!/usr/bin/env node
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The bundled CLI (scripts/bundle-cli.mjs) starts in a fraction of the time of
// the modules it is made of. It runs only when it was built after them: after
// a `tsc` without the bundle step the compiled modules run, never a stale bundle.
const bundle = fileURLToPath(new URL('../dist/cli/cli.cjs', import.meta.url));
const compiled = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
const modified = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;
const { main } =
  modified(bundle) >= modified(compiled)
    ? (await import('./load-bundle.js')).loadBundle(bundle)
    : await import(new URL('../dist/src/cli.js', import.meta.url).href);
await main(process.argv.slice(2));
