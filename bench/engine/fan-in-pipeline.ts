/**
 * The engine benchmarks' pipeline: gen[i] -> train[i] -> one fan-in report,
 * each cell a trivial shell command, so what is timed is the engine.
 */
export function fanInPipeline(name: string, description: string, values: readonly number[]): string {
  const p = {
    name,
    description,
    maxCells: 2 * values.length + 10,
    stages: {
      gen: {
        kind: 'exec',
        params: { command: 'echo {{i}} > value.txt', outputs: ['value.txt'] },
        matrix: { i: values },
      },
      train: {
        kind: 'exec',
        inputs: { gen: 'gen' },
        params: { command: 'cat "$ABLATE_IN_GEN/value.txt" > model.txt', outputs: ['model.txt'] },
        matrix: { i: values },
      },
      report: {
        kind: 'exec',
        inputs: { models: { stage: 'train', all: true } },
        params: { command: 'cat "$ABLATE_IN_MODELS"/*/model.txt | wc -l > report.txt', outputs: ['report.txt'] },
      },
    },
  };
  return `${JSON.stringify(p, null, 1)}\n`;
}

/** The same DAG for Snakemake: `all` -> report -> train/{i} -> gen/{i}, values from config.json. */
export const SNAKEFILE = `configfile: "config.json"
I = config["i"]

rule all:
    input: "report.txt"

rule gen:
    output: "gen/{i}.txt"
    shell: "echo {wildcards.i} > {output}"

rule train:
    input: "gen/{i}.txt"
    output: "train/{i}.txt"
    shell: "cat {input} > {output}"

rule report:
    input: expand("train/{i}.txt", i=I)
    output: "report.txt"
    shell: "cat {input} | wc -l > {output}"
`;
