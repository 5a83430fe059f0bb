import { describe, expect, it } from 'vitest';
import { defaultCsvName } from './export';

describe('defaultCsvName', () => {
  it('is <provider>-keys-<local date>.csv', () => {
    expect(defaultCsvName('sim', new Date(2026, 0, 5, 23, 59))).toBe('sim-keys-2026-01-05.csv');
  });
  it('keeps characters a file name cannot hold out of it', () => {
    expect(defaultCsvName('a/b:c', new Date(2026, 10, 23))).toBe('a-b-c-keys-2026-11-23.csv');
  });
});
