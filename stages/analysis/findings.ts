/**
 * Findings: yes/no statements computed from the run's numbers, never typed
 * by hand. Each one names the variants it compares and shows the numbers
 * it rests on. A statement whose variants are absent is left out.
 */
import type { StoredCorrelation } from './correlate-rows.js';
import type { Method } from './correlation.js';
import { fmt, fmtP } from './format.js';
import { lossLabel, misalignmentLabel } from './report/predictor-labels.js';
import { welchTest, type SeedTest } from './report/seed-test.js';
import type { ModelRow } from './rows.js';
import { variantKey, variantLabel } from './rows.js';
import { COMPRESSIVE, EXPANSIVE, targetDisplay, targetKind, type TargetKind } from './targets.js';
import { meanOf, type Variant } from './variants.js';
import { valueText } from '../../src/util/value-text.js';

export interface Finding {
  section: 'Mean task' | 'Length task' | 'Reparameterization' | 'Misalignment as a predictor';
  claim: string;
  holds: boolean;
  /** Why the numbers cannot decide it, in words (e.g. "too few seeds to tell"); `holds` is then false. */
  undecided?: string;
  /** The numbers behind it, in words. */
  evidence: string;
}

export interface FindingInputs {
  variants: readonly Variant[];
  rows: readonly ModelRow[];
  correlation: StoredCorrelation | null;
}

export function computeFindings(input: FindingInputs): Finding[] {
  return [
    ...baselineFindings(input.variants),
    ...reparamFindings(input.variants, input.rows),
    ...correlationFindings(input.correlation),
  ];
}

const isNoPE = (pe: unknown): boolean => typeof pe === 'string' && ['nope', 'none'].includes(pe.toLowerCase());

/** Mean task (every PE, NoPE first) and the raw length target against the constant predictor. */
function baselineFindings(variants: readonly Variant[]): Finding[] {
  const out: Finding[] = [];
  const mean = variants
    .filter((v) => v.task === 'mean')
    .sort((a, b) => Number(isNoPE(b.axes.pe)) - Number(isNoPE(a.axes.pe)) || a.label.localeCompare(b.label));
  for (const v of mean) {
    const f = beatsBaseline(v);
    if (f)
      out.push({ section: 'Mean task', ...f, claim: `mean task, ${variantLabel(v.axes, ['task', 'f'])}: ${f.claim}` });
  }
  const rawLength = variants.filter(
    (v) => v.task === 'length' && (v.axes.f === undefined || targetKind(valueText(v.axes.f)) === 'identity'),
  );
  for (const v of rawLength) {
    const f = beatsBaseline(v);
    const where = variantLabel(v.axes, ['task', 'f']);
    if (f)
      out.push({
        section: 'Length task',
        ...f,
        claim: `length task, raw target${where === 'all' ? '' : `, ${where}`}: ${f.claim}`,
      });
  }
  return out;
}

function beatsBaseline(v: Variant): Pick<Finding, 'claim' | 'holds' | 'evidence'> | null {
  if (v.oodMse === null || v.baselineOod === null) return null;
  return {
    claim: 'OOD MSE below the constant-predictor baseline',
    holds: v.oodMse < v.baselineOod,
    evidence: `OOD MSE ${fmt(v.oodMse)} vs baseline ${fmt(v.baselineOod)}; ${seeds(v)}`,
  };
}

const seeds = (v: Variant): string => `${v.seeds} seed${v.seeds === 1 ? '' : 's'}`;

/**
 * Within each length-task group that differs only in f, compare every f with
 * the identity: out-of-distribution error, then misalignment.
 */
function reparamFindings(variants: readonly Variant[], rows: readonly ModelRow[]): Finding[] {
  const out: Finding[] = [];
  for (const group of groupsByF(variants)) {
    const identity = group.byKind.get('identity');
    if (!identity) continue;
    const where = group.label === 'all' ? 'length task' : `length task, ${group.label}`;
    const sets: [readonly TargetKind[], boolean][] = [
      [COMPRESSIVE, true],
      [EXPANSIVE, false],
    ];
    for (const [set, better] of sets) {
      const present = set.map((k) => group.byKind.get(k)).filter((v): v is Variant => v !== undefined);
      if (present.length === 0) continue;
      out.push(...maybe(compareWithIdentity(where, identity, present, better, 'ood')));
      out.push(...maybe(compareWithIdentity(where, identity, present, better, 'misalignment', rows)));
    }
    // Anything else (cbrt, or a name we do not know) is compared on its own,
    // with the claim phrased as "beats x" whatever the expectation.
    for (const other of group.others) out.push(...maybe(compareWithIdentity(where, identity, [other], true, 'ood')));
  }
  return out;
}

