// The start page, the .env import, the theme setting and the usage chart's screen, with the
// backend module replaced by a fake (no Tauri shell).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { fakeDays, fakeKey, fakeMark, fakeOverview } from '../lib/fixtures';
import type { EnvImportPlan, Provider, UsageReport } from '../lib/types';

const backend = vi.hoisted(() => ({
  listTeams: vi.fn(),
  keyTeams: vi.fn(),
  shareKey: vi.fn(),
  BackendError: class BackendError extends Error {},
  overview: vi.fn(),
  chooseEnvFile: vi.fn(),
  previewEnvFile: vi.fn(),
  importEnvFile: vi.fn(),
  setTheme: vi.fn(),
  settings: vi.fn(),
  listKeys: vi.fn(),
  keyDetail: vi.fn(),
  rotationStatus: vi.fn(),
  listProviders: vi.fn(),
  takePendingView: vi.fn(),
  reminderStatus: vi.fn(),
  autostartEnabled: vi.fn(),
  usageReport: vi.fn(),
  suggestName: vi.fn(),
}));
vi.mock('../lib/backend', () => backend);

import Overview from './Overview.svelte';
import EnvImport from './EnvImport.svelte';
import Settings from './Settings.svelte';
import Usage from './Usage.svelte';
import NewKey from './NewKey.svelte';
import App from '../App.svelte';

const withKeys = () =>
  fakeOverview({
    total: 5,
    providers: 1,
    environments: [
      { env: 'dev', ok: 2, due_soon: 0, overdue: 0 },
      { env: 'staging', ok: 0, due_soon: 0, overdue: 0 },
      { env: 'prod', ok: 1, due_soon: 1, overdue: 1 },
    ],
    timeline: fakeDays([
      fakeMark('local/prod-late', -4, { env: 'prod' }),
      fakeMark('local/prod-soon', 3, { env: 'prod' }),
      fakeMark('sim/dev-a', 20),
      fakeMark('sim/dev-b', 20),
      fakeMark('local/prod-later', 80, { env: 'prod' }),
    ]),
    last_reminder_check: new Date(Date.now() - 2 * 3_600_000).toISOString(),
    failed_providers: [{ provider: 'sim', at: new Date().toISOString(), code: 'network', message: 'could not reach sim' }],
  });

const plan = (over: Partial<EnvImportPlan> = {}): EnvImportPlan => ({
  file: '.env',
  env: 'dev',
  lines: [
    { line: 1, var: 'PORT', name: 'dev-port', action: 'skip', reason: 'a number, not a secret' },
    { line: 2, var: 'STRIPE_SECRET_KEY', name: 'dev-stripe-secret-key', action: 'import', reason: null },
    { line: 3, var: 'GITHUB_TOKEN', name: 'dev-github-token', action: 'import', reason: null },
    { line: 4, var: 'OLD_KEY', name: 'dev-old-key', action: 'clash', reason: 'a key named dev-old-key already exists' },
  ],
  to_import: 2,
  skipped: 1,
  clashes: 1,
  exec_line: 'keyshelf exec --env dev -- CMD',
  ...over,
});

beforeEach(() => {
  vi.clearAllMocks();
  backend.listTeams.mockResolvedValue([]);
  backend.keyTeams.mockResolvedValue([]);
  document.documentElement.removeAttribute('data-theme');
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
  backend.overview.mockResolvedValue(fakeOverview());
  backend.listProviders.mockResolvedValue([]);
  backend.rotationStatus.mockResolvedValue(null);
  backend.takePendingView.mockResolvedValue(null);
  backend.reminderStatus.mockResolvedValue({ checked_at: null, due: 0, sent: null, error: null, checks: 0, interval_minutes: 60 });
  backend.autostartEnabled.mockResolvedValue(false);
  backend.listKeys.mockResolvedValue([]);
});
afterEach(() => cleanup());

const props = () => ({ onopen: vi.fn(), onnavigate: vi.fn() });

