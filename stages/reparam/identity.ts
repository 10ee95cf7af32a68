/** f(x) = x: the raw target. */
import type { Reparam } from '../ml/reparam.js';

const identity: Reparam = {
  name: 'identity',
  describe: 'x',
  f: (x) => x,
  inverse: (y) => y,
};
export default identity;
