/**
 * A test stage kind that fails in a chosen way: throws, exits non-zero,
 * produces NaN (and refuses it, as a training stage would), never ends,
 * or allocates until the worker's heap limit (`memoryMB`) is reached.
 * `fail: "none"` succeeds and writes `value` to value.txt.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StageDefinition } from '../../../src/stage-api.js';
import { valueText } from '../../../src/util/value-text.js';

const definition: StageDefinition = {
  description: 'fails on purpose (tests only)',
  params: {
    type: 'object',
    properties: {
      fail: { enum: ['none', 'throw', 'exit', 'nan', 'hang', 'oom'] },
      value: { type: 'number', minimum: 0, maximum: 100 },
    },
    required: ['fail'],
    additionalProperties: false,
  },
  async run(ctx) {
    const value = Number(ctx.params.value ?? 1);
    ctx.log(`${ctx.cell}: starting (fail=${valueText(ctx.params.fail)})`);
    switch (ctx.params.fail) {
      case 'throw':
        ctx.log('about to fail: the input is malformed');
        throw new Error('stage threw: malformed input');
      case 'exit':
        ctx.log('exiting with code 3');
        process.exit(3);
        break;
      case 'nan': {
        const loss = Math.log(-value);
        ctx.log(`step 1 loss ${loss}`);
        if (Number.isNaN(loss)) throw new Error('loss is NaN at step 1');
        break;
      }
      case 'hang':
        ctx.log('waiting forever');
        await new Promise(() => setInterval(() => undefined, 1000));
        break;
      case 'oom': {
        ctx.log('allocating');
        const hoard: number[][] = [];
        for (;;) hoard.push(Array.from({ length: 1e5 }, (_, i) => i + hoard.length));
      }
      default:
        break;
    }
    writeFileSync(join(ctx.outDir, 'value.txt'), `${value}\n`);
  },
};

export default definition;
