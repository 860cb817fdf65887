import { describe, expect, it } from 'vitest';
import { tokenKeyTarget, tokenTitle, visibleText } from './tokens';

describe('token preview text', () => {
  it('makes whitespace and control characters visible', () => {
    expect(visibleText('a b\n\tc\u0001')).toBe('a·b↵⇥c\\x01');
  });

  it('titles a token with its id and bytes', () => {
    expect(tokenTitle({ id: 300, text: 'é', bytes: [0xc3, 0xa9] })).toBe('id 300 · bytes c3 a9');
  });

  it('moves between tokens with the arrow keys, Home and End, staying inside the list', () => {
    expect([tokenKeyTarget('ArrowRight', 3, 10), tokenKeyTarget('ArrowLeft', 3, 10), tokenKeyTarget('ArrowLeft', 0, 10), tokenKeyTarget('ArrowDown', 9, 10)]).toEqual([4, 2, 0, 9]);
    expect([tokenKeyTarget('Home', 5, 10), tokenKeyTarget('End', 5, 10), tokenKeyTarget('a', 5, 10)]).toEqual([0, 9, null]);
  });
});
