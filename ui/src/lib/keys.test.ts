import { describe, expect, it } from 'vitest';
import { distinct, filtered, KeySearch, letterSets, noFilters, searchText, sorted, type Filters, type Sort } from './keys';
import type { Key } from './types';
import { fakeKey } from './fixtures';
import { dueText, shortAge } from './format';
import { estimateBits, whitespaceWarning } from './entropy';

/** What the Keys screen shows: the list sorted, then searched and filtered. */
const view = (list: Key[], query: string, filters: Filters, sort: Sort) => filtered(sorted(list, sort), query, filters);

const keys = [
  fakeKey({ name: 'prod-billing-stripe-2026-01', env: 'prod', provider: 'acme', state: 'overdue', days_left: -3 }),
  fakeKey({ name: 'dev-search-index-2026-02', env: 'dev', state: 'ok', days_left: 20, tags: ['search'] }),
  fakeKey({ name: 'staging-billing-hooks-2026-03', env: 'staging', provider: 'acme', state: 'due-soon', days_left: 2, status: 'inactive' }),
];

describe('key list view', () => {
  it('finds keys by every word of the query across name, provider and tags', () => {
    expect(view(keys, 'billing acme', noFilters(), { field: 'name', descending: false }).map((k) => k.env)).toEqual(['prod', 'staging']);
    expect(view(keys, 'SEARCH', noFilters(), { field: 'name', descending: false })).toHaveLength(1);
    expect(view(keys, 'nothing-like-this', noFilters(), { field: 'name', descending: false })).toHaveLength(0);
  });

  it('finds the keys shared with a team by "shared" and by who published their version', () => {
    const s = { field: 'name' as const, descending: false };
    const withShared = [...keys, fakeKey({ name: 'staging-mail', env: 'staging', rotated_by: 'alice@ws1' })];
    expect(view(withShared, 'shared', noFilters(), s).map((k) => k.name)).toEqual(['staging-mail']);
    expect(view(withShared, 'alice', noFilters(), s).map((k) => k.name)).toEqual(['staging-mail']);
    expect(view(keys, 'shared', noFilters(), s)).toHaveLength(0);
  });

  it('filters by environment, provider, status and due state', () => {
    const s = { field: 'name' as const, descending: false };
    expect(view(keys, '', { ...noFilters(), env: 'dev' }, s)).toHaveLength(1);
    expect(view(keys, '', { ...noFilters(), provider: 'acme' }, s)).toHaveLength(2);
    expect(view(keys, '', { ...noFilters(), status: 'inactive' }, s)[0].env).toBe('staging');
    expect(view(keys, '', { ...noFilters(), due: 'due' }, s).map((k) => k.env)).toEqual(['prod', 'staging']);
    expect(view(keys, '', { ...noFilters(), due: 'overdue' }, s).map((k) => k.env)).toEqual(['prod']);
  });

  it('sorts by due date, most urgent first, and reverses on demand', () => {
    expect(view(keys, '', noFilters(), { field: 'due', descending: false }).map((k) => k.days_left)).toEqual([-3, 2, 20]);
    expect(view(keys, '', noFilters(), { field: 'due', descending: true }).map((k) => k.days_left)).toEqual([20, 2, -3]);
  });

  it('searches 10,000 keys as the user types', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => fakeKey({ name: `key-${i}`, days_left: i % 97 }));
    const search = new KeySearch(sorted(many, { field: 'due', descending: false }));
    search.find('key-9', noFilters());
    expect(search.find('key-99', noFilters()).length).toBe(111); // key-99, key-990..999, key-9900..9999
  });

  it('filters a once-sorted list without losing its order, and sorts a copy', () => {
    const input = [...keys];
    const ordered = sorted(input, { field: 'due', descending: true });
    expect(input).toEqual(keys);
    expect(filtered(ordered, 'billing', noFilters()).map((k) => k.days_left)).toEqual([2, -3]);
  });

  it('lists the distinct values for the filter menus, sorted', () => {
    expect(distinct(keys, 'env')).toEqual(['dev', 'prod', 'staging']);
  });
});

