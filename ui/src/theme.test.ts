/// <reference types="vite/client" />
// The colour themes: the setting applied to <html>, the dark colours defined alike for the
// system preference and the setting, and every text colour readable (WCAG AA, 4.5:1) on the
// backgrounds it is used on, in both themes.
import { afterEach, describe, expect, it } from 'vitest';
import css from './app.css?raw';
import { applyTheme } from './lib/theme';

/** The custom properties declared in the first block that follows `selector`. */
function vars(selector: string): Record<string, string> {
  const at = css.indexOf(`${selector} {`);
  expect(at, `${selector} in app.css`).toBeGreaterThanOrEqual(0);
  const body = css.slice(css.indexOf('{', at) + 1, css.indexOf('}', at));
  return Object.fromEntries([...body.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()]));
}

function luminance(hex: string): number {
  let h = hex.replace('#', '');
  if (h.length === 3) h = [...h].map((c) => c + c).join('');
  const [r, g, b] = [0, 2, 4]
    .map((i) => parseInt(h.slice(i, i + 2), 16) / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const light = vars(':root');
const dark = { ...light, ...vars(":root[data-theme='dark']") };

// [text, background] as the screens use them.
const pairs: [string, string][] = [
  ...['--bg', '--panel', '--row-hover', '--row-selected', '--badge-bg', '--ok-bg', '--soon-bg', '--over-bg'].map(
    (bg): [string, string] => ['--fg', bg],
  ),
  ...['--bg', '--panel', '--row-hover', '--row-selected', '--badge-bg'].map((bg): [string, string] => ['--muted', bg]),
  ...['--bg', '--panel', '--row-hover', '--row-selected'].map((bg): [string, string] => ['--accent', bg]),
  ['--accent-fg', '--accent'],
  ...['--bg', '--panel', '--ok-bg', '--row-selected'].map((bg): [string, string] => ['--ok', bg]),
  ...['--bg', '--panel', '--soon-bg'].map((bg): [string, string] => ['--soon', bg]),
  ...['--bg', '--panel', '--over-bg', '--row-selected'].map((bg): [string, string] => ['--over', bg]),
  ['--danger', '--panel'],
  ['--on-strong', '--danger'],
  ['--on-strong', '--over'],
  ['--on-strong', '--soon'],
  ['--bg', '--fg'],
];

describe('the colour themes', () => {
  afterEach(() => applyTheme('system'));

  it('applies the setting to the document; System leaves it to the system', () => {
    applyTheme('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    applyTheme('light');
    expect(document.documentElement.dataset.theme).toBe('light');
    applyTheme('system');
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
  });

  it('defines the dark colours alike for the system preference and the setting', () => {
    const media = vars(":root:not([data-theme='light'])");
    expect(Object.keys(media).length).toBeGreaterThan(15);
    expect(media).toEqual(vars(":root[data-theme='dark']"));
  });

  it.each([
    ['light', light],
    ['dark', dark],
  ])('keeps every text colour at 4.5:1 or more in the %s theme', (_name, theme) => {
    const low = pairs
      .map(([fg, bg]) => ({ pair: `${fg} on ${bg}`, ratio: contrast(theme[fg], theme[bg]) }))
      .filter((p) => p.ratio < 4.5)
      .map((p) => `${p.pair}: ${p.ratio.toFixed(2)}`);
    expect(low).toEqual([]);
  });

  it('keeps the chart lines and the due-state marks visible (3:1) on the panel', () => {
    for (const theme of [light, dark]) {
      for (const v of ['--chart-1', '--chart-2', '--chart-3', '--chart-4', '--chart-5', '--chart-6', '--ok', '--soon', '--over']) {
        expect(contrast(theme[v], theme['--panel']), v).toBeGreaterThanOrEqual(3);
      }
    }
  });
});
