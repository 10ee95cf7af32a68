/**
 * renderCommand against real shells: every generated string comes back
 * from dash and bash as exactly one word, byte for byte; numbers stay bare
 * so shell arithmetic still works (a quoted '3' is a syntax error inside
 * $(( )) in both shells).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { renderCommand, shellQuote } from '../../src/execution/exec-definition.js';

const SHELLS = ['dash', 'bash'].filter((sh) => spawnSync(sh, ['-c', 'true']).status === 0);

/** The words the shell sees after the command: NUL-separated, so newlines inside a word survive. */
function words(shell: string, command: string): string[] {
  return execFileSync(shell, ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8' })
    .split('\0')
    .slice(0, -1);
}

test('a quoted string is one shell word equal to the string, in dash and bash', { timeout: 120_000 }, () => {
  assert.ok(SHELLS.length > 0, 'neither dash nor bash is installed');
  // Printable ASCII and newlines, where shell syntax lives; NUL cannot be in an argument at all.
  const text = fc.string({
    unit: fc.oneof(
      fc.integer({ min: 32, max: 126 }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('\n', '\t', "'", '\\', 'é'),
    ),
    maxLength: 24,
  });
  fc.assert(
    fc.property(text, (s) => {
      for (const shell of SHELLS)
        assert.deepEqual(words(shell, shellQuote(s)), [s], `${shell}: ${JSON.stringify(s)} as ${shellQuote(s)}`);
    }),
    { seed: 12, numRuns: 150 },
  );
});

test('numbers and booleans are bare, strings quoted only when they must be, raw placeholders untouched', () => {
  const params = { n: 3, x: -1.5e-7, b: true, s: 'sqrt', q: "O'Brien", e: '', a: [1, 'two'], r: 'a; b' };
  assert.equal(renderCommand('{{n}} {{ x }} {{b}} {{s}}', params), '3 -1.5e-7 true sqrt');
  assert.equal(renderCommand('{{q}} {{e}} {{a}}', params), `'O'\\''Brien' '' '[1,"two"]'`);
  assert.equal(renderCommand('{{raw:r}}|{{ raw:s }}', params), 'a; b|sqrt');
  for (const shell of SHELLS) {
    assert.deepEqual(words(shell, renderCommand('"$(( {{n}} * 2 ))"', params)), ['6']);
    // Why numbers are not quoted: the shell refuses a quoted operand.
    assert.notEqual(
      spawnSync(shell, ['-c', "echo $(( '3' * 2 ))"]).status,
      0,
      `${shell} took a quoted number in arithmetic`,
    );
  }
});