describe('search as you type', () => {
  const envs = ['dev', 'staging', 'prod'];
  const apps = ['billing', 'search', 'auth', 'web'];
  const list = sorted(
    Array.from({ length: 600 }, (_, i) =>
      fakeKey({
        name: `${envs[i % 3]}-${apps[(i >> 2) % 4]}-main-2026-${String(1 + (i % 12)).padStart(2, '0')}`,
        env: envs[i % 3],
        provider: i % 5 ? 'acme' : 'globex',
        status: i % 7 ? 'active' : 'inactive',
        state: i % 4 ? 'ok' : 'overdue',
        tags: i % 11 ? [] : ['Payments'],
      }),
    ),
    { field: 'name', descending: false },
  );

  /** Every state of the search box while `query` is typed one character at a time, then deleted. */
  const typing = (query: string) => {
    const steps = [];
    for (let n = 1; n <= query.length; n++) steps.push(query.slice(0, n));
    for (let n = query.length - 1; n >= 0; n--) steps.push(query.slice(0, n));
    return steps;
  };

  it('answers every keystroke as filtering the whole list would, while typing and deleting', () => {
    const search = new KeySearch(list);
    const filterSets: Filters[] = [noFilters(), { ...noFilters(), env: 'prod' }, { ...noFilters(), status: 'inactive', due: 'due' }];
    let checked = 0;
    for (const filters of filterSets) {
      for (const query of ['prod billing', 'billing  prod', 'payments 2026-1', 'x', 'PROD AUTH 01']) {
        for (const step of typing(query)) {
          const want = filtered(list, step, filters);
          expect(search.find(step, filters), `${JSON.stringify(filters)} "${step}"`).toEqual(want);
          checked += want.length;
        }
      }
    }
    expect(checked).toBeGreaterThan(10_000); // the queries do match keys, not only nothing
  });

  it('answers right after a query is replaced by one it does not narrow', () => {
    const search = new KeySearch(list);
    for (const step of ['bil', 'bill', 'auth', 'au', 'billing', 'ing', 'ing 03', '03']) {
      expect(search.find(step, noFilters())).toEqual(filtered(list, step, noFilters()));
    }
  });

  it('keeps answering right when it has more queries than it remembers', () => {
    const search = new KeySearch(list);
    const queries = Array.from({ length: KeySearch.remembered * 2 }, (_, i) => `2026-${String(1 + (i % 12)).padStart(2, '0')} ${apps[i % 4].slice(0, 1 + (i % 3))}`);
    for (const q of [...queries, ...queries.reverse()]) {
      expect(search.find(q, noFilters())).toEqual(filtered(list, q, noFilters()));
    }
  });

  // Letters in the last bit of a word ('?', '_', DEL) and past the range ('é', 'ß', '€').
  const odd = sorted(
    ['what?', 'snake_case', 'del\u007f', 'café', 'straße', '€-price', 'Zoë'].map((name, i) =>
      fakeKey({ name, env: envs[i % 3], notes: i % 2 ? 'Ünïcode ~`{|}' : '' }),
    ),
    { field: 'name', descending: false },
  );
  const both = [...list, ...odd];

  it('answers every one-letter query, every letter with a bit and some without, under each filter', () => {
    const search = new KeySearch(both);
    const letters = [...Array.from({ length: 96 }, (_, i) => String.fromCharCode(32 + i)), 'é', 'ß', '€', 'ü', 'ë'];
    for (const filters of [noFilters(), { ...noFilters(), env: 'staging' }]) {
      for (const letter of letters) {
        expect(search.find(letter, filters), `${JSON.stringify(filters)} "${letter}"`).toEqual(filtered(both, letter, filters));
      }
    }
  });

  it('answers queries mixing letters with and without a bit as the plain filter does, while typing', () => {
    const search = new KeySearch(both);
    for (const query of ['what? snake_', 'straße €-p', 'ZOË ünï', 'café a', 'del\u007f {|']) {
      for (const step of typing(query)) {
        expect(search.find(step, noFilters()), `"${step}"`).toEqual(filtered(both, step, noFilters()));
      }
    }
  });

  it('keeps in each letter set exactly the printable ASCII letters of the text', () => {
    const texts = list.slice(0, 50).map(searchText).concat(['', ' ', '?_\u007f', 'é€ab']);
    const sets = letterSets(texts);
    texts.forEach((text, i) => {
      for (let c = 32; c < 128; c++) {
        const k = c - 32;
        const has = (sets[i * 3 + (k >> 5)] & (1 << k)) !== 0;
        expect(has, `${JSON.stringify(text)} ${JSON.stringify(String.fromCharCode(c))}`).toBe(text.includes(String.fromCharCode(c)));
      }
    });
  });

  it('hands out matches that read as the plain filter\'s array: length, at, slice', () => {
    const search = new KeySearch(list);
    for (const [query, filters] of [['prod bil', noFilters()], ['', { ...noFilters(), env: 'dev' }], ['', noFilters()], ['zzz', noFilters()]] as const) {
      const want = filtered(list, query, filters);
      const got = search.matches(query, filters);
      expect(got.length).toBe(want.length);
      expect(got.toArray()).toEqual(want);
      for (const i of [-1, 0, 1, want.length - 1, want.length]) expect(got.at(i), `${query} at ${i}`).toBe(want.at(i) === undefined || i < 0 ? undefined : want[i]);
      for (const [a, b] of [[0, 27], [5, 3], [want.length - 2, want.length + 10], [-4, 2], [0, undefined]] as const) {
        expect(got.slice(a, b), `${query} slice ${a} ${b}`).toEqual(want.slice(Math.max(0, a), b));
      }
    }
  });

  it('gives the same matches object when a query is asked again, so the screen has nothing to redo', () => {
    const search = new KeySearch(list);
    const first = search.matches('bill', noFilters());
    search.matches('bil', noFilters());
    expect(search.matches('bill', noFilters())).toBe(first);
    expect(search.matches('', noFilters())).toBe(search.matches(' ', noFilters()));
  });

  it('gives the whole sorted list for an empty query and no filter', () => {
    expect(new KeySearch(list).find('  ', noFilters())).toEqual(list);
  });
});