describe('Overview', () => {
  it('draws a bar per environment with its counts in words', async () => {
    backend.overview.mockResolvedValue(withKeys());
    render(Overview, props());
    const bars = await waitFor(() => screen.getAllByTestId('env-bar'));
    expect(bars.map((b) => b.dataset.env)).toEqual(['dev', 'staging', 'prod']);
    const prod = bars[2];
    expect(prod.textContent).toMatch(/1 ok · 1 due soon · 1 overdue/);
    expect([prod.dataset.ok, prod.dataset.dueSoon, prod.dataset.overdue]).toEqual(['1', '1', '1']);
    expect(bars[1].textContent).toMatch(/no keys/);
    // The bars' lengths compare environments: prod (3 keys) fills the track, dev (2) two thirds.
    const devOk = bars[0].querySelector<HTMLElement>('.seg')!;
    expect(parseFloat(devOk.style.width)).toBeCloseTo(66.67, 1);
  });

  it('puts each key on the timeline, overdue ones in the first column, and a click opens the key', async () => {
    backend.overview.mockResolvedValue(withKeys());
    const p = props();
    render(Overview, p);
    const marks = await waitFor(() => screen.getAllByTestId('timeline-mark'));
    expect(marks.map((m) => m.dataset.key)).toEqual([
      'local/prod-late',
      'local/prod-soon',
      'sim/dev-a',
      'sim/dev-b',
      'local/prod-later',
    ]);
    expect(marks[0].closest<HTMLElement>('[data-col]')!.dataset.day).toBe('-1');
    expect(marks[0].dataset.state).toBe('overdue');
    expect(marks[1].closest<HTMLElement>('[data-col]')!.dataset.day).toBe('3');
    await fireEvent.click(marks[2]);
    expect(p.onopen).toHaveBeenCalledWith('sim/dev-a');
  });

  it('is operable by keyboard: arrows move between days with keys, Enter opens the key or lists the day', async () => {
    backend.overview.mockResolvedValue(withKeys());
    const p = props();
    render(Overview, p);
    const tl = await waitFor(() => screen.getByTestId('timeline'));
    expect(tl.tabIndex).toBe(0);
    expect(tl.getAttribute('role')).toBe('listbox');
    const current = () => document.getElementById(tl.getAttribute('aria-activedescendant')!)!;
    expect(current().getAttribute('aria-label')).toMatch(/^Overdue: 1 key/);
    await fireEvent.keyDown(tl, { key: 'ArrowRight' });
    expect(current().dataset.day).toBe('3');
    expect(current().getAttribute('aria-selected')).toBe('true');
    await fireEvent.keyDown(tl, { key: 'Enter' });
    expect(p.onopen).toHaveBeenLastCalledWith('local/prod-soon');
    await fireEvent.keyDown(tl, { key: 'ArrowRight' });
    expect(current().getAttribute('aria-label')).toMatch(/in 20 days: 2 keys/);
    await fireEvent.keyDown(tl, { key: 'Enter' });
    const list = await waitFor(() => screen.getByTestId('timeline-day'));
    const buttons = within(list).getAllByTestId('timeline-day-key');
    expect(buttons.map((b) => b.dataset.key)).toEqual(['sim/dev-a', 'sim/dev-b']);
    expect(document.activeElement).toBe(buttons[0]);
    await fireEvent.click(buttons[1]);
    expect(p.onopen).toHaveBeenLastCalledWith('sim/dev-b');
    await fireEvent.keyDown(buttons[0], { key: 'Escape' });
    expect(screen.queryByTestId('timeline-day')).toBeNull();
    expect(document.activeElement).toBe(tl);
    await fireEvent.keyDown(tl, { key: 'End' });
    expect(current().dataset.day).toBe('80');
    await fireEvent.keyDown(tl, { key: 'Home' });
    expect(current().dataset.day).toBe('-1');
  });

  it('lists the soonest keys as buttons, the last reminder check and the failed syncs', async () => {
    backend.overview.mockResolvedValue(withKeys());
    const p = props();
    render(Overview, p);
    const next = await waitFor(() => screen.getByTestId('next-due'));
    const keys = within(next).getAllByRole('button');
    expect(keys.map((b) => b.dataset.key)[0]).toBe('local/prod-late');
    expect(keys[0].textContent).toMatch(/prod-late.*4 d overdue/);
    await fireEvent.click(keys[1]);
    expect(p.onopen).toHaveBeenCalledWith('local/prod-soon');
    expect(screen.getByTestId('last-check').textContent).toMatch(/Reminders last checked 2 h ago/);
    const failed = screen.getAllByTestId('failed-provider');
    expect(failed).toHaveLength(1);
    expect(failed[0].textContent).toMatch(/sim.*just now.*could not reach sim/);
  });

  it('says when reminders were never checked', async () => {
    backend.overview.mockResolvedValue({ ...withKeys(), last_reminder_check: null, failed_providers: [] });
    render(Overview, props());
    await waitFor(() => expect(screen.getByTestId('last-check').textContent).toMatch(/never/));
    expect(screen.queryByTestId('failed-provider')).toBeNull();
  });

  it('reloads when keys changed elsewhere', async () => {
    const { rerender } = render(Overview, { ...props(), generation: 0 });
    await waitFor(() => screen.getByTestId('overview-empty'));
    backend.overview.mockResolvedValue(withKeys());
    await rerender({ generation: 1 });
    await waitFor(() => screen.getAllByTestId('env-bar'));
    expect(backend.overview).toHaveBeenCalledTimes(2);
  });

  it("lists a busy day's first 40 keys and sends the user to the Keys screen for the rest", async () => {
    const busy = Array.from({ length: 45 }, (_, i) => fakeMark(`local/busy-${String(i).padStart(2, '0')}`, 12, { state: 'ok' }));
    backend.overview.mockResolvedValue(fakeOverview({ total: 45, timeline: fakeDays(busy) }));
    const p = props();
    render(Overview, p);
    const tl = await waitFor(() => screen.getByTestId('timeline'));
    expect(screen.getByTestId('timeline-count').textContent).toMatch(/^45 keys/);
    const column = tl.querySelector<HTMLElement>('[data-day="12"]')!;
    expect(column.dataset.count).toBe('45');
    await fireEvent.keyDown(tl, { key: 'Enter' });
    const list = await waitFor(() => screen.getByTestId('timeline-day'));
    expect(within(list).getAllByTestId('timeline-day-key')).toHaveLength(40);
    expect(list.textContent).toMatch(/and 5 more/);
    await fireEvent.click(within(list).getByText(/see every key/));
    expect(p.onnavigate).toHaveBeenLastCalledWith('keys');
  });

  it('draws 10,000 keys as a bounded number of marks', async () => {
    const timeline = fakeDays(
      Array.from({ length: 10_000 }, (_, i) => fakeMark(`local/svc-${String(i).padStart(5, '0')}`, (i % 100) - 9)).sort(
        (a, b) => a.days_left - b.days_left,
      ),
    );
    backend.overview.mockResolvedValue(fakeOverview({ total: 10_000, timeline }));
    render(Overview, props());
    await waitFor(() => screen.getByTestId('timeline'));
    const marks = screen.getAllByTestId('timeline-mark');
    // 92 columns of at most 11 marks and a "more" block each.
    expect(marks.length).toBeLessThanOrEqual(92 * 11);
    expect(screen.getAllByTestId('timeline-more').length).toBeGreaterThan(80);
    // A strip above counts each day, scaled to the busiest.
    expect(screen.getByTestId('timeline-density').children).toHaveLength(92);
    expect(screen.getByTestId('timeline-count').textContent).toMatch(/10,000 keys, 900 of them overdue/);
    // The first column holds the overdue keys and says how many.
    expect(screen.getByTestId('timeline').querySelector('[data-col]')!.getAttribute('aria-label')).toBe('Overdue: 900 keys');
    // How fast it draws is the start-up benchmark's to measure (BENCHMARKS.md), not a timed test's:
    // jsdom on a busy machine took from 1 to 6 s here.
  });
});

