/**
 * LaTeX output shared by `ablate show`/`diff --format latex` and the
 * report's tables: text escaped for a booktabs tabular.
 */

const SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '\n': ' ',
  '±': '$\\pm$',
  '√': '$\\surd$',
  '∛': '$\\sqrt[3]{}$',
  '²': '$^2$',
  '³': '$^3$',
  '≈': '$\\approx$',
  '–': '--',
  '·': '$\\cdot$',
  '|': '$|$',
  '<': '$<$',
  '>': '$>$',
  ρ: '$\\rho$',
  τ: '$\\tau$',
  α: '$\\alpha$',
};

/** Escapes LaTeX's special characters and spells the symbols tables use in maths mode. */
export function latexText(s: string): string {
  return Array.from(s, (c) => SPECIALS[c] ?? c).join('');
}

/** A booktabs tabular (needs `\usepackage{booktabs}`); `right` marks right-aligned (numeric) columns. */
export function booktabs(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
): string[] {
  const row = (cells: readonly string[]): string => `${cells.map(latexText).join(' & ')} \\\\`;
  return [
    `\\begin{tabular}{${right.map((r) => (r ? 'r' : 'l')).join('')}}`,
    '\\toprule',
    row(header),
    '\\midrule',
    ...rows.map(row),
    '\\bottomrule',
    '\\end{tabular}',
  ];
}
