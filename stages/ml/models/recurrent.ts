/**
 * The recurrent core shared by the synthetic regressors and the language
 * models: per layer, input projections of all steps in one matMul, then the
 * recurrence as one op with hand-written BPTT (recurrent-ops.ts). Each model
 * adds only its head, so both tracks keep one parameter layout per layer.
 */
import * as tf from '@tensorflow/tfjs';
import { dense } from '../ops.js';
import { param, type ParamSpec, type Params } from '../params.js';
import { gruLayer, lstmLayer } from './recurrent-ops.js';

export type RecurrentCell = 'lstm' | 'gru';

export interface RecurrentShape {
  layers: number;
  hidden: number;
}

/** Gate blocks per cell: LSTM i, f, g, o; GRU r, z, n. */
export function cellGates(cell: RecurrentCell): number {
  return cell === 'lstm' ? 4 : 3;
}

/** PyTorch's default init bound for nn.LSTM / nn.GRU, also used by the heads. */
export function recurrentLimit(hidden: number): number {
  return 1 / Math.sqrt(hidden);
}

/** Weights per layer: input [in, gates*H], recurrent [H, gates*H], biases. */
export function recurrentSpecs(c: RecurrentShape, inputSize: number, cell: RecurrentCell): ParamSpec[] {
  const h = c.hidden;
  const width = cellGates(cell) * h;
  const init = { kind: 'uniform', limit: recurrentLimit(h) } as const;
  const specs: ParamSpec[] = [];
  for (let i = 0; i < c.layers; i++) {
    specs.push(
      { name: `r${i}.wx`, shape: [i === 0 ? inputSize : h, width], init },
      { name: `r${i}.bx`, shape: [width], init },
      { name: `r${i}.wh`, shape: [h, width], init },
      { name: `r${i}.bh`, shape: [width], init },
    );
  }
  return specs;
}

/** Batch-major one-hot [B*T, V] -> time-major rows [T*B, V]. */
export function timeMajor(onehot: tf.Tensor, batch: number, length: number): tf.Tensor {
  return tf.reshape(tf.transpose(tf.reshape(onehot, [batch, length, -1]), [1, 0, 2]), [batch * length, -1]);
}

/**
 * Hidden states of the top layer for every step, time-major [T*B, H], from
 * time-major input rows [T*B, in]. The LSTM folds both biases into the input
 * projection; the GRU keeps its recurrent bias apart because the reset gate
 * scales the recurrent part of n.
 */
export function recurrentStack(
  p: Params,
  c: RecurrentShape,
  x: tf.Tensor,
  batch: number,
  length: number,
  cell: RecurrentCell,
): tf.Tensor {
  let hs = x;
  for (let i = 0; i < c.layers; i++) {
    const [wx, bx, wh, bh] = [param(p, `r${i}.wx`), param(p, `r${i}.bx`), param(p, `r${i}.wh`), param(p, `r${i}.bh`)];
    hs =
      cell === 'lstm'
        ? lstmLayer(dense(hs, wx, tf.add(bx, bh)), wh, length, batch)
        : gruLayer(dense(hs, wx, bx), wh, bh, length, batch);
  }
  return hs;
}

/** Hidden states of the last step from time-major rows [T*B, H]: [B, H]. */
export function lastStep(hs: tf.Tensor, batch: number, length: number): tf.Tensor {
  return length === 1 ? hs : tf.slice(hs, [(length - 1) * batch, 0], [batch, hs.shape[1]!]);
}

export function validateRecurrent(c: RecurrentShape): void {
  if (c.hidden < 1 || c.layers < 1) throw new Error('Recurrent models need hidden >= 1 and layers >= 1');
}
