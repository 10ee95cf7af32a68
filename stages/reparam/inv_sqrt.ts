/** f(x) = 1/sqrt(x), one of the paper's three reparameterizations. */
import type { Reparam } from '../ml/reparam.js';

/** Outputs below this are clamped before inverting (x <= 1/EPS^2 = 1e6). */
const EPS = 1e-3;

const invSqrt: Reparam = {
  name: 'inv_sqrt',
  describe: '1/sqrt(x)',
  f: (x) => 1 / Math.sqrt(x),
  inverse: (y) => {
    const c = Math.max(y, EPS);
    return 1 / (c * c);
  },
};
export default invSqrt;
