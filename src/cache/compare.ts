/** Compares a re-executed artifact with the cached one, exactly or within a tolerance. */
export type Comparison = { equal: true; exact: boolean } | { equal: false; detail: string };

export function compareArtifact(path: string, cached: Buffer, fresh: Buffer, tolerance: number | undefined): Comparison {
  if (cached.equals(fresh)) return { equal: true, exact: true };
  if (tolerance === undefined) return { equal: false, detail: `bytes differ (${cached.length} vs ${fresh.length} bytes)` };
  if (path.endsWith('.json')) return compareJson(cached, fresh, tolerance);
  if (path.endsWith('.bin') && cached.length === fresh.length && cached.length % 4 === 0) return compareFloat32(cached, fresh, tolerance);
  return { equal: false, detail: 'bytes differ and the format has no numeric comparison' };
}

function compareFloat32(a: Buffer, b: Buffer, tol: number): Comparison {
  const x = new Float32Array(a.buffer, a.byteOffset, a.length / 4);
  const y = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  return worst <= tol ? { equal: true, exact: false } : { equal: false, detail: `max |difference| ${worst.toExponential(3)} > tolerance ${tol}` };
}

function compareJson(a: Buffer, b: Buffer, tol: number): Comparison {
  let worst = 0;
  let mismatch: string | undefined;
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (mismatch !== undefined) return;
    if (typeof x === 'number' && typeof y === 'number') {
      const d = Math.abs(x - y);
      if (Number.isNaN(d) && !(Number.isNaN(x) && Number.isNaN(y))) mismatch = `${path}: ${x} vs ${y}`;
      else if (d > worst) worst = d;
      return;
    }
    if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object') {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of keys) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${path}.${k}`);
      return;
    }
    if (x !== y) mismatch = `${path}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
  };
  try {
    walk(JSON.parse(a.toString('utf8')), JSON.parse(b.toString('utf8')), '$');
  } catch {
    return { equal: false, detail: 'not valid JSON' };
  }
  if (mismatch !== undefined) return { equal: false, detail: mismatch };
  return worst <= tol ? { equal: true, exact: false } : { equal: false, detail: `max |difference| ${worst.toExponential(3)} > tolerance ${tol}` };
}
