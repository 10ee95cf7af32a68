/** f(x) = sqrt(x), one of the paper's three reparameterizations. */
import type { Reparam } from '../ml/reparam.js';

const sqrt: Reparam = {
  name: 'sqrt',
  describe: 'sqrt(x)',
  f: (x) => Math.sqrt(x),
  // Negative outputs map to 0, the closest point of the range of f.
  inverse: (y) => (y > 0 ? y * y : 0),
};
export default sqrt;
