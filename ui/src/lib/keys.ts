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

/** The words of a search query, lowercased: a key matches when its search text has every one. */
export function queryWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** The lowercased text a key is searched in: name, provider, env, tags and notes. */
export function searchText(k: Key): string {
  return `${k.name} ${k.provider} ${k.env} ${k.tags.join(' ')} ${k.notes}`.toLowerCase();
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

/**
 * The keys of `ordered` that pass the filters and match the search, in the same order: the plain
 * definition, which {@link KeySearch} answers faster.
 */
export function filtered(ordered: Key[], query: string, filters: Filters): Key[] {
  const words = queryWords(query);
  return ordered.filter((k) => passes(k, filters) && words.every((w) => searchText(k).includes(w)));
}

/** One remembered answer: the positions in the sorted list of the keys that matched. */
interface Answer {
  filters: string;
  words: string[];
  hits: Uint32Array;
}

/**
 * Searches one sorted list keystroke after keystroke, as {@link filtered} would, without
 * scanning every key each time. Typing only narrows a search: every key that has "bil" in its
 * text has "bi" too, so the keys matching a query are among those of any earlier query (with the
 * same filters) whose words each occur inside one of its words; such an answer is the starting
 * point instead of the whole list. Deleting goes back to queries already answered, which are
 * remembered (the last {@link KeySearch.remembered} of them). The search texts are built once
 * per list, so a keystroke only compares strings.
 */
export class KeySearch {
  static readonly remembered = 64;
  private readonly texts: string[];
  private readonly answers = new Map<string, Answer>();

  constructor(private readonly ordered: Key[]) {
    this.texts = ordered.map(searchText);
  }

  /** The keys that pass `filters` and match `query`, in the list's order. */
  find(query: string, filters: Filters): Key[] {
    // Plain values: the UI passes Svelte state, and reading it once per key is slow.
    const f: Filters = { env: filters.env, provider: filters.provider, status: filters.status, due: filters.due };
    const words = queryWords(query);
    if (words.length === 0 && !f.env && !f.provider && !f.status && !f.due) return this.ordered;
    const fkey = `${f.env}\u0000${f.provider}\u0000${f.status}\u0000${f.due}`;
    const id = `${fkey}\u0000${words.join(' ')}`;
    let answer = this.answers.get(id);
    if (answer) {
      this.answers.delete(id); // most recently used last
    } else {
      answer = { filters: fkey, words, hits: this.scan(f, words, this.narrowest(fkey, words)) };
      if (this.answers.size >= KeySearch.remembered) {
        const oldest = this.answers.keys().next().value;
        if (oldest !== undefined) this.answers.delete(oldest);
      }
    }
    this.answers.set(id, answer);
    const out = new Array<Key>(answer.hits.length);
    for (let i = 0; i < out.length; i++) out[i] = this.ordered[answer.hits[i]];
    return out;
  }

  /** The smallest remembered answer that holds every match of `words` under the same filters. */
  private narrowest(fkey: string, words: string[]): Uint32Array | null {
    let best: Uint32Array | null = null;
    for (const a of this.answers.values()) {
      if (a.filters !== fkey || (best && a.hits.length >= best.length)) continue;
      if (a.words.every((w) => words.some((v) => v.includes(w)))) best = a.hits;
    }
    return best;
  }

  private scan(f: Filters, words: string[], within: Uint32Array | null): Uint32Array {
    const n = within ? within.length : this.ordered.length;
    const hits = new Uint32Array(n);
    let found = 0;
    for (let j = 0; j < n; j++) {
      const i = within ? within[j] : j;
      const text = this.texts[i];
      let ok = passes(this.ordered[i], f);
      for (let w = 0; ok && w < words.length; w++) ok = text.includes(words[w]);
      if (ok) hits[found++] = i;
    }
    return hits.slice(0, found);
  }
}

/** Distinct values of a field, sorted, for the filter menus. */
export function distinct(keys: Key[], field: 'env' | 'provider' | 'status'): string[] {
  return [...new Set(keys.map((k) => k[field]))].sort();
}
