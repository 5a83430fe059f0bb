// The screens rendered with the backend module replaced by a fake (no Tauri shell).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import { fakeKey, fakeOverview } from '../lib/fixtures';
import type { Provider, ReminderStatus } from '../lib/types';

const backend = vi.hoisted(() => ({
  listTeams: vi.fn(),
  keyTeams: vi.fn(),
  shareKey: vi.fn(),
  addTeam: vi.fn(),
  removeTeam: vi.fn(),
  syncTeam: vi.fn(),
  teamKeys: vi.fn(),
  rollKey: vi.fn(),
  BackendError: class BackendError extends Error {
    constructor(
      public code: string,
      message: string,
    ) {
      super(message);
    }
  },
  linkKey: vi.fn(),
  importListedSecret: vi.fn(),
  listKeys: vi.fn(),
  keyDetail: vi.fn(),
  revealSecret: vi.fn(),
  copySecret: vi.fn(),
  removeKey: vi.fn(),
  setKeyInterval: vi.fn(),
  generateKey: vi.fn(),
  importKey: vi.fn(),
  suggestName: vi.fn(),
  settings: vi.fn(),
  setEnvironment: vi.fn(),
  removeEnvironment: vi.fn(),
  setDueSoonDays: vi.fn(),
  setClipboardClearSecs: vi.fn(),
  rotationStatus: vi.fn(),
  rotateKey: vi.fn(),
  abortRotation: vi.fn(),
  listProviders: vi.fn(),
  addProvider: vi.fn(),
  updateProvider: vi.fn(),
  removeProvider: vi.fn(),
  testProvider: vi.fn(),
  syncProvider: vi.fn(),
  createProviderKey: vi.fn(),
  verifyKey: vi.fn(),
  setKeyActive: vi.fn(),
  deleteProviderKey: vi.fn(),
  exportProviderCsv: vi.fn(),
  usageReport: vi.fn(),
  reminderStatus: vi.fn(),
  setRemindInterval: vi.fn(),
  checkRemindersNow: vi.fn(),
  takePendingView: vi.fn(),
  autostartEnabled: vi.fn(),
  setAutostart: vi.fn(),
  overview: vi.fn(),
  chooseEnvFile: vi.fn(),
  previewEnvFile: vi.fn(),
  importEnvFile: vi.fn(),
  setTheme: vi.fn(),
}));
vi.mock('../lib/backend', () => backend);

import Keys from './Keys.svelte';
import KeyDetail from './KeyDetail.svelte';
import NewKey from './NewKey.svelte';
import Settings from './Settings.svelte';
import App from '../App.svelte';
import RotatePanel from './RotatePanel.svelte';
import Teams from './Teams.svelte';

const many = Array.from({ length: 10_000 }, (_, i) =>
  fakeKey({ name: `svc-${String(i).padStart(5, '0')}`, days_left: i }),
);

beforeEach(() => {
  vi.clearAllMocks();
  backend.listTeams.mockResolvedValue([]);
  backend.keyTeams.mockResolvedValue([]);
  backend.rotationStatus.mockResolvedValue(null);
  backend.listProviders.mockResolvedValue([]);
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
  backend.reminderStatus.mockResolvedValue(status());
  backend.takePendingView.mockResolvedValue(null);
  backend.autostartEnabled.mockResolvedValue(false);
});

function status(over: Partial<ReminderStatus> = {}): ReminderStatus {
  return {
    checked_at: '2026-11-23T14:00:00Z',
    due: 0,
    sent: null,
    error: null,
    checks: 1,
    interval_minutes: 60,
    ...over,
  };
}
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('Keys', () => {
  it('renders only a window of rows for 10,000 keys', async () => {
    backend.listKeys.mockResolvedValue(many);
    render(Keys);
    await waitFor(() => expect(screen.getByTestId('count').textContent).toBe('10000 of 10000'));
    const rows = screen.getAllByTestId('key-row');
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(60);
  });

  it('narrows the list as the user types and copies the selection on Enter', async () => {
    backend.listKeys.mockResolvedValue(many);
    backend.copySecret.mockResolvedValue({ format: 'raw', clear_after_secs: 30 });
    render(Keys);
    await waitFor(() => expect(screen.getAllByTestId('key-row').length).toBeGreaterThan(0));
    const search = screen.getByTestId('search') as HTMLInputElement;
    await fireEvent.input(search, { target: { value: 'svc-0004' } });
    await waitFor(() => expect(screen.getByTestId('count').textContent).toBe('10 of 10000'));
    await fireEvent.keyDown(search, { key: 'ArrowDown' });
    await fireEvent.keyDown(search, { key: 'Enter' });
    expect(backend.copySecret).toHaveBeenCalledWith('local/svc-00041');
    await waitFor(() => expect(screen.getByTestId('notice').textContent).toMatch(/Copied svc-00041/));
  });

  it('marks a key shared with a team, saying who published its version', async () => {
    backend.listKeys.mockResolvedValue([
      fakeKey({ name: 'staging-mail', env: 'staging', rotated_by: 'alice@ws1' }),
      fakeKey({ name: 'dev-alone' }),
    ]);
    render(Keys);
    await waitFor(() => expect(screen.getAllByTestId('key-row')).toHaveLength(2));
    const marks = screen.getAllByTestId('row-shared');
    expect(marks).toHaveLength(1);
    expect(marks[0].closest('[data-testid="key-row"]')?.getAttribute('data-keyref')).toBe('local/staging-mail');
    expect(marks[0].textContent).toBe('shared');
    expect(marks[0].getAttribute('title')).toMatch(/published by alice@ws1/);
  });

  it('shows the error message from the backend', async () => {
    backend.listKeys.mockRejectedValue(new Error('the Keyshelf database failed: disk full'));
    render(Keys);
    await waitFor(() => expect(screen.getByTestId('error').textContent).toMatch(/disk full/));
  });
});

