// Test data for the UI's unit tests: obviously fake keys, never a real-looking secret.
import type { Key, Overview, PresetSummary, TimelineDay, TimelineMark } from './types';
import type { Paths_Serialize } from './bindings';

/** A provider's management paths as the core's defaults give them. */
export const defaultPaths: Paths_Serialize = {
  list: '/api-keys',
  get: '/api-keys/{id}',
  generate: '/api-keys/generate',
  status: '/api-keys/{id}/status',
  delete: '/api-keys/{id}',
  export: '/api-keys/export',
  usage: '/api-usage-logs',
  token: '/oauth/token',
};

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
    due_soon_override_days: null,
    rotated_by: null,
    due_at: '2026-01-31T00:00:00Z',
    state: 'ok',
    days_left: 10,
    ...over,
  };
}

/** A timeline mark: `provider/name`, due in `days_left` days. */
export function fakeMark(key: string, days_left: number, over: Partial<TimelineMark> = {}): TimelineMark {
  const state = days_left < 0 ? 'overdue' : days_left <= 7 ? 'due-soon' : 'ok';
  return {
    key,
    env: 'dev',
    due_at: new Date(Date.now() + days_left * 86_400_000).toISOString(),
    state,
    days_left,
    ...over,
  };
}

/**
 * Marks (soonest first) grouped into timeline days as the core groups them: overdue keys on
 * day -1, the others on their days left up to the horizon, each day carrying its first 40 keys.
 */
export function fakeDays(marks: readonly TimelineMark[], horizon = 90): TimelineDay[] {
  const days = new Map<number, TimelineDay>();
  for (const m of marks) {
    const day = m.state === 'overdue' ? -1 : Math.min(horizon, Math.max(0, Math.floor(m.days_left)));
    let d = days.get(day);
    if (!d) days.set(day, (d = { day, count: 0, ok: 0, due_soon: 0, overdue: 0, marks: [] }));
    d.count++;
    if (m.state === 'overdue') d.overdue++;
    else if (m.state === 'due-soon') d.due_soon++;
    else d.ok++;
    if (d.marks.length < 40) d.marks.push(m);
  }
  return [...days.values()].sort((a, b) => a.day - b.day);
}

/** An Overview: no key unless told otherwise. */
export function fakeOverview(over: Partial<Overview> = {}): Overview {
  return {
    total: 0,
    providers: 0,
    horizon_days: 90,
    environments: [
      { env: 'dev', ok: 0, due_soon: 0, overdue: 0 },
      { env: 'staging', ok: 0, due_soon: 0, overdue: 0 },
      { env: 'prod', ok: 0, due_soon: 0, overdue: 0 },
    ],
    timeline: [],
    last_reminder_check: null,
    failed_providers: [],
    ...over,
  };
}

/** The presets as `provider_presets` lists them (the generic API and GitLab). */
export function fakePresets(): PresetSummary[] {
  return [
    {
      name: 'standard',
      title: 'A generic key-management API (Keyshelf’s default)',
      docs: [],
      base_url: null,
      operations: ['list', 'get', 'create', 'set_status', 'delete', 'verify', 'usage', 'export'],
      roll: 'none',
      readable_again: 'no',
      auth: 'bearer or oauth2',
      variables: [],
      create_params: [],
    },
    {
      name: 'gitlab',
      title: 'GitLab personal access tokens',
      docs: ['https://docs.gitlab.com/api/personal_access_tokens/'],
      base_url: 'https://gitlab.com/api/v4',
      operations: ['list', 'get', 'create', 'delete', 'roll', 'verify'],
      roll: 'new-id',
      readable_again: 'no',
      auth: 'header PRIVATE-TOKEN',
      variables: [
        { name: 'page_size', required: false, description: 'Tokens per page of the list (1-100)' },
        { name: 'user_id', required: false, description: 'Numeric id of the user whose tokens are listed and created' },
      ],
      create_params: [{ name: 'scopes', required: true, description: 'Scopes, e.g. api,read_api' }],
    },
  ];
}
