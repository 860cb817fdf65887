// The unary family's conformance case: every op in UNARY_OP_DOMAINS forward and backward, on inputs in its domain.
import { unary, unaryBackward } from '../../ops/unary';
import type { ConformanceCase } from '../../testing/conformance';
import { UNARY_OP_DOMAINS, type UnaryOp } from './unary';

/** Every unary op, from the family's table, so that a new op is tested on every backend without a case of its own. */
export function unaryCases(): ConformanceCase[] {
  return (Object.keys(UNARY_OP_DOMAINS) as UnaryOp[]).map((op) => ({
    kernel: 'unary',
    name: `${op} forward and backward, 3x13`,
    run: ({ randn }) => {
      const x = UNARY_OP_DOMAINS[op] === 'positive' ? unary('exp', randn([3, 13], 0.5)) : randn([3, 13], 2);
      const param = op === 'pow' ? 2.5 : 0;
      const dx = unaryBackward(op, x, randn([3, 13]), { param });
      return { out: unary(op, x, { param }), dx };
    },
  }));
}