describe('KeyDetail', () => {
  const detail = {
    key: fakeKey({ name: 'prod-api-main-2026-01', env: 'prod' }),
    audit: [{ at: '2026-01-01T00:00:00Z', key: 'local/prod-api-main-2026-01', action: 'generate', detail: '381 bits' }],
  };
  const props = { keyref: 'local/prod-api-main-2026-01', onclose: vi.fn(), onchanged: vi.fn(), onremoved: vi.fn() };

  it('shows metadata and the audit history', async () => {
    backend.keyDetail.mockResolvedValue(detail);
    render(KeyDetail, props);
    await waitFor(() => expect(screen.getByTestId('audit').textContent).toMatch(/generate/));
    expect(screen.getByTestId('detail-status').textContent).toBe('active');
  });

  it('says who published a shared key: who rotated it last, or who shared it', async () => {
    backend.keyDetail.mockResolvedValueOnce({ key: fakeKey({ name: 'mail', rotated_by: 'bob@laptop' }), audit: [] });
    render(KeyDetail, { ...props, keyref: 'local/mail' });
    expect((await waitFor(() => screen.getByTestId('detail-rotated-by'))).textContent).toBe(' · shared by bob@laptop');
    cleanup();
    backend.keyDetail.mockResolvedValueOnce({
      key: fakeKey({ name: 'mail', rotated_by: 'bob@laptop', last_rotated_at: '2026-11-20T09:00:00Z' }),
      audit: [],
    });
    render(KeyDetail, { ...props, keyref: 'local/mail' });
    expect((await waitFor(() => screen.getByTestId('detail-rotated-by'))).textContent).toBe(' by bob@laptop');
  });

  it('hides a revealed secret again after 10 seconds', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    backend.keyDetail.mockResolvedValue(detail);
    backend.revealSecret.mockResolvedValue('fixture-value-not-a-real-key');
    render(KeyDetail, props);
    await waitFor(() => screen.getByTestId('reveal'));
    await fireEvent.click(screen.getByTestId('reveal'));
    await waitFor(() => expect(screen.getByTestId('revealed').textContent).toMatch(/fixture-value-not-a-real-key/));
    vi.advanceTimersByTime(9_000);
    await tick();
    expect(screen.queryByTestId('revealed')).not.toBeNull();
    vi.advanceTimersByTime(1_000);
    await tick();
    expect(screen.queryByTestId('revealed')).toBeNull();
  });

  it('copies in the chosen format through the backend and says when the clipboard clears', async () => {
    backend.keyDetail.mockResolvedValue(detail);
    backend.copySecret.mockResolvedValue({ format: 'env', clear_after_secs: 45 });
    render(KeyDetail, props);
    await waitFor(() => screen.getByTestId('copy'));
    await fireEvent.change(screen.getByTestId('copy-format'), { target: { value: 'env' } });
    await fireEvent.click(screen.getByTestId('copy'));
    await waitFor(() => expect(screen.getByTestId('detail-notice').textContent).toMatch(/env.*45 s/));
    expect(backend.copySecret).toHaveBeenCalledWith('local/prod-api-main-2026-01', 'env');
    expect(document.body.textContent).not.toMatch(/fixture-value/);
  });

  it('offers to link a provider key that is not linked to its key there', async () => {
    const unlinked = { ...detail, key: fakeKey({ name: 'imported', provider: 'sim', env: 'prod' }) };
    backend.keyDetail.mockResolvedValueOnce(unlinked);
    backend.keyDetail.mockResolvedValue({ ...unlinked, key: { ...unlinked.key, provider_key_id: '42' } });
    backend.listProviders.mockResolvedValue([{ name: 'sim' }]);
    backend.linkKey.mockResolvedValue(unlinked.key);
    const onchanged = vi.fn();
    render(KeyDetail, { ...props, keyref: 'sim/imported', onchanged });
    const form = await waitFor(() => screen.getByTestId('link-form'));
    expect(form.textContent).toMatch(/cannot deactivate, delete or rotate/);
    const button = screen.getByTestId('link') as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('link-remote-id'), { target: { value: ' 42 ' } });
    await fireEvent.click(button);
    await waitFor(() => expect(backend.linkKey).toHaveBeenCalledWith('sim/imported', '42'));
    await waitFor(() => expect(screen.getByTestId('detail-notice').textContent).toMatch(/Linked to its key 42 on sim/));
    await waitFor(() => expect(onchanged).toHaveBeenCalled());
    expect(screen.queryByTestId('link-form')).toBeNull();
  });

  it('imports the secret of a key a sync listed without one', async () => {
    const listed = { ...detail, key: fakeKey({ name: 'synced', provider: 'sim', provider_key_id: '7', has_secret: false }) };
    backend.keyDetail.mockResolvedValueOnce(listed);
    backend.keyDetail.mockResolvedValue({ ...listed, key: { ...listed.key, has_secret: true } });
    backend.listProviders.mockResolvedValue([{ name: 'sim' }]);
    backend.importListedSecret.mockResolvedValue({ key: listed.key, warnings: [] });
    render(KeyDetail, { ...props, keyref: 'sim/synced' });
    await waitFor(() => screen.getByTestId('adopt-form'));
    const secret = screen.getByTestId('adopt-secret') as HTMLInputElement;
    expect(secret.type).toBe('password');
    await fireEvent.input(secret, { target: { value: 'fixture-not-a-real-secret' } });
    await fireEvent.click(screen.getByTestId('adopt'));
    await waitFor(() => expect(backend.importListedSecret).toHaveBeenCalledWith('sim/synced', 'fixture-not-a-real-secret'));
    await waitFor(() => expect(screen.queryByTestId('adopt-form')).toBeNull());
    expect(document.body.textContent).not.toMatch(/fixture-not-a-real-secret/);
  });

  it('deletes only after the name is typed', async () => {
    backend.keyDetail.mockResolvedValue(detail);
    backend.removeKey.mockResolvedValue(undefined);
    render(KeyDetail, props);
    await waitFor(() => screen.getByTestId('delete'));
    await fireEvent.click(screen.getByTestId('delete'));
    expect(screen.getByRole('alertdialog').textContent).toMatch(/permanent/);
    const confirm = screen.getByTestId('confirm-delete') as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('confirm-name'), { target: { value: 'prod-api-main' } });
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('confirm-name'), { target: { value: 'prod-api-main-2026-01' } });
    expect(confirm.disabled).toBe(false);
    await fireEvent.click(confirm);
    await waitFor(() => expect(props.onremoved).toHaveBeenCalled());
    expect(backend.removeKey).toHaveBeenCalledWith('local/prod-api-main-2026-01');
  });
});