const maybe = (f: Finding | null): Finding[] => (f ? [f] : []);

interface FGroup {
  label: string;
  byKind: Map<TargetKind, Variant>;
  others: Variant[];
}

function groupsByF(variants: readonly Variant[]): FGroup[] {
  const groups = new Map<string, FGroup>();
  for (const v of variants) {
    if (v.task !== 'length' || v.axes.f === undefined) continue;
    const rest = Object.fromEntries(Object.entries(v.axes).filter(([k]) => k !== 'f'));
    const key = variantKey(rest);
    const g: FGroup = groups.get(key) ?? { label: variantLabel(rest, ['task']), byKind: new Map(), others: [] };
    const kind = targetKind(valueText(v.axes.f));
    if (kind && (kind === 'identity' || COMPRESSIVE.includes(kind) || EXPANSIVE.includes(kind))) g.byKind.set(kind, v);
    else g.others.push(v);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => a.label.localeCompare(b.label));
}

function compareWithIdentity(
  where: string,
  identity: Variant,
  others: readonly Variant[],
  better: boolean,
  measure: 'ood' | 'misalignment',
  rows: readonly ModelRow[] = [],
): Finding | null {
  const seedsOf = (v: Variant): number[] => (measure === 'ood' ? v.oodBySeed : misalignmentBySeed(v, rows));
  const base = seedsOf(identity);
  const scored = others.map((v) => ({ v, xs: seedsOf(v) }));
  // Without every number the claim cannot be judged: leave it out.
  if (base.length === 0 || scored.some((s) => s.xs.length === 0)) return null;
  const names = others.map((v) => targetDisplay(valueText(v.axes.f)));
  const list = names.length === 1 ? names[0] : `each of ${names.join(', ')}`;
  const what = measure === 'ood' ? 'OOD MSE' : 'excess misalignment';
  const verb =
    measure === 'ood'
      ? better
        ? 'beats x (the raw length) out of distribution'
        : 'does worse than x (the raw length) out of distribution'
      : better
        ? 'is better aligned (lower excess misalignment) than x'
        : 'is worse aligned (higher excess misalignment) than x';
  const tests = scored.map((s) => ({ v: s.v, xs: s.xs, test: welchTest(s.xs, base) }));
  const expected = better ? 'lower' : 'higher';
  const holds = tests.every((t) => t.test.outcome === expected);
  const refuted = tests.some((t) => t.test.outcome !== expected && t.test.outcome !== 'cannot-tell');
  const numbers = tests
    .map((t) => `${targetDisplay(valueText(t.v.axes.f))} ${fmt(meanOf(t.xs))} (${pOf(t.test)})`)
    .join(', ');
  const log = tests.every((t) => t.test.log) ? ' on log10' : '';
  return {
    section: 'Reparameterization',
    claim: `${where}: ${list} ${verb}`,
    holds,
    ...(holds || refuted ? {} : { undecided: 'too few seeds to tell' }),
    evidence: `${what}, mean over seeds: ${numbers} vs x ${fmt(meanOf(base))}; Welch t-test of the seeds${log}, two-sided, α = 0.05${holds || refuted ? '' : '; too few seeds to tell'}`,
  };
}

function pOf(t: SeedTest): string {
  return t.p === null ? `n = ${t.nA} vs ${t.nB}, no test` : `p ${fmtP(t.p)}`;
}

/** The excess misalignment of each of the variant's seeds, from the rows. */
function misalignmentBySeed(v: Variant, rows: readonly ModelRow[]): number[] {
  return rows.filter((r) => r.variant === v.variant).flatMap((r) => (r.misalignment === null ? [] : [r.misalignment]));
}

const METHOD_NAMES: Record<Method, string> = { pearson: 'Pearson r', spearman: 'Spearman ρ', kendall: 'Kendall τ' };