describe('The first run', () => {
  it('offers the three first steps', async () => {
    const p = props();
    render(Overview, p);
    const empty = await waitFor(() => screen.getByTestId('overview-empty'));
    expect(empty.textContent).toMatch(/\.env/);
    await fireEvent.click(screen.getByTestId('empty-add-provider'));
    expect(p.onnavigate).toHaveBeenLastCalledWith('providers');
    await fireEvent.click(screen.getByTestId('empty-generate'));
    expect(p.onnavigate).toHaveBeenLastCalledWith('new');
    expect(screen.queryByTestId('timeline')).toBeNull();
  });

  it('imports a .env file after a preview, and keeps the result in view when the page fills', async () => {
    backend.chooseEnvFile.mockResolvedValue(plan());
    backend.importEnvFile.mockResolvedValue({
      plan: plan(),
      imported: [fakeKey({ name: 'dev-stripe-secret-key' }), fakeKey({ name: 'dev-github-token' })],
    });
    render(Overview, props());
    await fireEvent.click(await waitFor(() => screen.getByTestId('import-env')));
    const choose = await waitFor(() => screen.getByTestId('env-import-choose'));
    expect(document.activeElement).toBe(choose);
    await fireEvent.click(choose);
    expect(backend.chooseEnvFile).toHaveBeenCalledWith(expect.stringMatching(/\.env/), 'dev');
    await waitFor(() => screen.getByTestId('env-import-preview'));
    expect(backend.importEnvFile).not.toHaveBeenCalled();
    backend.overview.mockResolvedValue(withKeys());
    await fireEvent.click(screen.getByTestId('env-import-confirm'));
    const done = await waitFor(() => screen.getByTestId('env-import-done'));
    expect(backend.importEnvFile).toHaveBeenCalledWith('dev', null);
    expect(done.textContent).toMatch(/Imported 2 keys into dev/);
    await waitFor(() => screen.getAllByTestId('env-bar'));
    expect(screen.getByTestId('env-import-done')).toBe(done);
    await fireEvent.click(screen.getByTestId('env-import-close'));
    expect(screen.queryByTestId('env-import-done')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('import-env'));
  });
});

