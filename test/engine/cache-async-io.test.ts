import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'node:test';
import ts from 'typescript';

/**
 * The cache's async paths run while the engine keeps other cells going, so
 * they must not block the event loop on the file system. Blocking helpers in
 * src/cache are named *Sync (like node:fs's own), which makes the rule
 * checkable by name: no async function there calls a *Sync function or
 * anything imported from node:fs. A callback handed to an LMDB transaction
 * is exempt: LMDB runs it synchronously, inside the write transaction, by
 * design (a commit checks its blobs there, see LmdbRecordStore.commit).
 */

const CACHE_SRC = fileURLToPath(new URL('../../../src/cache', import.meta.url));
const TRANSACTIONS = new Set(['transaction', 'childTransaction', 'transactionSync', 'atomically']);

function calleeName(call: ts.CallExpression): string | undefined {
  const e = call.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

function isAsync(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
}

function isTransactionCallback(fn: ts.Node): boolean {
  const parent = fn.parent;
  if (!ts.isCallExpression(parent) || !parent.arguments.includes(fn as ts.Expression)) return false;
  return TRANSACTIONS.has(calleeName(parent) ?? '');
}

/** `name (line): call` for each blocking call made directly (or through a plain nested callback) by an async function. */
function blockingCallsInAsync(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const fromFs = new Set<string>();
  for (const st of source.statements) {
    if (
      !ts.isImportDeclaration(st) ||
      !ts.isStringLiteral(st.moduleSpecifier) ||
      !['node:fs', 'fs'].includes(st.moduleSpecifier.text)
    )
      continue;
    const bindings = st.importClause?.namedBindings;
    if (bindings !== undefined && ts.isNamedImports(bindings))
      for (const el of bindings.elements) if (!el.isTypeOnly) fromFs.add(el.name.text);
  }
  const found: string[] = [];
  const scan = (node: ts.Node, owner: string): void => {
    if (ts.isFunctionLike(node) && (isAsync(node) || isTransactionCallback(node))) return;
    if (ts.isCallExpression(node)) {
      const name = calleeName(node);
      if (name !== undefined && (name.endsWith('Sync') || (ts.isIdentifier(node.expression) && fromFs.has(name)))) {
        found.push(`${owner} (line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}): ${name}`);
      }
    }
    ts.forEachChild(node, (child) => scan(child, owner));
  };
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && isAsync(node) && 'body' in node && node.body !== undefined) {
      const owner = node.name !== undefined && ts.isIdentifier(node.name) ? node.name.text : '<async function>';
      ts.forEachChild(node.body, (child) => scan(child, `${fileName} ${owner}`));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('the scan finds blocking calls in async functions, and only there', () => {
  const text = [
    "import { statSync, existsSync } from 'node:fs';",
    'async function bad(p: string) { statSync(p); [p].map((q) => existsSync(q)); await this.blobs.readSync(p); }',
    'function fine(p: string) { statSync(p); }',
    'async function alsoFine(db: any, p: string) { await db.transaction(() => db.blobs.hasSync(p)); }',
  ].join('\n');
  assert.deepEqual(blockingCallsInAsync('x.ts', text), [
    'x.ts bad (line 2): statSync',
    'x.ts bad (line 2): existsSync',
    'x.ts bad (line 2): readSync',
  ]);
});

test('no async function in src/cache blocks on the file system', () => {
  const files = readdirSync(CACHE_SRC).filter((f) => f.endsWith('.ts'));
  assert.ok(files.includes('lmdb-cache.ts') && files.includes('artifact-store.ts'), `src/cache found at ${CACHE_SRC}`);
  const found = files.flatMap((f) => blockingCallsInAsync(f, readFileSync(join(CACHE_SRC, f), 'utf8')));
  assert.deepEqual(found, []);
});