function correlationFindings(c: StoredCorrelation | null): Finding[] {
  if (!c || c.n < 3) return [];
  const out: Finding[] = [];
  const scope = `all ${c.n} models in ${c.nVariants} variants`;
  const w = c.withinVariant?.pooled;
  for (const m of ['pearson', 'spearman', 'kendall'] as const) {
    const f = strongerThanLoss(scope, m, c.misalignment[m].value, c.trainLoss[m].value, m === 'pearson', names(c));
    if (!f) continue;
    const variant = c.variantLevel
      ? `; over the ${c.variantLevel.nVariants} variant means ${absPair(c.variantLevel.misalignment[m].value, c.variantLevel.trainLoss[m].value)}`
      : '';
    const within =
      w && w.nVariants > 0
        ? `; within variants ${fmt(w.misalignment[m].value)} vs ${fmt(w.trainLoss[m].value)} (${verdictWords(w.verdict[m])})`
        : '';
    out.push({ ...f, evidence: `models ${f.evidence}${variant}${within}` });
  }
  const r = c.misalignment.pearson;
  if (r.value !== null && r.ci) {
    const v = c.variantLevel?.misalignment.pearson;
    out.push({
      section: 'Misalignment as a predictor',
      claim: `${scope}: higher excess misalignment goes with higher OOD error (Pearson r > 0, 95% interval above 0, permutation p < 0.05)`,
      // Both must agree: with few variants the cluster bootstrap interval can be narrow while the permutation test is not.
      holds: r.value > 0 && r.ci[0] > 0 && r.p !== null && r.p < 0.05,
      evidence: `r = ${fmt(r.value)}, interval [${fmt(r.ci[0], 2)}, ${fmt(r.ci[1], 2)}] resampling variants, permutation p = ${fmtP(r.p)}${v && v.value !== null ? `; over variant means r = ${fmt(v.value)}, p = ${fmtP(v.p)}` : ''}`,
    });
  }
  if (c.withinVariant && w && w.nVariants >= 2) out.push(withinFinding(c.withinVariant));
  for (const g of c.groups) {
    const f = strongerThanLoss(
      `${g.by}=${g.value} (${g.n} models)`,
      'pearson',
      g.misalignment.pearson.value,
      g.trainLoss.pearson.value,
      false,
      names(c),
    );
    if (f) out.push(f);
  }
  return out;
}

const absPair = (a: number | null, b: number | null): string =>
  `${a === null ? '–' : fmt(Math.abs(a))} vs ${b === null ? '–' : fmt(Math.abs(b))}`;

export function verdictWords(v: 'misalignment' | 'trainLoss' | 'undecided'): string {
  if (v === 'misalignment')
    return 'misalignment tracks the error more closely: the interval of the difference is above 0';
  if (v === 'trainLoss')
    return 'training loss tracks the error more closely: the interval of the difference is below 0';
  return 'undecided: the interval of the difference includes 0';
}

/** Across seeds of one variant, where the variant cannot explain it: the pooled within-variant test. */
function withinFinding(within: NonNullable<StoredCorrelation['withinVariant']>): Finding {
  const w = within.pooled;
  const d = w.difference.pearson;
  const verdict = w.verdict.pearson;
  return {
    section: 'Misalignment as a predictor',
    claim: `within variants (${w.n} models in ${w.nVariants} variants with at least ${within.minSeeds} seeds): excess misalignment tracks OOD error more closely than training loss (Pearson r of deviations from each variant's mean)`,
    holds: verdict === 'misalignment',
    ...(verdict === 'undecided' ? { undecided: 'undecided' } : {}),
    evidence: `r ${fmt(w.misalignment.pearson.value)} vs ${fmt(w.trainLoss.pearson.value)}, difference ${fmt(d.value)} ${d.ci ? `[${fmt(d.ci[0], 2)}, ${fmt(d.ci[1], 2)}]` : '–'}; ${verdictWords(verdict)}`,
  };
}

const names = (c: StoredCorrelation): [string, string] => [
  misalignmentLabel(c.misalignmentMeasure),
  lossLabel(c.trainLossMeasure),
];

function strongerThanLoss(
  scope: string,
  m: Method,
  mis: number | null,
  loss: number | null,
  citePaper: boolean,
  [misName, lossName]: [string, string],
): Finding | null {
  if (mis === null || loss === null) return null;
  return {
    section: 'Misalignment as a predictor',
    claim: `${scope}: |${METHOD_NAMES[m]}| of ${misName} above that of ${lossName}`,
    holds: Math.abs(mis) > Math.abs(loss),
    // The paper's Table 1 reports |r| 0.85 vs 0.62 (notes section 4), on language models.
    evidence: `${fmt(Math.abs(mis))} vs ${fmt(Math.abs(loss))}${citePaper ? ' (the paper reports 0.85 vs 0.62 on language models)' : ''}`,
  };
}
