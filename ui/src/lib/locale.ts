// The web view's language, made safe for libraries that hand it to Intl as they load.
//
// uPlot builds `new Intl.NumberFormat(navigator.language)` when its module loads. Under a POSIX
// locale such as `C` (LANG=C, common on servers and in minimal sessions) WebKitGTK reports the
// language `C`, which Intl refuses with "invalid language tag": the chart's module failed to
// load (and, imported statically, took the whole window with it). Such a tag is replaced by the
// first valid one the browser lists, else `en-US`, before the chart loads.

function validTag(tag: string | undefined): boolean {
  if (!tag) return false;
  try {
    return Intl.getCanonicalLocales(tag).length > 0;
  } catch {
    return false;
  }
}

/** Makes `nav.language` a tag Intl accepts; answers the language in force. */
export function ensureValidLanguage(nav: Navigator = navigator): string {
  if (validTag(nav.language)) return nav.language;
  const fallback = (nav.languages ?? []).find(validTag) ?? 'en-US';
  Object.defineProperty(nav, 'language', { configurable: true, get: () => fallback });
  return fallback;
}
