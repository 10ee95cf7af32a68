import { pathToFileURL } from 'node:url';

/**
 * Imports a kind's module: JavaScript as it is, TypeScript (`.ts`, `.mts`)
 * through tsx, so a kind in a user's folder runs without a build step.
 */
export async function importModule(modulePath: string): Promise<unknown> {
  const url = pathToFileURL(modulePath).href;
  if (!/\.m?ts$/.test(modulePath)) return import(url);
  const { tsImport } = await import('tsx/esm/api');
  const mod = (await tsImport(url, import.meta.url)) as { default?: unknown };
  // Outside a `"type": "module"` package tsx compiles the file as CommonJS, whose exports arrive as the default.
  const inner = mod.default as { __esModule?: boolean; default?: unknown } | undefined;
  return inner?.__esModule === true ? inner : mod;
}
