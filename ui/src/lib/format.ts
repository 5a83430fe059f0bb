// Human-readable times and states.
import type { Key } from './types';

const DAY = 86_400_000;

/** "3 d", "5 mo", "2 y": short enough for a table column. */
export function shortAge(ms: number): string {
  const days = Math.floor(ms / DAY);
  if (days < 1) return 'today';
  if (days < 60) return `${days} d`;
  if (days < 730) return `${Math.floor(days / 30)} mo`;
  return `${Math.floor(days / 365)} y`;
}

/** "in 12 d", "due today", "3 d overdue". */
export function dueText(k: Pick<Key, 'days_left' | 'state'>): string {
  if (k.days_left > 0) return `in ${k.days_left} d`;
  if (k.days_left === 0) return 'due today';
  return `${-k.days_left} d overdue`;
}

export const dueLabel: Record<string, string> = { ok: 'ok', 'due-soon': 'due soon', overdue: 'overdue' };

export const statusLabel: Record<string, string> = {
  active: 'active',
  inactive: 'inactive',
  pending: 'pending',
  'no-local-secret': 'no local secret',
  gone: 'gone on provider',
};

/** A timestamp as local date and time, or a dash. */
export function when(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** "5 min ago", "3 d ago", or a dash for never. */
export function ago(iso: string | null, now: number): string {
  if (!iso) return '—';
  const ms = now - Date.parse(iso);
  if (ms < 60_000) return 'just now';
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < DAY) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${shortAge(ms)} ago`;
}

/** What a copy notice says about clearing. */
export function clearText(secs: number): string {
  return secs > 0 ? `the clipboard clears in ${secs} s` : 'the clipboard is not cleared automatically';
}
