// An estimate of a generated key's entropy, shown while the user picks options; the core
// reports the exact figure after generating.
import type { Alphabet } from './types';

const SIZES: Record<Alphabet, number> = { base62: 62, hex: 16, base64url: 64 };

/** Bits of entropy of the random part: the prefix adds none; the pair form is 16 + 32 chars. */
export function estimateBits(length: number, alphabet: Alphabet, prefix: string, pair: boolean): number {
  // The pair form is always base62 (seed 000).
  if (pair) return Math.floor(48 * Math.log2(62));
  return Math.floor(Math.max(0, length - prefix.length) * Math.log2(SIZES[alphabet]));
}

/** Leading or trailing whitespace in a pasted key: a common reason a key "does not work". */
export function whitespaceWarning(value: string): string {
  const v = value.replace(/\r?\n$/, '');
  if (v !== v.trim()) return 'The key has leading or trailing whitespace; it will be kept as given. Stray spaces are a common reason a key does not work.';
  if (/[\r\n]/.test(v)) return 'The key spans several lines; paste one key.';
  return '';
}