describe('EnvImport', () => {
  it('previews every variable, re-previews for another environment and imports only the ticked ones', async () => {
    backend.chooseEnvFile.mockResolvedValue(plan());
    backend.previewEnvFile.mockResolvedValue(
      plan({ env: 'prod', exec_line: 'keyshelf exec --env prod -- CMD', lines: plan().lines.map((l) => ({ ...l, name: l.name.replace('dev-', 'prod-') })) }),
    );
    backend.importEnvFile.mockResolvedValue({ plan: plan({ env: 'prod', exec_line: 'keyshelf exec --env prod -- CMD' }), imported: [fakeKey({ name: 'prod-github-token' })] });
    const onimported = vi.fn();
    render(EnvImport, { onimported, focusFirst: true });
    const choose = await waitFor(() => screen.getByTestId('env-import-choose'));
    expect(document.activeElement).toBe(choose);
    await waitFor(() => expect((screen.getByTestId('env-import-env') as HTMLSelectElement).options.length).toBe(2));
    await fireEvent.click(choose);
    await waitFor(() => screen.getByTestId('env-import-preview'));
    const rows = screen.getAllByTestId('env-import-row');
    expect(rows.map((r) => [r.dataset.var, r.dataset.action])).toEqual([
      ['PORT', 'skip'],
      ['STRIPE_SECRET_KEY', 'import'],
      ['GITHUB_TOKEN', 'import'],
      ['OLD_KEY', 'clash'],
    ]);
    expect(rows[0].textContent).toMatch(/Skipped: a number, not a secret/);
    expect(rows[3].textContent).toMatch(/already exists/);
    expect(rows[0].querySelector('input')).toBeNull();
    const confirm = screen.getByTestId('env-import-confirm') as HTMLButtonElement;
    expect(confirm.textContent).toBe('Import 2 keys');

    await fireEvent.click(screen.getByLabelText('Import STRIPE_SECRET_KEY'));
    expect(confirm.textContent).toBe('Import 1 key');
    const select = screen.getByTestId('env-import-env') as HTMLSelectElement;
    select.value = 'prod';
    await fireEvent.change(select);
    await waitFor(() => expect(backend.previewEnvFile).toHaveBeenCalledWith('prod'));
    await waitFor(() => expect(screen.getAllByTestId('env-import-row')[2].textContent).toMatch(/prod-github-token/));
    // The untick survives the new preview.
    expect((screen.getByLabelText('Import STRIPE_SECRET_KEY') as HTMLInputElement).checked).toBe(false);
    await fireEvent.click(confirm);
    await waitFor(() => expect(backend.importEnvFile).toHaveBeenCalledWith('prod', ['GITHUB_TOKEN']));
    const done = await waitFor(() => screen.getByTestId('env-import-done'));
    expect(done.textContent).toMatch(/Imported 1 key into prod: prod-github-token/);
    expect(done.textContent).toMatch(/was not changed/);
    expect(screen.getByTestId('env-import-exec').textContent).toBe('keyshelf exec --env prod -- CMD');
    expect(onimported).toHaveBeenCalledWith([expect.objectContaining({ name: 'prod-github-token' })]);
  });

  it('stores nothing and says so when the dialog is cancelled', async () => {
    backend.chooseEnvFile.mockResolvedValue(null);
    render(EnvImport, {});
    await fireEvent.click(await waitFor(() => screen.getByTestId('env-import-choose')));
    await waitFor(() => screen.getByTestId('env-import-cancelled'));
    expect(screen.queryByTestId('env-import-preview')).toBeNull();
    expect(backend.importEnvFile).not.toHaveBeenCalled();
  });

  it('cannot import when every variable is unticked', async () => {
    backend.chooseEnvFile.mockResolvedValue(plan());
    render(EnvImport, {});
    await fireEvent.click(await waitFor(() => screen.getByTestId('env-import-choose')));
    await fireEvent.click(await waitFor(() => screen.getByTestId('env-import-all')));
    const confirm = screen.getByTestId('env-import-confirm') as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    expect(confirm.textContent).toBe('Import 0 keys');
  });

  it('shows the error of a failed import and keeps the preview', async () => {
    backend.chooseEnvFile.mockResolvedValue(plan());
    backend.importEnvFile.mockRejectedValue(new Error('the keychain is locked'));
    render(EnvImport, {});
    await fireEvent.click(await waitFor(() => screen.getByTestId('env-import-choose')));
    await fireEvent.click(await waitFor(() => screen.getByTestId('env-import-confirm')));
    await waitFor(() => expect(screen.getByTestId('env-import-error').textContent).toMatch(/keychain is locked/));
    expect(screen.getByTestId('env-import-preview')).toBeTruthy();
  });

  it('is a path of the New key screen too', async () => {
    backend.chooseEnvFile.mockResolvedValue(plan());
    backend.importEnvFile.mockResolvedValue({ plan: plan(), imported: [fakeKey({ name: 'a' }), fakeKey({ name: 'b' })] });
    const oncreated = vi.fn();
    render(NewKey, { oncreated });
    await fireEvent.click(screen.getByTestId('path-env'));
    // The focus stays on the tab the user chose.
    expect(document.activeElement).not.toBe(screen.getByTestId('env-import-choose'));
    await fireEvent.click(await waitFor(() => screen.getByTestId('env-import-choose')));
    await fireEvent.click(await waitFor(() => screen.getByTestId('env-import-confirm')));
    await waitFor(() => screen.getByTestId('env-import-done'));
    expect(oncreated).toHaveBeenCalledTimes(2);
  });
});

