/** f(x) = x^(1/3), a compressing function between sqrt and log. */
import type { Reparam } from '../ml/reparam.js';

const cbrt: Reparam = {
  name: 'cbrt',
  describe: 'x^(1/3)',
  f: (x) => Math.cbrt(x),
  inverse: (y) => y * y * y,
};
export default cbrt;
