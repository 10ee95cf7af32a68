/**
 * Prints the TF.js runtime facts of this machine as one JSON line on stdout:
 *
 *   {"backend":"wasm","tfjsVersion":"4.22.0"}
 *
 * Usage: `node dist/stages/ml/probe.js [backend]`. The optional argument (or
 * `ABLATE_BACKEND`) names a preferred backend; a preferred backend that fails
 * exits 1 with the reason on stderr. The engine runs this in a child process
 * and memoises the result to fold it into fingerprints.
 */
import { probeBackend } from './backend.js';

try {
  const info = await probeBackend(process.argv[2]);
  process.stdout.write(JSON.stringify({ backend: info.backend, tfjsVersion: info.tfjsVersion }) + '\n');
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
