import { describe, expect, it } from 'vitest';
import { rebaseAccesses } from './rebase';

describe('rebaseAccesses', () => {
  it('moves every index into a window, nested accesses included, and leaves other names alone', () => {
    const source = 't_x[p.off + t_x[i]] = t_xs[i] + t_x [ a[b[c]] ];';
    expect(rebaseAccesses(source, 't_x', 'buffer0', 'w')).toBe('buffer0[(p.off + buffer0[(i) - w]) - w] = t_xs[i] + buffer0[( a[b[c]] ) - w];');
    expect(() => rebaseAccesses('t_x[i', 't_x', 'buffer0', 'w')).toThrow(/unbalanced brackets after t_x\[/);
  });
});
