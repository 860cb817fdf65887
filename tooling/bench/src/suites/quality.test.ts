// MICROGPT_QUALITY_SEEDS: the seeds of the quality suite's runs, or a clear error naming the variable and entry.
import { describe, expect, it } from 'vitest';
import { qualitySeeds } from './quality';

describe('qualitySeeds', () => {
  it('reads comma-separated integers, and gives [1337] when unset or empty', () => {
    expect(qualitySeeds('1337, 1,2 ,3,4')).toEqual([1337, 1, 2, 3, 4]);
    expect(qualitySeeds(undefined)).toEqual([1337]);
    expect(qualitySeeds('  ')).toEqual([1337]);
  });

  it('refuses an entry that is not an integer ≥ 0, naming it', () => {
    for (const [value, entry] of [['1,,2', ''], ['1,x', 'x'], ['-3', '-3'], ['1.5', '1.5']] as const) {
      expect(() => qualitySeeds(value)).toThrow(`MICROGPT_QUALITY_SEEDS: expected comma-separated integers ≥ 0, found '${entry}' in '${value}'`);
    }
  });
});