describe('NewKey', () => {
  it('suggests a conventional name and generates with the chosen options', async () => {
    backend.suggestName.mockResolvedValue('prod-billing-hooks-2026-11');
    backend.generateKey.mockResolvedValue({ key: fakeKey({ name: 'prod-billing-hooks-2026-11' }), entropy_bits: 381.1 });
    const oncreated = vi.fn();
    render(NewKey, { oncreated });
    await waitFor(() => expect((screen.getByTestId('env') as HTMLSelectElement).options.length).toBe(2));
    await fireEvent.change(screen.getByTestId('env'), { target: { value: 'prod' } });
    await fireEvent.input(screen.getByTestId('app'), { target: { value: 'billing' } });
    await fireEvent.input(screen.getByTestId('purpose'), { target: { value: 'hooks' } });
    await waitFor(() => expect((screen.getByTestId('name') as HTMLInputElement).value).toBe('prod-billing-hooks-2026-11'));
    expect(backend.suggestName).toHaveBeenLastCalledWith('prod', 'billing', 'hooks');
    await fireEvent.click(screen.getByTestId('submit'));
    await waitFor(() => expect(screen.getByTestId('new-result').textContent).toMatch(/381 bits/));
    expect(backend.generateKey).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'prod-billing-hooks-2026-11', env: 'prod', provider: null }),
      { length: 64, alphabet: 'base62', prefix: '', pair: false },
    );
    expect(oncreated).toHaveBeenCalled();
  });

  it('warns about whitespace in a pasted key before importing', async () => {
    render(NewKey, { oncreated: vi.fn() });
    await fireEvent.click(screen.getByTestId('path-import'));
    await fireEvent.input(screen.getByTestId('secret'), { target: { value: ' fixture-value-not-a-real-key' } });
    expect(screen.getByTestId('paste-warning').textContent).toMatch(/whitespace/);
  });
});

describe('Settings', () => {
  it('lists environments and saves a changed interval', async () => {
    backend.setEnvironment.mockResolvedValue({ name: 'prod', interval_days: 45 });
    render(Settings);
    await waitFor(() => screen.getByLabelText('prod interval in days'));
    await fireEvent.input(screen.getByLabelText('prod interval in days'), { target: { value: '45' } });
    const row = screen.getByLabelText('prod interval in days').closest('tr')!;
    await fireEvent.click(row.querySelector('button')!);
    await waitFor(() => expect(backend.setEnvironment).toHaveBeenCalledWith('prod', 45));
  });

  it('shows the version and the commit in About', async () => {
    render(Settings);
    await waitFor(() => screen.getByTestId('about'));
    expect(screen.getByTestId('about').textContent).toBe('Keyshelf 0.1.0 (commit abc1234)');
  });

  it('saves the clipboard clear delay', async () => {
    backend.setClipboardClearSecs.mockResolvedValue(undefined);
    render(Settings);
    await waitFor(() => screen.getByTestId('clear-secs'));
    expect((screen.getByTestId('clear-secs') as HTMLInputElement).value).toBe('30');
    await fireEvent.input(screen.getByTestId('clear-secs'), { target: { value: '0' } });
    await fireEvent.click(screen.getByTestId('save-clear'));
    await waitFor(() => expect(backend.setClipboardClearSecs).toHaveBeenCalledWith(0));
    expect(screen.getByTestId('settings-notice').textContent).toMatch(/not cleared/);
  });

  it('refuses a non-numeric interval without calling the backend', async () => {
    render(Settings);
    await waitFor(() => screen.getByLabelText('dev interval in days'));
    await fireEvent.input(screen.getByLabelText('dev interval in days'), { target: { value: 'soon' } });
    await fireEvent.click(screen.getByLabelText('dev interval in days').closest('tr')!.querySelector('button')!);
    await waitFor(() => expect(screen.getByTestId('settings-error').textContent).toMatch(/whole number/));
    expect(backend.setEnvironment).not.toHaveBeenCalled();
  });
});

