/** f(x) = x^2, a control that stretches long lengths apart (expected to hurt). */
import type { Reparam } from '../ml/reparam.js';

const square: Reparam = {
  name: 'square',
  describe: 'x^2',
  f: (x) => x * x,
  // Negative outputs map to 0, the closest point of the range of f.
  inverse: (y) => Math.sqrt(Math.max(y, 0)),
};
export default square;
