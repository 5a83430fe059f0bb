// An accessibility smoke test: axe-core over each screen rendered with a fake backend, failing on
// serious or critical violations. jsdom lays nothing out, so colour contrast is left to
// theme.test.ts (the variables) and to the end-to-end run in the real window.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import axe from 'axe-core';
import type { Component } from 'svelte';
import { defaultPaths, fakeDays, fakeKey, fakeMark, fakeOverview, fakePresets } from './lib/fixtures';
import type { EnvImportPlan, Provider, UsageReport } from './lib/types';

const backend = vi.hoisted(() => {
  const fns = [
    'abortRotation', 'addProvider', 'autostartEnabled', 'checkRemindersNow', 'chooseEnvFile', 'copySecret',
    'createProviderKey', 'deleteProviderKey', 'exportProviderCsv', 'generateKey', 'importEnvFile', 'importKey',
    'importListedSecret', 'keyDetail', 'linkKey', 'listKeys', 'listProviders', 'overview', 'previewEnvFile', 'providerPresets',
    'reminderStatus', 'removeEnvironment', 'removeKey', 'removeProvider', 'revealSecret', 'rotateKey',
    'rotationStatus', 'setAutostart', 'setClipboardClearSecs', 'setDueSoonDays', 'setEnvironment', 'setKeyActive',
    'setKeyInterval', 'setRemindInterval', 'setTheme', 'settings', 'suggestName', 'syncProvider', 'takePendingView',
    'testProvider', 'updateProvider', 'usageReport', 'verifyKey', 'listTeams', 'keyTeams', 'addTeam',
    'removeTeam', 'syncTeam', 'shareKey', 'unshareKey',
  ];
  return {
    BackendError: class BackendError extends Error {},
    ...Object.fromEntries(fns.map((f) => [f, vi.fn()])),
  } as Record<string, ReturnType<typeof vi.fn>> & { BackendError: typeof Error };
});
vi.mock('./lib/backend', () => backend);

import App from './App.svelte';
import Overview from './screens/Overview.svelte';
import EnvImport from './screens/EnvImport.svelte';
import Teams from './screens/Teams.svelte';
import Keys from './screens/Keys.svelte';
import Usage from './screens/Usage.svelte';
import Settings from './screens/Settings.svelte';
import Providers from './screens/Providers.svelte';
import NewKey from './screens/NewKey.svelte';

const provider: Provider = {
  name: 'sim',
  base_url: 'https://sim.example',
  auth: 'bearer',
  key_scheme: 'x-api-key',
  verify_path: null,
  key_limit: 10,
  default_env: 'prod',
  insecure_accepted: false,
  paths: defaultPaths,
  timeout_secs: 30,
  created_at: '2026-01-01T00:00:00Z',
  warning: 'a warning about the scheme',
  keys_used: 2,
  operations: ['list', 'get', 'create', 'set_status', 'delete', 'verify', 'usage', 'export'],
  roll: 'none',
};

const overview = () =>
  fakeOverview({
    total: 4,
    providers: 1,
    environments: [
      { env: 'dev', ok: 1, due_soon: 0, overdue: 0 },
      { env: 'staging', ok: 0, due_soon: 0, overdue: 0 },
      { env: 'prod', ok: 1, due_soon: 1, overdue: 1 },
    ],
    timeline: fakeDays([fakeMark('local/late', -3, { env: 'prod' }), fakeMark('local/soon', 2), fakeMark('sim/x', 40), fakeMark('sim/y', 40)]),
    last_reminder_check: '2026-11-23T10:00:00Z',
    failed_providers: [{ provider: 'sim', at: '2026-11-23T09:00:00Z', code: 'network', message: 'could not reach sim' }],
  });

const plan: EnvImportPlan = {
  file: '.env',
  env: 'dev',
  lines: [
    { line: 1, var: 'PORT', name: 'dev-port', action: 'skip', reason: 'a number, not a secret' },
    { line: 2, var: 'API_KEY', name: 'dev-api-key', action: 'import', reason: null },
    { line: 3, var: 'OLD_TOKEN', name: 'dev-old-token', action: 'clash', reason: 'a key named dev-old-token already exists' },
  ],
  to_import: 1,
  skipped: 1,
  clashes: 1,
  exec_line: 'keyshelf exec --env dev -- CMD',
};

const usage: UsageReport = {
  provider: 'sim',
  unit: 'calls',
  rows: [
    { at: '2026-11-18T10:02:00Z', key_id: '1', key: 'sim/x', route: '/r', status: 401, ip: null, count: 1, flags: ['failed-auth'] },
    { at: '2026-11-18T10:01:00Z', key_id: '1', key: 'sim/x', route: '/r', status: 200, ip: '192.0.2.1', count: 1, flags: [] },
  ],
  failed_auth: 1,
  new_ip: 0,
  off_hours: 0,
  spike: 0,
  chart: {
    unit: 'calls', bucket: 'hour',
    times: [1_795_000_000, 1_795_003_600],
    series: [{ key: 'sim/x', key_id: '1', label: 'sim/x', calls: [1, 1], failed_auth: [1, 0], flagged: [1, 0] }],
    rotations: [],
  },
};

