/**
 * Names of the reparameterization functions f. The report must recognise
 * them whatever spelling a reparam module uses, and show them as maths.
 */

export type TargetKind = 'identity' | 'sqrt' | 'cbrt' | 'log' | 'inv_sqrt' | 'square' | 'cube';

const ALIASES: Record<string, TargetKind> = {
  identity: 'identity',
  id: 'identity',
  x: 'identity',
  none: 'identity',
  linear: 'identity',
  raw: 'identity',
  sqrt: 'sqrt',
  cbrt: 'cbrt',
  'x^(1/3)': 'cbrt',
  log: 'log',
  ln: 'log',
  invsqrt: 'inv_sqrt',
  inversesqrt: 'inv_sqrt',
  rsqrt: 'inv_sqrt',
  recipsqrt: 'inv_sqrt',
  '1/sqrt': 'inv_sqrt',
  '1/sqrtx': 'inv_sqrt',
  square: 'square',
  sq: 'square',
  x2: 'square',
  'x^2': 'square',
  pow2: 'square',
  cube: 'cube',
  x3: 'cube',
  'x^3': 'cube',
  pow3: 'cube',
};

const DISPLAY: Record<TargetKind, string> = {
  identity: 'x',
  sqrt: '√x',
  cbrt: '∛x',
  log: 'log x',
  inv_sqrt: '1/√x',
  square: 'x²',
  cube: 'x³',
};

/**
 * The paper's three reparameterizations, which shrink the output range at
 * long lengths. Other known compressive functions (cbrt) are compared with
 * the identity one by one rather than folded into the paper's claim.
 */
export const COMPRESSIVE: readonly TargetKind[] = ['sqrt', 'log', 'inv_sqrt'];
/** Functions that stretch it: the alignment argument predicts these do worse. */
export const EXPANSIVE: readonly TargetKind[] = ['square', 'cube'];

export function targetKind(f: string | null): TargetKind | null {
  if (f === null) return null;
  return ALIASES[f.toLowerCase().replace(/[\s_-]/g, '')] ?? null;
}

/** `√x` for a known f, the name itself otherwise. */
export function targetDisplay(f: string | null): string {
  const kind = targetKind(f);
  return kind ? DISPLAY[kind] : (f ?? '?');
}

/**
 * How strongly f compresses long lengths, least first: the growth exponent
 * of f (x³ ~ 3, √x ~ 0.5, log x ~ 0, 1/√x ~ −0.5). Unknown names sort last.
 */
const GROWTH: Record<TargetKind, number> = {
  cube: 3,
  square: 2,
  identity: 1,
  sqrt: 0.5,
  cbrt: 1 / 3,
  log: 0,
  inv_sqrt: -0.5,
};

export function compressionRank(f: string | null): number {
  const kind = targetKind(f);
  return kind === null ? Number.MAX_SAFE_INTEGER : -GROWTH[kind];
}
