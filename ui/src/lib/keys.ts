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

/**
 * The lowercased text a key is searched in: name, provider, env, tags and notes; and, for a key
 * shared with a team, the word "shared" and who published its current version, so "shared" or a
 * teammate's name finds those keys.
 */
export function searchText(k: Key): string {
  const shared = k.rotated_by ? ` shared ${k.rotated_by}` : '';
  return `${k.name} ${k.provider} ${k.env} ${k.tags.join(' ')} ${k.notes}${shared}`.toLowerCase();
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

/**
 * The keys a search found, in the list's order, read by position: nothing is copied out, so a
 * keystroke matching 60,000 of 100,000 keys allocates no array of them (the screen reads the
 * count and the ~30 rows it shows).
 */
export class Matches {
  /** `hits`: the positions in `ordered` of the keys found, ascending; null for all of them. */
  constructor(
    private readonly ordered: Key[],
    private readonly hits: Uint32Array | null,
  ) {}

  get length(): number {
    return this.hits ? this.hits.length : this.ordered.length;
  }

  /** The `i`th key found, or undefined past the end. */
  at(i: number): Key | undefined {
    if (i < 0 || i >= this.length) return undefined;
    return this.ordered[this.hits ? this.hits[i] : i];
  }

  /** The keys found from `start` up to `end` (excluded), both clamped to 0…length. */
  slice(start: number, end: number = this.length): Key[] {
    const from = Math.max(0, Math.min(start, this.length));
    const to = Math.max(from, Math.min(end, this.length));
    const out = new Array<Key>(to - from);
    for (let i = from; i < to; i++) out[i - from] = this.at(i) as Key;
    return out;
  }

  toArray(): Key[] {
    return this.slice(0);
  }
}

/** One remembered answer: the positions in the sorted list of the keys that matched. */
interface Answer {
  filters: string;
  words: string[];
  hits: Uint32Array;
  /** The same keys for the screen: one object per answer, so asking again changes nothing. */
  matches: Matches;
}

const noFilter = (f: Filters) => !f.env && !f.provider && !f.status && !f.due;

/**
 * A text's letter set: the printable ASCII letters it has (space to DEL, 96) as the bits of three
 * 32-bit words, 12 bytes a key. A text can only contain a word if it has all of the word's
 * letters, and testing three words is far cheaper than searching the string, so a scan skips
 * most keys without reading their text. Other letters have no bit: the string search sees them.
 * Signed words, so `set & need` (a signed result in JavaScript) compares equal to `need`.
 */
const LETTER_WORDS = 3;

/** Adds the letters of `text` to the set at `into[at]`. */
function addLetters(into: Int32Array, at: number, text: string): void {
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  for (let j = 0; j < text.length; j++) {
    const k = text.charCodeAt(j) - 32;
    if (k < 0 || k >= 96) continue;
    const bit = 1 << k; // shifts count modulo 32: the bit within its word
    if (k < 32) m0 |= bit;
    else if (k < 64) m1 |= bit;
    else m2 |= bit;
  }
  into[at] |= m0;
  into[at + 1] |= m1;
  into[at + 2] |= m2;
}

/** The letters of every text, {@link LETTER_WORDS} words each, in the texts' order. */
export function letterSets(texts: string[]): Int32Array {
  const sets = new Int32Array(texts.length * LETTER_WORDS);
  for (let i = 0; i < texts.length; i++) addLetters(sets, i * LETTER_WORDS, texts[i]);
  return sets;
}

/** Whether the letter sets answer `words` alone: each word one letter that has a bit. */
function lettersSuffice(words: string[]): boolean {
  return words.every((w) => w.length === 1 && w.charCodeAt(0) >= 32 && w.charCodeAt(0) < 128);
}

/**
 * Searches one sorted list keystroke after keystroke, as {@link filtered} would, without
 * scanning every key each time. Typing only narrows a search: every key that has "bil" in its
 * text has "bi" too, so the keys matching a query are among those of any earlier query (with the
 * same filters) whose words each occur inside one of its words; such an answer is the starting
 * point instead of the whole list. Deleting goes back to queries already answered, which are
 * remembered (the last {@link KeySearch.remembered} of them). The first letter of a query has no
 * earlier answer: there, and in every scan, the keys' {@link letterSets} rule out most keys
 * without reading their text. Texts and letter sets are built once per list.
 */
export class KeySearch {
  static readonly remembered = 64;
  private readonly texts: string[];
  private readonly letters: Int32Array;
  private readonly answers = new Map<string, Answer>();
  /** The answer to an empty query with no filter: the whole list. */
  private readonly all: Matches;
  /** Where a scan collects its hits before copying them to an array of their size. */
  private readonly scratch: Uint32Array;

  constructor(private readonly ordered: Key[]) {
    this.texts = ordered.map(searchText);
    this.letters = letterSets(this.texts);
    this.all = new Matches(ordered, null);
    this.scratch = new Uint32Array(ordered.length);
  }

  /** The keys that pass `filters` and match `query`, in the list's order. */
  find(query: string, filters: Filters): Key[] {
    return this.matches(query, filters).toArray();
  }

  /** {@link find}'s keys without copying them out: what the screen shows on each keystroke. */
  matches(query: string, filters: Filters): Matches {
    // Plain values: the UI passes Svelte state, and reading it once per key is slow.
    const f: Filters = { env: filters.env, provider: filters.provider, status: filters.status, due: filters.due };
    const words = queryWords(query);
    if (words.length === 0 && noFilter(f)) return this.all;
    const fkey = `${f.env}\u0000${f.provider}\u0000${f.status}\u0000${f.due}`;
    const id = `${fkey}\u0000${words.join(' ')}`;
    let answer = this.answers.get(id);
    if (answer) {
      this.answers.delete(id); // most recently used last
    } else {
      const hits = this.scan(noFilter(f) ? null : f, words, this.narrowest(fkey, words));
      answer = { filters: fkey, words, hits, matches: new Matches(this.ordered, hits) };
      if (this.answers.size >= KeySearch.remembered) {
        const oldest = this.answers.keys().next().value;
        if (oldest !== undefined) this.answers.delete(oldest);
      }
    }
    this.answers.set(id, answer);
    return answer.matches;
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

  /** The keys of `within` (all when null) passing `f` (none when null) whose text has every word. */
  private scan(f: Filters | null, words: string[], within: Uint32Array | null): Uint32Array {
    const need = new Int32Array(LETTER_WORDS);
    for (const w of words) addLetters(need, 0, w);
    const [n0, n1, n2] = need;
    const readText = !lettersSuffice(words);
    const sets = this.letters;
    const n = within ? within.length : this.ordered.length;
    const hits = this.scratch;
    let found = 0;
    for (let j = 0; j < n; j++) {
      const i = within ? within[j] : j;
      const at = i * LETTER_WORDS;
      if ((sets[at] & n0) !== n0 || (sets[at + 1] & n1) !== n1 || (sets[at + 2] & n2) !== n2) continue;
      if (f && !passes(this.ordered[i], f)) continue;
      if (readText && !this.hasWords(i, words)) continue;
      hits[found++] = i;
    }
    return hits.slice(0, found);
  }

  /** Whether the text of key `i` has every word: its letter set only said it might. */
  private hasWords(i: number, words: string[]): boolean {
    const text = this.texts[i];
    for (let w = 0; w < words.length; w++) if (!text.includes(words[w])) return false;
    return true;
  }
}

/** Distinct values of a field, sorted, for the filter menus. */
export function distinct(keys: Key[], field: 'env' | 'provider' | 'status'): string[] {
  return [...new Set(keys.map((k) => k[field]))].sort();
}
