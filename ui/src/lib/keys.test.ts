import { describe, expect, it } from 'vitest';
import { distinct, filtered, noFilters, sorted, type Filters, type Sort } from './keys';
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

  it('searches and sorts 10,000 keys as the user types in under 100 ms', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => fakeKey({ name: `key-${i}`, days_left: i % 97 }));
    // The first keystroke builds the search index; the ones after are what typing feels like.
    view(many, 'key-9', noFilters(), { field: 'due', descending: false });
    const t = performance.now();
    const out = view(many, 'key-99', noFilters(), { field: 'due', descending: false });
    expect(performance.now() - t).toBeLessThan(100);
    expect(out.length).toBe(111); // key-99, key-990..key-999, key-9900..key-9999
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