describe('Settings export', () => {
  const provider = { name: 'sim' } as Provider;
  const other = { name: 'acme' } as Provider;

  it('has the shell ask where to save the chosen provider’s CSV and export there', async () => {
    backend.listProviders.mockResolvedValue([provider, other]);
    backend.exportProviderCsv.mockResolvedValue({ written: '/home/me/acme.csv', bytes: 64 });
    render(Settings);
    await waitFor(() => screen.getByTestId('export-provider'));
    await fireEvent.change(screen.getByTestId('export-provider'), { target: { value: 'acme' } });
    await fireEvent.click(screen.getByTestId('settings-export'));
    await waitFor(() => expect(screen.getByTestId('settings-notice').textContent).toMatch(/acme.*64 bytes.*\/home\/me\/acme.csv/));
    expect(backend.exportProviderCsv).toHaveBeenCalledWith(
      'acme',
      expect.any(String),
      expect.stringMatching(/^acme-keys-\d{4}-\d{2}-\d{2}\.csv$/),
    );
  });

  it('says nothing when the dialog is cancelled', async () => {
    backend.listProviders.mockResolvedValue([provider]);
    backend.exportProviderCsv.mockResolvedValue(null);
    render(Settings);
    await waitFor(() => screen.getByTestId('settings-export'));
    await fireEvent.click(screen.getByTestId('settings-export'));
    await waitFor(() => expect(backend.exportProviderCsv).toHaveBeenCalled());
    await tick();
    expect(screen.queryByTestId('settings-notice')).toBeNull();
    expect(screen.queryByTestId('settings-error')).toBeNull();
  });

  it('says to add a provider when there is none', async () => {
    render(Settings);
    await waitFor(() => screen.getByTestId('export-no-providers'));
    expect(screen.queryByTestId('settings-export')).toBeNull();
  });
});

describe('Reminders', () => {
  it('Settings shows the check interval and saves a new one', async () => {
    backend.setRemindInterval.mockResolvedValue(undefined);
    render(Settings);
    await waitFor(() => screen.getByTestId('remind-interval'));
    expect((screen.getByTestId('remind-interval') as HTMLInputElement).value).toBe('60');
    await fireEvent.input(screen.getByTestId('remind-interval'), { target: { value: '15' } });
    await fireEvent.click(screen.getByTestId('save-remind-interval'));
    await waitFor(() => expect(backend.setRemindInterval).toHaveBeenCalledWith(15));
    expect(screen.getByTestId('settings-notice').textContent).toMatch(/every 15 minutes/);
  });

  it('refuses an interval out of range without calling the backend', async () => {
    render(Settings);
    await waitFor(() => screen.getByTestId('remind-interval'));
    await fireEvent.input(screen.getByTestId('remind-interval'), { target: { value: '0' } });
    await fireEvent.click(screen.getByTestId('save-remind-interval'));
    await waitFor(() => expect(screen.getByTestId('settings-error').textContent).toMatch(/1 to 1440/));
    expect(backend.setRemindInterval).not.toHaveBeenCalled();
  });

  it('Check now reports what the check sent, or why nothing was new', async () => {
    backend.checkRemindersNow.mockResolvedValueOnce(status({ due: 3, sent: '2 keys overdue in prod, 1 due soon in staging' }));
    render(Settings);
    await waitFor(() => screen.getByTestId('check-now'));
    await fireEvent.click(screen.getByTestId('check-now'));
    await waitFor(() =>
      expect(screen.getByTestId('settings-notice').textContent).toBe('Notified: 2 keys overdue in prod, 1 due soon in staging'),
    );
    backend.checkRemindersNow.mockResolvedValueOnce(status({ due: 3, checks: 2 }));
    await fireEvent.click(screen.getByTestId('check-now'));
    await waitFor(() => expect(screen.getByTestId('settings-notice').textContent).toMatch(/3 keys are due, all announced in the last 24 hours/));
  });

  it('a click on a reminder opens the key list filtered to due keys', async () => {
    backend.listKeys.mockResolvedValue([
      fakeKey({ name: 'fine', state: 'ok', days_left: 40 }),
      fakeKey({ name: 'late', state: 'overdue', days_left: -3 }),
      fakeKey({ name: 'soon', state: 'due-soon', days_left: 2 }),
    ]);
    render(App);
    await fireEvent.click(screen.getByTestId('nav-settings'));
    await waitFor(() => screen.getByTestId('remind-interval'));
    backend.takePendingView.mockResolvedValueOnce('due');
    window.dispatchEvent(new Event('keyshelf-pending-view'));
    await waitFor(() => expect(screen.getByTestId('count').textContent).toBe('2 of 3'));
    expect((screen.getByTestId('filter-due') as HTMLSelectElement).value).toBe('due');
  });
});

