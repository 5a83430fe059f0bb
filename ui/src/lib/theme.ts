// The window's colours: the setting (system, light, dark) applied to the document. app.css reads
// `data-theme` on <html>; without it the system's preference (prefers-color-scheme) decides.
import type { Theme } from './types';

export const themes: { id: Theme; label: string }[] = [
  { id: 'system', label: 'System' },
  { id: 'light', label: 'Light' },
  { id: 'dark', label: 'Dark' },
];

/** Sets or clears `data-theme` on the root element. Unknown values count as `system`. */
export function applyTheme(theme: Theme | null | undefined, root: HTMLElement = document.documentElement) {
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
}

/** The value of a CSS variable as it applies now (`--ok` → `#1b7342`). */
export function cssVar(name: string, from: Element = document.documentElement): string {
  return getComputedStyle(from).getPropertyValue(name).trim();
}