describe('The app', () => {
  it('starts on the Overview, and a mark opens its key on the Keys screen', async () => {
    backend.overview.mockResolvedValue(withKeys());
    backend.listKeys.mockResolvedValue([fakeKey({ name: 'dev-a', provider: 'sim' })]);
    backend.keyDetail.mockResolvedValue({ key: fakeKey({ name: 'dev-a', provider: 'sim' }), audit: [] });
    render(App);
    expect(screen.getByTestId('nav-overview').getAttribute('aria-current')).toBe('page');
    const nav = screen.getAllByRole('button').filter((b) => b.dataset.testid?.startsWith('nav-'));
    expect(nav.map((b) => b.dataset.testid)).toEqual(['nav-overview', 'nav-keys', 'nav-new', 'nav-providers', 'nav-teams', 'nav-usage', 'nav-settings']);
    const mark = await waitFor(() =>
      screen.getAllByTestId('timeline-mark').find((m) => m.dataset.key === 'sim/dev-a')!,
    );
    await fireEvent.click(mark);
    await waitFor(() => screen.getByTestId('key-detail'));
    expect(backend.keyDetail).toHaveBeenCalledWith('sim/dev-a');
    expect(screen.getByTestId('nav-keys').getAttribute('aria-current')).toBe('page');
    // Back on Keys through the sidebar: no detail carried over.
    await fireEvent.click(screen.getByTestId('nav-overview'));
    await fireEvent.click(screen.getByTestId('nav-keys'));
    await tick();
    expect(screen.queryByTestId('key-detail')).toBeNull();
  });

  it('applies the saved theme at start', async () => {
    backend.settings.mockResolvedValue({ ...(await backend.settings()), theme: 'dark' });
    render(App);
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
  });
});