describe('Start at login', () => {
  it('is off by default and turned on through the backend', async () => {
    backend.setAutostart.mockResolvedValue(true);
    render(Settings);
    const box = (await waitFor(() => screen.getByTestId('autostart'))) as HTMLInputElement;
    expect(box.checked).toBe(false);
    await fireEvent.click(box);
    await waitFor(() => expect(backend.setAutostart).toHaveBeenCalledWith(true));
    await waitFor(() => expect(screen.getByTestId('settings-notice').textContent).toMatch(/starts at login/));
  });

  it('shows the error when the entry cannot be written', async () => {
    backend.setAutostart.mockRejectedValue(new Error('cannot change the start at login: permission denied'));
    render(Settings);
    await fireEvent.click(await waitFor(() => screen.getByTestId('autostart')));
    await waitFor(() => expect(screen.getByTestId('settings-error').textContent).toMatch(/permission denied/));
  });
});

describe('The rotation wizard', () => {
  const running = {
    key: 'sim/prod-api-main-2026-01',
    step: 'verified',
    mode: 'create-new',
    old_key: 'untouched',
    notes: [],
    key_gone: false,
    remote_name: 'prod-api-main-2026-01-20261123120000',
    old_key_id: 'k-old',
    new_key_id: 'k-new',
    grace_days: 7,
    started_at: '2026-11-23T12:00:00Z',
    updated_at: '2026-11-23T12:00:05Z',
    deactivated_at: null,
    last_error: null,
  };

  it('for a provider key, says the new key is made there and confirms only after the checklist', async () => {
    let answer: (v: unknown) => void = () => {};
    backend.rotateKey.mockImplementationOnce(() => new Promise((r) => (answer = r)));
    render(RotatePanel, { keyref: running.key, provider: 'sim', onchanged: vi.fn() });
    const steps = await waitFor(() => screen.getByTestId('rotate-steps'));
    expect(steps.textContent).toMatch(/created on sim/);
    await fireEvent.click(screen.getByTestId('rotate-start'));
    expect(backend.rotateKey).toHaveBeenCalledWith(running.key, 'start', 7, false, null);
    await waitFor(() => expect(screen.getByTestId('rotate-busy').textContent).toMatch(/on sim and verifying/));
    answer({ rotation: running, waiting_for: { what: 'apps-updated' }, warnings: [] });
    const confirm = await waitFor(() => screen.getByTestId('rotate-confirm') as HTMLButtonElement);
    expect(confirm.disabled).toBe(true);
    expect([...steps.querySelectorAll('li')].map((li) => li.dataset.state)).toEqual(['done', 'done', 'current', 'todo', 'todo']);
    await fireEvent.click(screen.getByTestId('rotate-apps-updated'));
    expect(confirm.disabled).toBe(false);
  });

  it('after confirming, shows when the grace period ends and offers to end it', async () => {
    backend.rotationStatus.mockResolvedValue(running);
    backend.rotateKey.mockResolvedValueOnce({ rotation: running, waiting_for: { what: 'apps-updated' }, warnings: [] });
    backend.rotateKey.mockResolvedValueOnce({
      rotation: { ...running, step: 'deactivated', deactivated_at: '2026-11-23T12:05:00Z' },
      waiting_for: { what: 'grace-period', until: '2026-11-30T12:05:00Z' },
      warnings: ['the old key was used 2 time(s) since it was deactivated: some application still has it'],
    });
    render(RotatePanel, { keyref: running.key, provider: 'sim', onchanged: vi.fn() });
    await fireEvent.click(await waitFor(() => screen.getByTestId('rotate-resume')));
    await waitFor(() => screen.getByTestId('rotate-apps-updated'));
    await fireEvent.click(screen.getByTestId('rotate-apps-updated'));
    await fireEvent.click(screen.getByTestId('rotate-confirm'));
    await waitFor(() => expect(backend.rotateKey).toHaveBeenLastCalledWith(running.key, 'confirm', 7, false, null));
    await waitFor(() => expect(screen.getByTestId('rotate-grace').textContent).toMatch(/2026/));
    expect(screen.getByTestId('rotate-warning').textContent).toMatch(/used 2 time/);
    expect(screen.getByTestId('rotate-end-grace')).toBeTruthy();
    expect(screen.queryByTestId('rotate-abort')).toBeNull();
  });
});

