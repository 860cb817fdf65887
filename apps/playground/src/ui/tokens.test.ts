import { describe, expect, it } from 'vitest';
import { tokenTitle, visibleText } from './tokens';

describe('token preview text', () => {
  it('makes whitespace and control characters visible', () => {
    expect(visibleText('a b\n\tc\u0001')).toBe('a·b↵⇥c\\x01');
  });

  it('titles a token with its id and bytes', () => {
    expect(tokenTitle({ id: 300, text: 'é', bytes: [0xc3, 0xa9] })).toBe('id 300 · bytes c3 a9');
  });
});
