import { describe, expect, it } from 'vitest';
import { fakeDays, fakeMark } from './fixtures';
import { OVERDUE, worstState, barWidths, dayLabel, drawnMarks, firstWithKeys, nextWithKeys, soonest, splitRef, timelineDays, timelineTotal } from './timeline';

describe('the timeline columns', () => {
  it('fills in the days without keys, overdue keys in the first column', () => {
    const days = timelineDays(
      fakeDays([fakeMark('a/late', -30), fakeMark('a/odd', -1, { state: 'due-soon' }), fakeMark('a/today', 0), fakeMark('a/soon', 3), fakeMark('a/far', 95)]),
      90,
    );
    expect(days).toHaveLength(92);
    expect(days.map((d) => d.day)).toEqual(Array.from({ length: 92 }, (_, i) => i - 1));
    expect(days[0].day).toBe(OVERDUE);
    expect(days[0].marks.map((m) => m.key)).toEqual(['a/late']);
    expect(days[1].marks.map((m) => m.key)).toEqual(['a/odd', 'a/today']);
    expect(days[4].marks.map((m) => m.key)).toEqual(['a/soon']);
    expect(days[4].due_soon).toBe(1);
    expect(days[2]).toEqual({ day: 1, count: 0, ok: 0, due_soon: 0, overdue: 0, marks: [] });
    // Past the horizon: the last column.
    expect(days[91].marks.map((m) => m.key)).toEqual(['a/far']);
    expect(timelineTotal(days)).toBe(5);
    expect(soonest(days, 3).map((m) => m.key)).toEqual(['a/late', 'a/odd', 'a/today']);
  });

  it('draws all the marks that fit, else the soonest and a count of every other key that day', () => {
    const [, day] = timelineDays(fakeDays(Array.from({ length: 50 }, (_, i) => fakeMark(`a/k${i}`, 0))), 90);
    expect(day.count).toBe(50);
    expect(day.marks).toHaveLength(40);
    const drawn = drawnMarks(day, 12);
    expect(drawn.marks.map((m) => m.key)).toEqual(Array.from({ length: 11 }, (_, i) => `a/k${i}`));
    expect(drawn.more).toBe(39);
    const small = { ...day, count: 12, marks: day.marks.slice(0, 12) };
    expect(drawnMarks(small, 12)).toEqual({ marks: small.marks, more: 0 });
  });

  it('moves between the days that have keys', () => {
    const days = timelineDays(fakeDays([fakeMark('a/x', -2), fakeMark('a/y', 10), fakeMark('a/z', 40)]), 90);
    expect(firstWithKeys(days)).toBe(0);
    expect(nextWithKeys(days, 0, 1)).toBe(11);
    expect(nextWithKeys(days, 11, 1)).toBe(41);
    expect(nextWithKeys(days, 41, 1)).toBe(41);
    expect(nextWithKeys(days, 41, -1)).toBe(11);
    expect(nextWithKeys(days, 0, -1)).toBe(0);
    expect(firstWithKeys(timelineDays([], 90))).toBe(1);
  });

  it('names a day in words, counting every key of it', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const days = timelineDays(fakeDays([fakeMark('a/x', -2), fakeMark('a/y', 0), fakeMark('a/z', 5, { state: 'ok' }), fakeMark('a/w', 5)]), 90);
    expect(dayLabel(days[0], now)).toBe('Overdue: 1 key');
    expect(dayLabel(days[1], now)).toMatch(/^Today, .*: 1 key, due soon$/);
    expect(dayLabel(days[6], now)).toMatch(/in 5 days: 2 keys \(1 due soon\)$/);
    expect(dayLabel(days[2], now)).toMatch(/^Tomorrow, .*: no key due$/);
    const allSoon = timelineDays(fakeDays([fakeMark('a/p', 4), fakeMark('a/q', 4)]), 90);
    expect(dayLabel(allSoon[5], now)).toMatch(/in 4 days: 2 keys, all due soon$/);
    const busy = timelineDays(fakeDays(Array.from({ length: 45 }, (_, i) => fakeMark(`a/b${i}`, 9, { state: 'ok' }))), 90);
    expect(dayLabel(busy[10], now)).toMatch(/in 9 days: 45 keys$/);
    expect(worstState(days[6])).toBe('due-soon');
    expect(worstState(days[0])).toBe('overdue');
    expect(worstState(days[3])).toBeNull();
  });
});

describe('the environment bars', () => {
  it('scale to the largest environment', () => {
    expect(barWidths({ env: 'prod', ok: 2, due_soon: 1, overdue: 1 }, 8)).toEqual({ ok: 25, dueSoon: 12.5, overdue: 12.5 });
    expect(barWidths({ env: 'dev', ok: 0, due_soon: 0, overdue: 0 }, 0)).toEqual({ ok: 0, dueSoon: 0, overdue: 0 });
  });
});

it('splits a key reference into provider and name', () => {
  expect(splitRef('sim/prod-a/b')).toEqual({ provider: 'sim', name: 'prod-a/b' });
  expect(splitRef('plain')).toEqual({ provider: '', name: 'plain' });
});