describe('The rotation wizard for services that lack create or deactivate', () => {
  const running = {
    key: 'claude/prod-api',
    step: 'verified',
    mode: 'create-new',
    old_key: 'untouched',
    notes: [],
    key_gone: false,
    remote_name: null,
    old_key_id: 'apikey_1',
    new_key_id: 'apikey_2',
    grace_days: 7,
    started_at: '2026-11-23T12:00:00Z',
    updated_at: '2026-11-23T12:00:05Z',
    deactivated_at: null,
    last_error: null,
  };

  it('asks for the key made in the console, sends it once, then clears its value', async () => {
    backend.rotateKey.mockResolvedValueOnce({ rotation: running, waiting_for: { what: 'apps-updated' }, warnings: [] });
    render(RotatePanel, { keyref: running.key, provider: 'claude', creates: false, onchanged: vi.fn() });
    const start = (await waitFor(() => screen.getByTestId('rotate-start'))) as HTMLButtonElement;
    expect(screen.getByTestId('rotate-made').textContent).toMatch(/claude cannot create keys/);
    expect(screen.getByTestId('rotate-steps').textContent).toMatch(/made in claude's console/);
    expect(start.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('rotate-made-id'), { target: { value: ' apikey_2 ' } });
    await fireEvent.input(screen.getByTestId('rotate-made-value'), { target: { value: 'fixture-value-not-a-real-key' } });
    expect(start.disabled).toBe(false);
    await fireEvent.click(start);
    expect(backend.rotateKey).toHaveBeenCalledWith(running.key, 'start', 7, false, {
      id: 'apikey_2',
      value: 'fixture-value-not-a-real-key',
    });
    await waitFor(() => screen.getByTestId('rotate-apps-updated'));
  });

  it('says the old key stays active through the grace period where the service cannot deactivate', async () => {
    backend.rotationStatus.mockResolvedValue(running);
    backend.rotateKey.mockResolvedValueOnce({
      rotation: { ...running, step: 'deactivated', deactivated_at: '2026-11-23T12:05:00Z' },
      waiting_for: { what: 'grace-period', until: '2026-11-30T12:05:00Z' },
      warnings: [],
    });
    render(RotatePanel, { keyref: running.key, provider: 'oa', deactivates: false, onchanged: vi.fn() });
    expect((await waitFor(() => screen.getByTestId('rotate-steps'))).textContent).toMatch(/oa cannot deactivate keys/);
    await fireEvent.click(await waitFor(() => screen.getByTestId('rotate-apps-updated')));
    expect(screen.getByTestId('rotate-confirm').textContent).toMatch(/start the grace period/);
    await fireEvent.click(screen.getByTestId('rotate-confirm'));
    await waitFor(() => expect(screen.getByTestId('rotate-grace').textContent).toMatch(/stays active \(oa cannot deactivate keys\)/));
  });
});

describe('What the rotation wizard says it did', () => {
  const base = {
    key: 'sim/prod-api',
    step: 'done',
    mode: 'create-new',
    old_key: 'deleted',
    notes: [],
    key_gone: false,
    remote_name: null,
    old_key_id: 'k-old',
    new_key_id: 'k-new',
    grace_days: 7,
    started_at: '2026-11-23T12:00:00Z',
    updated_at: '2026-11-23T12:00:05Z',
    deactivated_at: null,
    last_error: null,
  };

  it('follows the outcome: an old key left active is never said to be deleted', async () => {
    backend.rotateKey.mockResolvedValueOnce({
      rotation: { ...base, mode: 'local', old_key: 'left-active' },
      waiting_for: null,
      warnings: ['only the local secret was rotated (--local): the old key stays active on sim'],
    });
    render(RotatePanel, { keyref: base.key, provider: 'sim', onchanged: vi.fn() });
    await fireEvent.click(await waitFor(() => screen.getByTestId('rotate-start')));
    const text = await waitFor(() => screen.getByTestId('rotate-finished').textContent ?? '');
    expect(text).toMatch(/still active on sim/);
    expect(text).not.toMatch(/deleted/);
  });

  it('offers a local rotation when the key is not linked to its key on the provider', async () => {
    backend.rotateKey.mockRejectedValueOnce(
      new backend.BackendError('key_not_linked', 'sim/prod-api is not linked to its key on the provider, so Keyshelf could not deactivate or delete the old key there. Link it first: `keyshelf link sim/prod-api --remote-id ID`'),
    );
    backend.rotateKey.mockResolvedValueOnce({ rotation: { ...base, mode: 'local', old_key: 'left-active' }, waiting_for: null, warnings: [] });
    render(RotatePanel, { keyref: base.key, provider: 'sim', onchanged: vi.fn() });
    await fireEvent.click(await waitFor(() => screen.getByTestId('rotate-start')));
    const offer = await waitFor(() => screen.getByTestId('rotate-not-linked'));
    expect(offer.textContent).toMatch(/stays active on sim/);
    // In this window's words: no CLI command shown.
    expect(document.body.textContent).not.toMatch(/keyshelf link|is not linked to its key on the provider, so/);
    await fireEvent.click(screen.getByTestId('rotate-local'));
    await waitFor(() => expect(backend.rotateKey).toHaveBeenLastCalledWith(base.key, 'start', 7, true, null));
  });

  it('asks before forcing an abort that would leave no working key', async () => {
    const running = { ...base, step: 'verified', old_key: 'untouched' };
    backend.rotationStatus.mockResolvedValue(running);
    backend.abortRotation.mockRejectedValueOnce(new backend.BackendError('rotation_abort_unsafe', 'the old key no longer works'));
    backend.abortRotation.mockResolvedValueOnce({
      ...running,
      step: 'aborted',
      old_key: 'restored',
      notes: [{ step: 'aborted', code: 'abort-forced', message: 'abort forced: the new key was deleted anyway' }],
    });
    render(RotatePanel, { keyref: base.key, provider: 'sim', onchanged: vi.fn() });
    await fireEvent.click(await waitFor(() => screen.getByTestId('rotate-abort-interrupted')));
    const ask = await waitFor(() => screen.getByTestId('rotate-abort-unsafe'));
    expect(ask.textContent).toMatch(/no working key/);
    expect(backend.abortRotation).toHaveBeenCalledWith(base.key, false);
    await fireEvent.click(screen.getByTestId('rotate-abort-force'));
    await waitFor(() => expect(backend.abortRotation).toHaveBeenLastCalledWith(base.key, true));
    await waitFor(() => expect(screen.getByTestId('rotate-warning').textContent).toMatch(/abort forced/));
  });
});

describe('An interrupted rotation', () => {
  const stopped = {
    key: 'local/prod-api-main-2026-01',
    step: 'previous-saved',
    mode: 'local',
    old_key: 'not-remote',
    notes: [],
    key_gone: false,
    remote_name: null,
    old_key_id: null,
    new_key_id: null,
    grace_days: 7,
    started_at: '2026-11-20T10:00:00Z',
    updated_at: '2026-11-20T10:00:05Z',
    deactivated_at: null,
    last_error: null,
  };

  it('is offered to resume, which carries it on from its step', async () => {
    backend.rotationStatus.mockResolvedValue(stopped);
    backend.rotateKey.mockResolvedValue({
      rotation: { ...stopped, step: 'created' },
      waiting_for: { what: 'apps-updated' },
      warnings: [],
    });
    const onchanged = vi.fn();
    render(RotatePanel, { keyref: stopped.key, onchanged });
    const banner = await waitFor(() => screen.getByTestId('rotate-interrupted'));
    expect(banner.textContent).toMatch(/stopped at\s+“previous-saved”/);
    await fireEvent.click(screen.getByTestId('rotate-resume'));
    await waitFor(() => expect(backend.rotateKey).toHaveBeenCalledWith(stopped.key, 'resume', 7, false, null));
    await waitFor(() => expect(screen.queryByTestId('rotate-interrupted')).toBeNull());
    expect(screen.getByTestId('rotate-step').textContent).toMatch(/created/);
    expect(onchanged).toHaveBeenCalled();
  });

  it('is offered to abort, which makes the old secret current again', async () => {
    backend.rotationStatus.mockResolvedValue(stopped);
    backend.abortRotation.mockResolvedValue({ ...stopped, step: 'aborted', old_key: 'restored' });
    render(RotatePanel, { keyref: stopped.key, onchanged: vi.fn() });
    await fireEvent.click(await waitFor(() => screen.getByTestId('rotate-abort-interrupted')));
    await waitFor(() => expect(backend.abortRotation).toHaveBeenCalledWith(stopped.key, false));
    await waitFor(() => expect(screen.getByTestId('rotate-finished').textContent).toMatch(/old secret is current again/));
    expect(screen.queryByTestId('rotate-interrupted')).toBeNull();
  });

  it('after the old key was deactivated, only resuming is offered', async () => {
    backend.rotationStatus.mockResolvedValue({ ...stopped, step: 'deactivated' });
    render(RotatePanel, { keyref: stopped.key, onchanged: vi.fn() });
    await waitFor(() => screen.getByTestId('rotate-resume'));
    expect(screen.queryByTestId('rotate-abort-interrupted')).toBeNull();
  });

  it('a key without a rotation offers none', async () => {
    render(RotatePanel, { keyref: stopped.key, onchanged: vi.fn() });
    await waitFor(() => screen.getByTestId('rotate-start'));
    expect(screen.queryByTestId('rotate-interrupted')).toBeNull();
  });
});

describe('Teams', () => {
  const ops = {
    name: 'ops',
    addrs: ['https://bao.example.com'],
    mount: 'secret',
    prefix: 'keyshelf/ops',
    auth: 'token' as const,
    ca_cert: null,
    last_sync: null,
    shared_keys: 0,
  };

  it('shows how the last sync went and the keys shared with a team, with who rotated them last', async () => {
    backend.listTeams.mockResolvedValue([
      { ...ops, shared_keys: 1, last_sync: { at: '2026-11-23T12:00:00Z', summary: null, error_code: 'team_sealed', error_message: 'team ops: OpenBao is sealed' } },
    ]);
    backend.teamKeys.mockResolvedValue([
      { key: 'local/staging-mail', env: 'staging', version: 3, rotated_by: 'alice@ws1', last_rotated_at: '2026-11-20T09:00:00Z' },
    ]);
    render(Teams);
    const last = await waitFor(() => screen.getByTestId('team-last-sync'));
    expect(last.textContent).toMatch(/failed/);
    expect(last.textContent).toMatch(/OpenBao is sealed/);
    const toggle = screen.getByTestId('team-keys-toggle');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.click(toggle);
    const row = await waitFor(() => screen.getByTestId('team-key'));
    expect(backend.teamKeys).toHaveBeenCalledWith('ops');
    expect(row.textContent).toMatch(/local\/staging-mail/);
    expect(row.textContent).toMatch(/v3/);
    expect(row.textContent).toMatch(/alice@ws1/);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    await fireEvent.click(toggle);
    expect(screen.queryByTestId('team-keys')).toBeNull();
  });

  it('in the rotation of a shared key, says a teammate rotated first and takes their key on request', async () => {
    backend.rotationStatus.mockResolvedValue(null);
    backend.rotateKey.mockRejectedValueOnce(
      new backend.BackendError(
        'team_conflict',
        'alice@ws1 published version 4 of local/mail to team ops after version 3, which this rotation started from; theirs stands and this rotation was undone (its new key deleted; the old secret is current here until `keyshelf team sync ops` brings theirs, and may already be retired)',
      ),
    );
    backend.syncTeam.mockResolvedValue({ team: 'ops', added: [], updated: ['local/mail'], gone: [], previous_removed: [], skipped: [], unchanged: 0 });
    const onchanged = vi.fn();
    render(RotatePanel, { keyref: 'local/mail', teams: ['ops'], onchanged });
    expect((await waitFor(() => screen.getByTestId('rotate-team-note'))).textContent).toMatch(/published to the team/);
    await fireEvent.click(screen.getByTestId('rotate-start'));
    const box = await waitFor(() => screen.getByTestId('rotate-team-conflict'));
    expect(box.textContent).toMatch(/alice@ws1 published version 4/);
    expect(document.body.textContent).not.toMatch(/keyshelf team sync/);
    await fireEvent.click(screen.getByTestId('rotate-team-sync'));
    await waitFor(() => expect(backend.syncTeam).toHaveBeenCalledWith('ops'));
    await waitFor(() => expect(screen.queryByTestId('rotate-team-conflict')).toBeNull());
    expect(document.body.textContent).toMatch(/the teammate's key is current here/);
    expect(onchanged).toHaveBeenCalled();
  });

  it('in the roll of a shared key, says the team is claimed first, and that nothing was rolled when a teammate was first', async () => {
    backend.rotationStatus.mockResolvedValue(null);
    backend.rollKey.mockRejectedValueOnce(
      new backend.BackendError(
        'team_conflict',
        'bob@laptop published version 3 of gitlab/ci to team ops after version 1, which this rotation started from; nothing was rolled: `keyshelf team sync ops` brings theirs',
      ),
    );
    render(RotatePanel, { keyref: 'gitlab/ci', provider: 'gitlab', roll: 'new-id', teams: ['ops'], onchanged: vi.fn() });
    expect((await waitFor(() => screen.getByTestId('rotate-team-note'))).textContent).toMatch(/claimed first/);
    await fireEvent.click(screen.getByTestId('rotate-roll'));
    const box = await waitFor(() => screen.getByTestId('rotate-team-conflict'));
    expect(box.textContent).toMatch(/bob@laptop published version 3/);
    expect(box.textContent).toMatch(/nothing was rolled/);
    expect(box.textContent).not.toMatch(/undone/);
    expect(document.body.textContent).not.toMatch(/keyshelf team sync/);
  });

  it('connects a team with its credential sent once, then syncs it and says what came', async () => {
    backend.listTeams.mockResolvedValueOnce([]).mockResolvedValue([ops]);
    backend.addTeam.mockResolvedValue(ops);
    backend.syncTeam.mockResolvedValue({ team: 'ops', added: ['local/mail'], updated: ['local/db'], gone: [], previous_removed: [], skipped: [], unchanged: 4 });
    render(Teams);
    await waitFor(() => screen.getByTestId('no-teams'));
    await fireEvent.click(screen.getByTestId('add-team'));
    await fireEvent.input(screen.getByTestId('team-name'), { target: { value: 'ops' } });
    await fireEvent.input(screen.getByTestId('team-addrs'), { target: { value: 'https://bao.example.com' } });
    await fireEvent.change(screen.getByTestId('team-auth'), { target: { value: 'userpass' } });
    expect(screen.getByTestId('team-form').textContent).toMatch(/user:password/);
    await fireEvent.input(screen.getByTestId('team-credential'), { target: { value: 'alice:fixture-password-not-real' } });
    const pem = '-----BEGIN CERTIFICATE-----\nfixture-not-a-certificate\n-----END CERTIFICATE-----\n';
    await fireEvent.input(screen.getByTestId('team-ca'), { target: { value: pem } });
    await fireEvent.submit(screen.getByTestId('team-form'));
    await waitFor(() => expect(backend.addTeam).toHaveBeenCalled());
    expect(backend.addTeam.mock.calls[0]).toEqual([
      { name: 'ops', addrs: 'https://bao.example.com', auth: 'userpass', mount: '', prefix: '', ca_cert: pem },
      'alice:fixture-password-not-real',
    ]);
    const row = await waitFor(() => screen.getByTestId('team-row'));
    expect(row.textContent).toMatch(/never/);
    await fireEvent.click(screen.getByTestId('team-sync'));
    await waitFor(() =>
      expect(screen.getByTestId('teams-notice').textContent).toMatch(/1 added, 1 updated \(the replaced secrets are kept as previous\), 0 no longer shared, 4 unchanged/),
    );
  });

  it('offers to share a key with one of the teams, then shows where it is shared and offers no other', async () => {
    backend.keyDetail.mockResolvedValue({ key: fakeKey({ name: 'dev-mail' }), audit: [] });
    backend.listTeams.mockResolvedValue([ops, { ...ops, name: 'web' }]);
    backend.keyTeams.mockResolvedValueOnce([]).mockResolvedValue(['web']);
    backend.shareKey.mockResolvedValue({ key: 'local/dev-mail', team: 'web', path: 'keyshelf/web/keys/local/dev-mail', version: 1 });
    render(KeyDetail, { keyref: 'local/dev-mail', onclose: vi.fn(), onchanged: vi.fn(), onremoved: vi.fn() });
    const teams = await waitFor(() => screen.getByTestId('detail-teams'));
    expect(screen.queryAllByTestId('shared-badge')).toHaveLength(0);
    await fireEvent.change(screen.getByLabelText('Team to share with'), { target: { value: 'web' } });
    await fireEvent.click(screen.getByTestId('detail-share'));
    await waitFor(() => expect(backend.shareKey).toHaveBeenCalledWith('local/dev-mail', 'web'));
    await waitFor(() => expect(screen.getAllByTestId('shared-badge').map((b) => b.textContent)).toEqual(['shared with web']));
    // Shared with one team, it is offered to no other.
    expect(screen.queryByTestId('detail-share')).toBeNull();
    expect(teams.textContent).not.toMatch(/Share$/);
    expect(screen.getByTestId('detail-notice').textContent).toMatch(/Shared with team web \(version 1\)/);
  });
});
