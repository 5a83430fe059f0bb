// Test data for the UI's unit tests: obviously fake keys, never a real-looking secret.
import type { Key } from './types';

export function fakeKey(over: Partial<Key> = {}): Key {
  return {
    name: 'dev-app-test-2026-01',
    provider: 'local',
    provider_key_id: null,
    env: 'dev',
    status: 'active',
    has_secret: true,
    remote_state: null,
    user: null,
    var_name: null,
    origin: 'generated',
    created_at: '2026-01-01T00:00:00Z',
    last_rotated_at: null,
    interval_override_days: null,
    interval_days: 30,
    snoozed_until: null,
    last_copied_at: null,
    tags: [],
    notes: '',
    due_at: '2026-01-31T00:00:00Z',
    state: 'ok',
    days_left: 10,
    ...over,
  };
}
