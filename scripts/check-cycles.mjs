#!/usr/bin/env node
// Fails when the engine's modules import one another in a cycle, type-only
// imports and dynamic imports included: the folders are meant to read as
// one direction of flow (pipeline -> plan -> execution -> cache -> report).
// TypeScript resolves each specifier (so `./x.js` finds `./x.ts`) and
// graphlib finds the cycles.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative, resolve } from 'node:path';
import ts from 'typescript';

const graphlib = createRequire(import.meta.url)('@dagrejs/graphlib');
const root = resolve(import.meta.dirname, '..');
const config = ts.parseJsonConfigFileContent(
  ts.readConfigFile(resolve(root, 'tsconfig.json'), (p) => ts.sys.readFile(p)).config,
  ts.sys,
  root,
);
const inSrc = (f) => f.startsWith(resolve(root, 'src') + '/') && f.endsWith('.ts') && !f.endsWith('.d.ts');
const graph = new graphlib.Graph();

for (const file of config.fileNames.filter(inSrc)) {
  graph.setNode(relative(root, file));
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  for (const { fileName } of importedFiles) {
    const target = ts.resolveModuleName(fileName, file, config.options, ts.sys).resolvedModule?.resolvedFileName;
    if (target !== undefined && inSrc(target)) graph.setEdge(relative(root, file), relative(root, target));
  }
}

const cycles = graphlib.alg.findCycles(graph);
for (const cycle of cycles) console.error(`import cycle: ${[...cycle].reverse().join(' -> ')} -> ${cycle.at(-1)}`);
console.log(`${graph.nodeCount()} modules, ${graph.edgeCount()} imports, ${cycles.length} cycles`);
process.exit(cycles.length === 0 ? 0 : 1);
