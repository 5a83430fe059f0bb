import { describe, expect, it } from 'vitest';
import { ensureValidLanguage } from './locale';

function fakeNavigator(language: string, languages: string[] = []): Navigator {
  return { language, languages } as unknown as Navigator;
}

describe('ensureValidLanguage', () => {
  it('replaces a POSIX locale name Intl refuses, so a chart library can load', () => {
    const nav = fakeNavigator('C');
    expect(() => new Intl.NumberFormat(nav.language)).toThrow(RangeError);
    expect(ensureValidLanguage(nav)).toBe('en-US');
    expect(() => new Intl.NumberFormat(nav.language)).not.toThrow();
  });
  it('prefers a valid language the browser lists', () => {
    const nav = fakeNavigator('C.UTF-8', ['C', 'de-DE']);
    expect(ensureValidLanguage(nav)).toBe('de-DE');
    expect(nav.language).toBe('de-DE');
  });
  it('leaves a valid language alone', () => {
    const nav = fakeNavigator('fr-CA');
    expect(ensureValidLanguage(nav)).toBe('fr-CA');
  });
});
