// Searching, filtering and sorting the key list: pure functions, fast on 10,000 keys.
import type { Key } from './types';

export interface Filters {
  env: string;
  provider: string;
  status: string;
  /** '' (any), 'due' (due soon or overdue), or a due state. */
  due: string;
}

export type SortField = 'name' | 'env' | 'provider' | 'status' | 'age' | 'due' | 'copied';

export interface Sort {
  field: SortField;
  descending: boolean;
}

export const noFilters = (): Filters => ({ env: '', provider: '', status: '', due: '' });

/** True when every word of the query is found in the key's name, provider, env, tags or notes. */
export function matches(k: Key, words: string[]): boolean {
  if (words.length === 0) return true;
  const hay = haystack(k);
  return words.every((w) => hay.includes(w));
}

// The lowercased text a key is searched in, computed once per key object (the list reloads
// replace the objects, so the cache never goes stale).
const haystacks = new WeakMap<Key, string>();
function haystack(k: Key): string {
  let h = haystacks.get(k);
  if (h === undefined) {
    h = `${k.name} ${k.provider} ${k.env} ${k.tags.join(' ')} ${k.notes}`.toLowerCase();
    haystacks.set(k, h);
  }
  return h;
}

// Code-point order: localeCompare is ten times slower and names are ASCII by convention.
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function passes(k: Key, f: Filters): boolean {
  if (f.env && k.env !== f.env) return false;
  if (f.provider && k.provider !== f.provider) return false;
  if (f.status && k.status !== f.status) return false;
  if (f.due === 'due' && k.state === 'ok') return false;
  if (f.due && f.due !== 'due' && k.state !== f.due) return false;
  return true;
}

/** Milliseconds since the secret was last set (rotation, else creation). */
export function ageMs(k: Key, now: number): number {
  return now - Date.parse(k.last_rotated_at ?? k.created_at);
}

function compare(a: Key, b: Key, field: SortField): number {
  switch (field) {
    case 'name':
      return cmp(a.name, b.name);
    case 'env':
      return cmp(a.env, b.env);
    case 'provider':
      return cmp(a.provider, b.provider);
    case 'status':
      return cmp(a.status, b.status);
    case 'age':
      // Ascending age: the most recently set secret first (timestamps are RFC 3339 UTC).
      return cmp(b.last_rotated_at ?? b.created_at, a.last_rotated_at ?? a.created_at);
    case 'due':
      return a.days_left - b.days_left;
    case 'copied':
      // RFC 3339 UTC timestamps sort as text; never copied sorts first.
      return cmp(a.last_copied_at ?? '', b.last_copied_at ?? '');
  }
}

/**
 * The keys in display order: by the sort field, ties by name, then provider. The screen sorts
 * once per list or sort change and filters the sorted list on every keystroke (filtering keeps
 * the order), so typing never re-sorts thousands of matches.
 */
export function sorted(keys: Key[], sort: Sort): Key[] {
  // Plain values: the UI passes Svelte state, and reading it once per comparison is slow.
  const field = sort.field;
  const dir = sort.descending ? -1 : 1;
  return [...keys].sort(
    (a, b) =>
      dir * compare(a, b, field) ||
      cmp(a.name, b.name) ||
      cmp(a.provider, b.provider),
  );
}

/** The keys of `ordered` that pass the filters and match the search, in the same order. */
export function filtered(ordered: Key[], query: string, filters: Filters): Key[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  // A plain copy: the UI passes a Svelte state proxy, read here once instead of once per key.
  const f: Filters = { env: filters.env, provider: filters.provider, status: filters.status, due: filters.due };
  return ordered.filter((k) => passes(k, f) && matches(k, words));
}

/** Distinct values of a field, sorted, for the filter menus. */
export function distinct(keys: Key[], field: 'env' | 'provider' | 'status'): string[] {
  return [...new Set(keys.map((k) => k[field]))].sort();
}
