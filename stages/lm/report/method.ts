/** "How the numbers were computed": one item per quantity the report shows. */
export function methodItems(runtime?: { backends: string[]; tfjs: string[] }): string[] {
  return [
    "**Cross-entropy at a position** (nats/token): the lm-evaluate stage's mean over test sequences of −log p(next token) after seeing that many tokens. **In-distribution CE** averages positions 1..l_train, **long-context CE** positions l_train+1..test length.",
    "**Misalignment**: the paper's metric, the divergence between the next-token distributions of two suffixes x[-l1:], x[-l2:] of one input (l1, l2 uniform in [l_train/2, l_train]) at their shared last position: symmetric cross-entropy (SCE) as in the paper, and symmetric KL, which is 0 when the two agree.",
    '**Training loss**: the mean plain next-token cross-entropy over the last 5% of training steps (without the regularizer term).',
    '**Correlations** come from the lm-correlate stage (correlation.json, carried whole into report.json): Pearson, Spearman and Kendall, each with its interval, p, n models and n variants, within each task.',
    "**Regularizer effect** (from lm-correlate): per regularized variant, mean long-context and in-distribution CE over its seeds minus that of the same model at α = 0 (at α = 0 the regularizer's range and divergence do not change training, so one α = 0 variant is the baseline of all), with the Welch 95% interval and two-sided Welch t test. The α sweep plot shows the same means with their t intervals over seeds.",
    '**Spread over seeds**: mean ± sample standard deviation and the t-based 95% interval of the mean (n − 1 degrees of freedom), none with one seed.',
    `**Runtime**: TF.js backend ${runtime?.backends.join(', ') || '–'}, version ${runtime?.tfjs.join(', ') || '–'} (from the train cells).`,
  ];
}
