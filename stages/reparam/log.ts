/** f(x) = ln(x), one of the paper's three reparameterizations. */
import type { Reparam } from '../ml/reparam.js';

const log: Reparam = {
  name: 'log',
  describe: 'log(x)',
  f: (x) => Math.log(x),
  inverse: (y) => Math.exp(y),
};
export default log;