describe('The theme setting', () => {
  it('saves the choice and applies it; System removes the override', async () => {
    backend.setTheme.mockResolvedValue(undefined);
    render(Settings);
    const select = (await waitFor(() => screen.getByTestId('theme-select'))) as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['System', 'Light', 'Dark']);
    expect(select.value).toBe('system');
    select.value = 'light';
    await fireEvent.change(select);
    await waitFor(() => expect(backend.setTheme).toHaveBeenCalledWith('light'));
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('light'));
    select.value = 'system';
    await fireEvent.change(select);
    await waitFor(() => expect(backend.setTheme).toHaveBeenLastCalledWith('system'));
    await waitFor(() => expect(document.documentElement.dataset.theme).toBeUndefined());
  });

  it('leaves the colours alone when saving fails', async () => {
    backend.setTheme.mockRejectedValue(new Error('cannot save the settings: disk full'));
    render(Settings);
    const select = (await waitFor(() => screen.getByTestId('theme-select'))) as HTMLSelectElement;
    select.value = 'dark';
    await fireEvent.change(select);
    await waitFor(() => expect(screen.getByTestId('settings-error').textContent).toMatch(/disk full/));
    expect(document.documentElement.dataset.theme).toBeUndefined();
    expect(select.value).toBe('system');
  });
});

describe('The usage chart', () => {
  const report = (over: Partial<UsageReport> = {}): UsageReport => ({
    provider: 'sim',
    unit: 'calls',
    rows: [],
    failed_auth: 1,
    new_ip: 0,
    off_hours: 0,
    spike: 0,
    chart: {
      unit: 'calls', bucket: 'hour',
      times: [1_795_000_000, 1_795_003_600, 1_795_007_200],
      series: [
        { key: 'sim/prod-a', key_id: '1', label: 'sim/prod-a', calls: [3, 9, 1], failed_auth: [0, 1, 0], flagged: [0, 2, 0] },
      ],
      rotations: [{ key: 'sim/prod-a', at: 1_795_003_600 }],
    },
    ...over,
  });

  it('shows the chart with a summary in words (no canvas here: nothing drawn, nothing thrown)', async () => {
    backend.listProviders.mockResolvedValue([{ name: 'sim' } as Provider]);
    backend.usageReport.mockResolvedValue(report());
    render(Usage);
    const chart = await waitFor(() => screen.getByTestId('usage-chart'));
    expect(chart.dataset.drawn).toBe('false');
    const summary = screen.getByTestId('usage-chart-summary');
    expect(summary.textContent).toMatch(/sim\/prod-a: 13 calls, most \(9\)/);
    expect(summary.textContent).toMatch(/1 failed authentication, 2 flagged calls/);
    expect(summary.textContent).toMatch(/Rotated: sim\/prod-a/);
    expect(chart.querySelector('[role="img"]')!.getAttribute('aria-describedby')).toBe(summary.id);
  });

  it('shows a report in tokens per key and day as buckets with their counts, empty ones left out', async () => {
    backend.listProviders.mockResolvedValue([{ name: 'claude' } as Provider]);
    const bucket = (key_id: string | null, key: string | null, count: number) => ({
      at: '2026-11-18T00:00:00+00:00', key_id, key, route: null, status: null, ip: null, count, flags: [],
    });
    backend.usageReport.mockResolvedValue(
      report({
        provider: 'claude',
        unit: 'tokens',
        rows: [bucket('apikey_1', 'claude/prod', 12_345), bucket(null, null, 55), bucket('apikey_2', null, 0)],
        failed_auth: 0,
        chart: { ...report().chart, unit: 'tokens', bucket: 'day' },
      }),
    );
    render(Usage);
    const summary = await waitFor(() => screen.getByTestId('usage-summary'));
    expect(summary.textContent).toMatch(/12,400 tokens reported by claude, per key and day/);
    expect(screen.getByRole('columnheader', { name: 'tokens' })).toBeTruthy();
    expect(screen.queryByRole('columnheader', { name: 'Route' })).toBeNull();
    expect(screen.getAllByTestId('usage-count').map((c) => c.textContent)).toEqual(['12,345', '55']);
    expect(screen.getByText(/no key \(use in the service’s console\)/)).toBeTruthy();
    expect(screen.getByTestId('usage-chart-summary').textContent).toMatch(/^Tokens per day/);
  });

  it('says so instead of an empty chart', async () => {
    backend.listProviders.mockResolvedValue([{ name: 'sim' } as Provider]);
    backend.usageReport.mockResolvedValue(report({ chart: { unit: 'calls', bucket: 'hour', times: [], series: [], rotations: [] } }));
    render(Usage);
    await waitFor(() => screen.getByTestId('usage-chart-empty'));
    expect(screen.queryByTestId('usage-chart')).toBeNull();
  });
});
