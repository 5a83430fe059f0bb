// The Overview's timeline of due dates: one column per day (overdue keys in a column of their
// own at the left). The core sends only the days that have keys, each with its counts and its
// soonest keys, so 10,000 keys arrive as at most 92 small days.
import type { EnvCounts, TimelineDay } from './types';

export type { TimelineDay };

const DAY = 86_400_000;

/** The column of the overdue keys. */
export const OVERDUE = -1;

/** One entry per column: the overdue keys first, then today to `horizon` days from today. */
export function timelineDays(sent: readonly TimelineDay[], horizon: number): TimelineDay[] {
  const days: TimelineDay[] = [];
  for (let day = OVERDUE; day <= horizon; day++) days.push({ day, count: 0, ok: 0, due_soon: 0, overdue: 0, marks: [] });
  for (const d of sent) {
    const i = Math.min(horizon, Math.max(OVERDUE, d.day)) + 1;
    days[i] = { ...d, day: days[i].day };
  }
  return days;
}

/** How many keys the timeline holds. */
export function timelineTotal(days: readonly TimelineDay[]): number {
  return days.reduce((n, d) => n + d.count, 0);
}

/** The soonest `n` keys of the timeline. */
export function soonest(days: readonly TimelineDay[], n: number): TimelineDay['marks'] {
  const out: TimelineDay['marks'] = [];
  for (const d of days) {
    for (const m of d.marks) {
      if (out.length === n) return out;
      out.push(m);
    }
  }
  return out;
}

/**
 * The marks a column draws when it has room for `cap`: all of them when they fit, else the
 * soonest `cap - 1` and a count of the rest (drawn as one more block).
 */
export function drawnMarks(day: TimelineDay, cap: number): { marks: TimelineDay['marks']; more: number } {
  if (day.count <= cap) return { marks: day.marks, more: 0 };
  const shown = Math.max(0, cap - 1);
  return { marks: day.marks.slice(0, shown), more: day.count - shown };
}

/** The next column with keys from `from` in `step`'s direction, or `from` when there is none. */
export function nextWithKeys(days: readonly TimelineDay[], from: number, step: 1 | -1): number {
  for (let i = from + step; i >= 0 && i < days.length; i += step) if (days[i].count) return i;
  return from;
}

/** The state that matters most in a column: overdue, else due soon, else ok. */
export function worstState(d: TimelineDay): 'ok' | 'due-soon' | 'overdue' | null {
  if (d.overdue) return 'overdue';
  if (d.due_soon) return 'due-soon';
  return d.ok ? 'ok' : null;
}

/** The first column with keys, or today's when there is none. */
export function firstWithKeys(days: readonly TimelineDay[]): number {
  const i = days.findIndex((d) => d.count > 0);
  return i < 0 ? Math.min(1, days.length - 1) : i;
}

// One formatter for every column: toLocaleDateString builds a new one on each call, which costs
// more than the rest of the timeline put together.
let dateFormat: Intl.DateTimeFormat | undefined;

export function dayDate(day: number, now: number): string {
  dateFormat ??= new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
  return dateFormat.format(new Date(now + day * DAY));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** When a column is, in words: "Overdue", "Today, Mon, Nov 23", "Sat, Nov 28, in 5 days". */
export function dayName(day: number, now: number): string {
  if (day === OVERDUE) return 'Overdue';
  if (day === 0) return `Today, ${dayDate(0, now)}`;
  if (day === 1) return `Tomorrow, ${dayDate(1, now)}`;
  return `${dayDate(day, now)}, in ${day} days`;
}

/** A column as a screen reader says it and the caption shows it. */
export function dayLabel(d: TimelineDay, now: number): string {
  const n = d.count;
  const what = n === 0 ? 'no key due' : plural(n, 'key');
  let soon = '';
  if (d.day !== OVERDUE && d.due_soon > 0) soon = d.due_soon === n ? (n === 1 ? ', due soon' : ', all due soon') : ` (${d.due_soon.toLocaleString()} due soon)`;
  return `${dayName(d.day, now)}: ${what}${soon}`;
}

/** `provider/name` → its name and provider. */
export function splitRef(ref: string): { provider: string; name: string } {
  const at = ref.indexOf('/');
  return at < 0 ? { provider: '', name: ref } : { provider: ref.slice(0, at), name: ref.slice(at + 1) };
}

export function envTotal(e: EnvCounts): number {
  return e.ok + e.due_soon + e.overdue;
}

/**
 * The widths of an environment's bar segments in percent of the track: the bar's length is
 * its share of the largest environment, so bars compare across environments.
 */
export function barWidths(e: EnvCounts, largest: number): { ok: number; dueSoon: number; overdue: number } {
  const scale = largest > 0 ? 100 / largest : 0;
  return { ok: e.ok * scale, dueSoon: e.due_soon * scale, overdue: e.overdue * scale };
}