describe('formatting', () => {
  it('says how far a due date is', () => {
    expect(dueText({ days_left: 5, state: 'ok' })).toBe('in 5 d');
    expect(dueText({ days_left: 0, state: 'due-soon' })).toBe('due today');
    expect(dueText({ days_left: -4, state: 'overdue' })).toBe('4 d overdue');
  });

  it('shortens ages to days, months and years', () => {
    const day = 86_400_000;
    expect(shortAge(3 * day)).toBe('3 d');
    expect(shortAge(100 * day)).toBe('3 mo');
    expect(shortAge(800 * day)).toBe('2 y');
  });
});

describe('new key helpers', () => {
  it('estimates entropy like the core: the prefix adds none, the pair form is 48 base62 chars', () => {
    expect(estimateBits(64, 'base62', '', false)).toBe(381);
    expect(estimateBits(64, 'hex', 'sk_live_', false)).toBe(224);
    expect(estimateBits(10, 'base62', '', true)).toBe(285);
  });

  it('warns about surrounding whitespace but not about the one trailing newline', () => {
    expect(whitespaceWarning('fixture-value-not-a-real-key\n')).toBe('');
    expect(whitespaceWarning(' fixture-value-not-a-real-key')).toMatch(/whitespace/);
    expect(whitespaceWarning('a\nb')).toMatch(/several lines/);
  });
});
