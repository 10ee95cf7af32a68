/** f(x) = x^3, a stronger stretching control. */
import type { Reparam } from '../ml/reparam.js';

const cube: Reparam = {
  name: 'cube',
  describe: 'x^3',
  f: (x) => x * x * x,
  inverse: (y) => Math.cbrt(y),
};
export default cube;