beforeEach(() => {
  vi.clearAllMocks();
  backend.settings.mockResolvedValue({
    environments: [
      { name: 'dev', interval_days: 30 },
      { name: 'prod', interval_days: 90 },
    ],
    due_soon_days: 7,
    clipboard_clear_secs: 30,
    version: '0.1.0',
    commit: 'abc1234',
    theme: 'system',
  });
  backend.overview.mockResolvedValue(overview());
  backend.listKeys.mockResolvedValue([fakeKey({ name: 'dev-a' }), fakeKey({ name: 'prod-b', env: 'prod', state: 'overdue', days_left: -2 })]);
  backend.keyDetail.mockResolvedValue({ key: fakeKey({ name: 'dev-a' }), audit: [] });
  backend.rotationStatus.mockResolvedValue(null);
  backend.listProviders.mockResolvedValue([provider]);
  backend.providerPresets.mockResolvedValue(fakePresets());
  backend.usageReport.mockResolvedValue(usage);
  backend.reminderStatus.mockResolvedValue({ checked_at: null, due: 0, sent: null, error: null, checks: 0, interval_minutes: 60 });
  backend.autostartEnabled.mockResolvedValue(false);
  backend.takePendingView.mockResolvedValue(null);
  backend.suggestName.mockResolvedValue('dev-app-purpose-2026-11');
  backend.chooseEnvFile.mockResolvedValue(plan);
  backend.listTeams.mockResolvedValue([
    { name: 'ops', addrs: ['https://bao.example.com'], mount: 'secret', prefix: 'keyshelf/ops', auth: 'token', ca_cert: null, last_sync: { at: '2026-11-23T12:00:00Z', summary: '3 added, 0 updated, 0 gone, 0 unchanged', error_code: null, error_message: null }, shared_keys: 3 },
  ]);
  backend.keyTeams.mockResolvedValue(['ops']);
});
afterEach(() => cleanup());

/** The serious and critical violations in `root`, one line each. */
async function violations(root: Element): Promise<string[]> {
  const result = await axe.run(root, {
    resultTypes: ['violations'],
    rules: { 'color-contrast': { enabled: false } },
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')} — ${v.help}`);
}

const noProps = () => ({});
const cases: [string, Component<any>, () => Record<string, unknown>, string][] = [
  ['the Overview with keys', Overview, () => ({ onopen: vi.fn(), onnavigate: vi.fn() }), 'timeline'],
  ['Keys', Keys, noProps, 'key-row'],
  ['Usage', Usage, noProps, 'usage-chart'],
  ['Settings', Settings, noProps, 'theme-select'],
  ['Providers', Providers, noProps, 'provider-row'],
  ['New key', NewKey, () => ({ oncreated: vi.fn() }), 'name'],
  ['Teams', Teams, noProps, 'team-row'],
];

describe('axe finds nothing serious', () => {
  it.each(cases)('on %s', async (_name, component, props, ready) => {
    const { container } = render(component, props());
    await waitFor(() => expect(screen.getAllByTestId(ready).length).toBeGreaterThan(0));
    expect(await violations(container)).toEqual([]);
  });

  it('on the empty Overview', async () => {
    backend.overview.mockResolvedValue(fakeOverview());
    const { container } = render(Overview, { onopen: vi.fn(), onnavigate: vi.fn() });
    await waitFor(() => screen.getByTestId('overview-empty'));
    expect(await violations(container)).toEqual([]);
  });

  it('on the Overview with a day’s key list open', async () => {
    const { container } = render(Overview, { onopen: vi.fn(), onnavigate: vi.fn() });
    const tl = await waitFor(() => screen.getByTestId('timeline'));
    await fireEvent.keyDown(tl, { key: 'End' });
    await fireEvent.keyDown(tl, { key: 'Enter' });
    await waitFor(() => screen.getByTestId('timeline-day'));
    expect(await violations(container)).toEqual([]);
  });

  it('on the .env import preview and its result', async () => {
    backend.importEnvFile.mockResolvedValue({ plan, imported: [fakeKey({ name: 'dev-api-key' })] });
    const { container } = render(EnvImport, { onclose: vi.fn() });
    await fireEvent.click(await waitFor(() => screen.getByTestId('env-import-choose')));
    await waitFor(() => screen.getByTestId('env-import-preview'));
    expect(await violations(container)).toEqual([]);
    await fireEvent.click(screen.getByTestId('env-import-confirm'));
    await waitFor(() => screen.getByTestId('env-import-done'));
    expect(await violations(container)).toEqual([]);
  });

  it('on an empty key list', async () => {
    backend.listKeys.mockResolvedValue([]);
    const { container } = render(Keys);
    await waitFor(() => expect(screen.getByTestId('key-list').dataset.ready).toBe('true'));
    expect(await violations(container)).toEqual([]);
  });

  it('on the key detail', async () => {
    const { container } = render(Keys, { open: { ref: 'local/dev-a', n: 1 } });
    await waitFor(() => screen.getByTestId('key-detail'));
    await waitFor(() => screen.getByTestId('copy'));
    expect(await violations(container)).toEqual([]);
  });

  it('on the whole window', async () => {
    const { container } = render(App);
    await waitFor(() => screen.getByTestId('timeline'));
    expect(await violations(container)).toEqual([]);
  });
});
