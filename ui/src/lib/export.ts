// Exporting a provider's key list (CSV, no key values) through the native save dialog. Shared by
// the Providers screen (a row's "Export CSV") and Settings ("Export keys (CSV)"), so both ask
// the same way and say the same thing.
import * as backend from './backend';

/** `<provider>-keys-YYYY-MM-DD.csv` on the local date; characters a file name cannot hold become `-`. */
export function defaultCsvName(provider: string, today: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
  // eslint-disable-next-line no-control-regex
  const safe = provider.replace(/[/\\:*?"<>|\u0000-\u001f]/g, '-');
  return `${safe}-keys-${date}.csv`;
}

/**
 * Has the shell ask where to save `provider`'s CSV and write it there. Answers what was written,
 * or null when the dialog was cancelled (nothing written, nothing to say). The file is replaced
 * only when it exists and the dialog has already asked the user to replace it.
 */
export async function exportCsv(provider: string): Promise<string | null> {
  const x = await backend.exportProviderCsv(provider, `Export ${provider}’s keys (CSV)`, defaultCsvName(provider));
  if (x === null) return null;
  return `Wrote ${provider}’s key list (${x.bytes} bytes, no key values) to ${x.written}.`;
}
