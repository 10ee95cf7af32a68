/**
 * LSTM and GRU language models: the synthetic study's recurrences (one op
 * each, hand-written BPTT) with a vocabulary head on every step. The
 * recurrences work time-major; logits are reordered batch-major at the end.
 */
import * as tf from '@tensorflow/tfjs';
import { dense } from '../../ml/ops.js';
import { param, ParamLayout, type ParamSpec, type Params } from '../../ml/params.js';
import { timeMajor } from '../../ml/models/recurrent.js';
import { gruLayer, lstmLayer } from '../../ml/models/recurrent-ops.js';
import type { LmConfig, LmInput, LmModel } from './types.js';

/** Per layer: input [in, G*H], recurrent [H, G*H], two biases; then the head [H, vocab]. */
function specs(c: LmConfig, gates: number): ParamSpec[] {
  const h = c.hidden;
  const limit = 1 / Math.sqrt(h); // PyTorch's default for nn.LSTM / nn.GRU
  const out: ParamSpec[] = [];
  for (let i = 0; i < c.layers; i++) {
    out.push(
      { name: `r${i}.wx`, shape: [i === 0 ? c.vocab : h, gates * h], init: { kind: 'uniform', limit } },
      { name: `r${i}.bx`, shape: [gates * h], init: { kind: 'uniform', limit } },
      { name: `r${i}.wh`, shape: [h, gates * h], init: { kind: 'uniform', limit } },
      { name: `r${i}.bh`, shape: [gates * h], init: { kind: 'uniform', limit } },
    );
  }
  out.push(
    { name: 'head.w', shape: [h, c.vocab], init: { kind: 'uniform', limit } },
    { name: 'head.b', shape: [c.vocab], init: { kind: 'zeros' } },
  );
  return out;
}

export function buildLmRecurrent(config: LmConfig): LmModel {
  if (config.hidden < 1 || config.layers < 1) throw new Error('Recurrent models need hidden >= 1 and layers >= 1');
  const lstm = config.arch === 'lstm';
  const layout = new ParamLayout(specs(config, lstm ? 4 : 3));
  return {
    config,
    layout,
    forward(p: Params, input: LmInput): tf.Tensor2D {
      const { batch, length } = input;
      let x = timeMajor(input.onehot, batch, length);
      for (let i = 0; i < config.layers; i++) {
        const [wx, bx, wh, bh] = (['wx', 'bx', 'wh', 'bh'] as const).map((n) => param(p, `r${i}.${n}`)) as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        x = lstm
          ? lstmLayer(dense(x, wx, tf.add(bx, bh)), wh, length, batch)
          : gruLayer(dense(x, wx, bx), wh, bh, length, batch);
      }
      const logits = dense(x, param(p, 'head.w'), param(p, 'head.b'));
      const v = config.vocab;
      return tf.reshape(tf.transpose(tf.reshape(logits, [length, batch, v]), [1, 0, 2]), [
        batch * length,
        v,
      ]) as tf.Tensor2D;
    },
    dispose: () => undefined,
  };
}
