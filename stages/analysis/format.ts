/** Number formatting shared by the Markdown and HTML renderers. */

/** Three significant digits; exponent form only where plain would hide them. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return Number(v.toPrecision(digits)).toString();
  return v.toExponential(digits - 1).replace('e+', 'e');
}

export function fmtCi(ci: readonly [number, number] | null | undefined): string {
  return ci ? `[${fmt(ci[0])}, ${fmt(ci[1])}]` : '–';
}

export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined) return '–';
  return p < 0.001 ? '< 0.001' : fmt(p, 2);
}
