// The provider screens and actions, with the backend module replaced by a fake (no Tauri shell).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { defaultPaths, fakeKey, fakePresets } from '../lib/fixtures';
import type { Provider } from '../lib/types';

const backend = vi.hoisted(() => ({
  listTeams: vi.fn(),
  keyTeams: vi.fn(),
  shareKey: vi.fn(),
  settings: vi.fn(),
  suggestName: vi.fn(),
  keyDetail: vi.fn(),
  rotationStatus: vi.fn(),
  removeKey: vi.fn(),
  listProviders: vi.fn(),
  providerPresets: vi.fn(),
  profileSummary: vi.fn(),
  rollKey: vi.fn(),
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
}));
vi.mock('../lib/backend', () => backend);

import Providers from './Providers.svelte';
import Usage from './Usage.svelte';
import KeyDetail from './KeyDetail.svelte';
import NewKey from './NewKey.svelte';

const CREDENTIAL = 'fixture-token-not-a-real-key';

function fakeProvider(over: Partial<Provider> = {}): Provider {
  return {
    name: 'sim',
    base_url: 'http://127.0.0.1:9',
    auth: 'bearer',
    key_scheme: 'x-api-key-username',
    verify_path: '/api-routes-data',
    key_limit: 2,
    default_env: 'prod',
    insecure_accepted: false,
    paths: defaultPaths,
    timeout_secs: 30,
    created_at: '2026-01-01T00:00:00Z',
    warning: null,
    keys_used: 2,
    operations: ['list', 'get', 'create', 'set_status', 'delete', 'verify', 'usage', 'export'],
    roll: 'none',
    ...over,
  };
}

beforeEach(() => {
  vi.clearAllMocks();
  backend.listTeams.mockResolvedValue([]);
  backend.keyTeams.mockResolvedValue([]);
  backend.rotationStatus.mockResolvedValue(null);
  backend.providerPresets.mockResolvedValue(fakePresets());
  backend.settings.mockResolvedValue({
    environments: [
      { name: 'dev', interval_days: 30 },
      { name: 'prod', interval_days: 90 },
    ],
    due_soon_days: 7,
    clipboard_clear_secs: 30,
  });
});
afterEach(() => cleanup());

describe('Providers', () => {
  it('lists providers with their auth, scheme and plan usage', async () => {
    backend.listProviders.mockResolvedValue([
      fakeProvider(),
      fakeProvider({ name: 'open', key_limit: null, keys_used: 1, key_scheme: 'basic-url', warning: 'Basic in the URL is not recommended' }),
    ]);
    render(Providers);
    await waitFor(() => expect(screen.getAllByTestId('provider-row')).toHaveLength(2));
    const [sim, open] = screen.getAllByTestId('plan-usage');
    expect(sim.textContent).toBe('2 of 2 keys used');
    expect(open.textContent).toBe('1 key, no plan limit');
    expect(screen.getAllByTestId('provider-row')[0].textContent).toMatch(/Bearer token/);
    expect(screen.getAllByTestId('row-warning')).toHaveLength(1);
  });

  it('adds a provider, sending the credential once and clearing it from the form', async () => {
    backend.listProviders.mockResolvedValue([]);
    backend.addProvider.mockResolvedValue(fakeProvider({ auth: 'oauth2' }));
    render(Providers);
    await waitFor(() => screen.getByTestId('no-providers'));
    await fireEvent.click(screen.getByTestId('add-provider'));
    await fireEvent.input(screen.getByTestId('prov-name'), { target: { value: 'sim' } });
    await fireEvent.input(screen.getByTestId('prov-base-url'), { target: { value: 'http://127.0.0.1:9' } });
    await fireEvent.change(screen.getByTestId('prov-auth'), { target: { value: 'oauth2' } });
    const cred = screen.getByTestId('prov-credential') as HTMLInputElement;
    expect(cred.type).toBe('password');
    await fireEvent.input(cred, { target: { value: `sim-client:${CREDENTIAL}` } });
    await fireEvent.input(screen.getByTestId('prov-key-limit'), { target: { value: '2' } });
    await fireEvent.submit(screen.getByTestId('provider-form'));
    await waitFor(() => expect(screen.getByTestId('providers-notice').textContent).toMatch(/client credentials are in the keychain/));
    expect(backend.addProvider).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'sim', base_url: 'http://127.0.0.1:9', auth: 'oauth2', key_limit: 2, default_env: 'prod' }),
      `sim-client:${CREDENTIAL}`,
    );
    // The form is closed and nothing on the page holds the credential.
    expect(screen.queryByTestId('provider-form')).toBeNull();
    expect(document.body.innerHTML).not.toContain(CREDENTIAL);
    // Opening the form again shows an empty credential field: the value was not kept.
    await fireEvent.click(screen.getByTestId('add-provider'));
    expect((screen.getByTestId('prov-credential') as HTMLInputElement).value).toBe('');
  });

  it('adds a provider of a preset with its variables, and offers only what its service supports', async () => {
    backend.listProviders.mockResolvedValue([]);
    backend.addProvider.mockResolvedValue(fakeProvider({ name: 'gl', preset: 'gitlab', operations: ['list', 'delete', 'roll'], roll: 'new-id' }));
    render(Providers);
    await waitFor(() => screen.getByTestId('no-providers'));
    await fireEvent.click(screen.getByTestId('add-provider'));
    await fireEvent.change(screen.getByTestId('prov-preset'), { target: { value: 'gitlab' } });
    // The generic API's settings go: the preset says how it authenticates and presents keys.
    expect(screen.queryByTestId('prov-auth')).toBeNull();
    expect(screen.queryByTestId('prov-scheme')).toBeNull();
    expect(screen.queryByTestId('prov-verify-path')).toBeNull();
    expect(screen.getByTestId('preset-info').textContent).toMatch(/issues a new key and revokes the old one/);
    expect((screen.getByTestId('prov-base-url') as HTMLInputElement).placeholder).toBe('https://gitlab.com/api/v4');
    await fireEvent.input(screen.getByTestId('prov-name'), { target: { value: 'gl' } });
    await fireEvent.input(screen.getByTestId('prov-base-url'), { target: { value: '' } });
    await fireEvent.input(screen.getByTestId('prov-var-user_id'), { target: { value: ' 42 ' } });
    await fireEvent.input(screen.getByTestId('prov-credential'), { target: { value: CREDENTIAL } });
    await fireEvent.submit(screen.getByTestId('provider-form'));
    await waitFor(() => expect(backend.addProvider).toHaveBeenCalled());
    expect(backend.addProvider.mock.calls[0][0]).toMatchObject({ name: 'gl', base_url: '', preset: 'gitlab', vars: { user_id: '42' } });
    // In the list: the service's name, and no export (GitLab has none).
    backend.listProviders.mockResolvedValue([fakeProvider({ name: 'gl', preset: 'gitlab', operations: ['list', 'delete', 'roll'], roll: 'new-id' })]);
    cleanup();
    render(Providers);
    await waitFor(() => expect(screen.getAllByTestId('provider-row')).toHaveLength(1));
    expect(screen.getByTestId('provider-row').textContent).toMatch(/GitLab personal access tokens/);
    expect(screen.queryByTestId('prov-export')).toBeNull();
  });

  it('adds a provider from a profile file the shell checked, and shows a bad file’s problems', async () => {
    backend.listProviders.mockResolvedValue([]);
    const gitlab = fakePresets().find((p) => p.name === 'gitlab')!;
    backend.profileSummary
      .mockRejectedValueOnce({ code: 'provider_profile_invalid', message: 'the profile file:3: unknown field `itemz`' })
      .mockResolvedValueOnce({ ...gitlab, name: 'corp', title: 'Corp API keys' });
    backend.addProvider.mockResolvedValue(fakeProvider({ name: 'corp', roll: 'new-id' }));
    render(Providers);
    await waitFor(() => screen.getByTestId('no-providers'));
    await fireEvent.click(screen.getByTestId('add-provider'));
    await fireEvent.change(screen.getByTestId('prov-preset'), { target: { value: '(profile file)' } });
    const input = screen.getByTestId('prov-profile-file') as HTMLInputElement;
    const choose = (text: string) =>
      fireEvent.change(input, { target: { files: [new File([text], 'corp.toml', { type: 'text/plain' })] } });
    await choose('format = 1\nitemz = 1\n');
    await waitFor(() => expect(screen.getByTestId('prov-profile-error').textContent).toMatch(/:3: unknown field `itemz`/));
    expect(screen.queryByTestId('preset-info')).toBeNull();
    await choose('format = 1 # corp');
    await waitFor(() => screen.getByTestId('preset-info'));
    expect(backend.profileSummary).toHaveBeenLastCalledWith('format = 1 # corp');
    expect(screen.getByTestId('prov-profile-title').textContent).toBe('Corp API keys');
    expect(screen.getByTestId('preset-info').textContent).toMatch(/issues a new key and revokes the old one/);
    await fireEvent.input(screen.getByTestId('prov-name'), { target: { value: 'corp' } });
    await fireEvent.input(screen.getByTestId('prov-base-url'), { target: { value: 'https://keys.corp.example' } });
    await fireEvent.input(screen.getByTestId('prov-credential'), { target: { value: CREDENTIAL } });
    await fireEvent.submit(screen.getByTestId('provider-form'));
    await waitFor(() => expect(backend.addProvider).toHaveBeenCalled());
    expect(backend.addProvider.mock.calls[0][0]).toMatchObject({ name: 'corp', preset: null, profile_text: 'format = 1 # corp' });
  });

  it('asks for consent before adding a profile that sends its credential in the query string', async () => {
    backend.listProviders.mockResolvedValue([]);
    const gitlab = fakePresets().find((p) => p.name === 'gitlab')!;
    backend.profileSummary.mockResolvedValueOnce({ ...gitlab, name: 'q', title: 'Query API', auth: 'query access_token' });
    backend.addProvider.mockResolvedValue(fakeProvider({ name: 'q' }));
    render(Providers);
    await waitFor(() => screen.getByTestId('no-providers'));
    await fireEvent.click(screen.getByTestId('add-provider'));
    await fireEvent.change(screen.getByTestId('prov-preset'), { target: { value: '(profile file)' } });
    const input = screen.getByTestId('prov-profile-file') as HTMLInputElement;
    await fireEvent.change(input, { target: { files: [new File(['format = 1 # q'], 'q.toml', { type: 'text/plain' })] } });
    await waitFor(() => screen.getByTestId('query-auth-warning'));
    const submit = screen.getByTestId('prov-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('prov-insecure'));
    expect(submit.disabled).toBe(false);
    await fireEvent.input(screen.getByTestId('prov-name'), { target: { value: 'q' } });
    await fireEvent.input(screen.getByTestId('prov-base-url'), { target: { value: 'https://keys.corp.example' } });
    await fireEvent.input(screen.getByTestId('prov-credential'), { target: { value: CREDENTIAL } });
    await fireEvent.submit(screen.getByTestId('provider-form'));
    await waitFor(() => expect(backend.addProvider).toHaveBeenCalled());
    expect(backend.addProvider.mock.calls[0][0]).toMatchObject({ profile_text: 'format = 1 # q', insecure_accepted: true });
  });

  it('warns about Basic-in-URL and refuses the query scheme until the risk is accepted', async () => {
    backend.listProviders.mockResolvedValue([]);
    backend.addProvider.mockResolvedValue(fakeProvider({ key_scheme: 'query' }));
    render(Providers);
    await waitFor(() => screen.getByTestId('add-provider'));
    await fireEvent.click(screen.getByTestId('add-provider'));
    await fireEvent.change(screen.getByTestId('prov-scheme'), { target: { value: 'basic-url' } });
    expect(screen.getByTestId('scheme-warning').textContent).toMatch(/not recommended.*proxies and tools may log/);
    await fireEvent.change(screen.getByTestId('prov-scheme'), { target: { value: 'query' } });
    expect(screen.getByTestId('scheme-warning').textContent).toMatch(/insecure/);
    const submit = screen.getByTestId('prov-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('prov-insecure'));
    expect(submit.disabled).toBe(false);
    await fireEvent.input(screen.getByTestId('prov-name'), { target: { value: 'q' } });
    await fireEvent.input(screen.getByTestId('prov-credential'), { target: { value: CREDENTIAL } });
    await fireEvent.submit(screen.getByTestId('provider-form'));
    await waitFor(() => expect(backend.addProvider).toHaveBeenCalled());
    expect(backend.addProvider.mock.calls[0][0]).toMatchObject({ key_scheme: 'query', insecure_accepted: true });
  });

  it('edits without a new credential, tests, syncs and shows errors with the request id', async () => {
    backend.listProviders.mockResolvedValue([fakeProvider()]);
    backend.updateProvider.mockResolvedValue(fakeProvider({ key_limit: 10 }));
    backend.testProvider.mockResolvedValue({ provider: 'sim', keys: 2, key_limit: 2 });
    backend.syncProvider.mockRejectedValue(
      Object.assign(new Error('GET /api-keys: the provider answered 500'), { code: 'provider_server_error', requestId: 'req_7' }),
    );
    render(Providers);
    await waitFor(() => screen.getByTestId('prov-edit'));
    await fireEvent.click(screen.getByTestId('prov-edit'));
    expect((screen.getByTestId('prov-name') as HTMLInputElement).disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('prov-key-limit'), { target: { value: '10' } });
    await fireEvent.submit(screen.getByTestId('provider-form'));
    await waitFor(() => expect(backend.updateProvider).toHaveBeenCalledWith(expect.objectContaining({ name: 'sim', key_limit: 10 }), null));

    await fireEvent.click(screen.getByTestId('prov-test'));
    await waitFor(() => expect(screen.getByTestId('providers-notice').textContent).toMatch(/sim answers: 2 key/));
    await fireEvent.click(screen.getByTestId('prov-sync'));
    await waitFor(() => expect(screen.getByTestId('providers-error').textContent).toMatch(/answered 500 \(request id req_7\)/));
  });

  it('says which unfinished rotation a sync left the provider\'s keys to', async () => {
    backend.listProviders.mockResolvedValue([fakeProvider()]);
    const report = { provider: 'sim', remote_keys: 2, added: [], updated: [], gone: [], unchanged: 1 };
    backend.syncProvider.mockResolvedValueOnce([{ ...report, rotating: ['sim/mail'] }]);
    backend.syncProvider.mockResolvedValueOnce([{ ...report, rotating: [] }]);
    render(Providers);
    await waitFor(() => screen.getByTestId('prov-sync'));
    await fireEvent.click(screen.getByTestId('prov-sync'));
    await waitFor(() =>
      expect(screen.getByTestId('providers-notice').textContent).toMatch(/1 unchanged\. Left to the unfinished rotation of sim\/mail\./),
    );
    await fireEvent.click(screen.getByTestId('prov-sync'));
    await waitFor(() => expect(screen.getByTestId('providers-notice').textContent).toMatch(/1 unchanged\.$/));
  });

  it('exports through the save dialog, naming no path itself', async () => {
    backend.listProviders.mockResolvedValue([fakeProvider()]);
    backend.exportProviderCsv.mockResolvedValue({ written: '/home/me/sim.csv', bytes: 120 });
    render(Providers);
    await waitFor(() => screen.getByTestId('prov-export'));
    await fireEvent.click(screen.getByTestId('prov-export'));
    await waitFor(() => expect(screen.getByTestId('providers-notice').textContent).toMatch(/120 bytes.*\/home\/me\/sim.csv/));
    // The shell shows the dialog and writes where the user chose: the screen gives only the
    // provider, the dialog's title and the suggested file name (issue 13).
    expect(backend.exportProviderCsv).toHaveBeenCalledWith(
      'sim',
      expect.stringContaining('sim'),
      expect.stringMatching(/^sim-keys-\d{4}-\d{2}-\d{2}\.csv$/),
    );
  });

  it('says nothing when the dialog is cancelled', async () => {
    backend.listProviders.mockResolvedValue([fakeProvider()]);
    backend.exportProviderCsv.mockResolvedValue(null);
    render(Providers);
    await waitFor(() => screen.getByTestId('prov-export'));
    await fireEvent.click(screen.getByTestId('prov-export'));
    await waitFor(() => expect(backend.exportProviderCsv).toHaveBeenCalled());
    await waitFor(() => expect(screen.queryByTestId('providers-busy')).toBeNull());
    expect(screen.queryByTestId('providers-notice')).toBeNull();
    expect(screen.queryByTestId('providers-error')).toBeNull();
  });

  it('shows why the export failed', async () => {
    backend.listProviders.mockResolvedValue([fakeProvider()]);
    backend.exportProviderCsv.mockRejectedValue(new Error('cannot write /root/sim.csv: permission denied'));
    render(Providers);
    await waitFor(() => screen.getByTestId('prov-export'));
    await fireEvent.click(screen.getByTestId('prov-export'));
    await waitFor(() => expect(screen.getByTestId('providers-error').textContent).toMatch(/cannot write \/root\/sim.csv/));
  });
});

describe('Usage', () => {
  it('marks the rows the core flagged and counts them', async () => {
    backend.listProviders.mockResolvedValue([fakeProvider()]);
    backend.usageReport.mockResolvedValue({
      provider: 'sim',
      unit: 'calls',
      failed_auth: 1,
      new_ip: 1,
      off_hours: 0,
      spike: 0,
      rows: [
        { at: '2026-11-18T10:02:00Z', key_id: '1', key: 'sim/prod-a', route: '/api-routes-data', status: 401, ip: null, count: 1, flags: ['failed-auth'] },
        { at: '2026-11-18T10:01:00Z', key_id: '1', key: 'sim/prod-a', route: '/api-routes-data', status: 200, ip: '198.51.100.7', count: 1, flags: ['new-ip'] },
        { at: '2026-11-18T10:00:00Z', key_id: '1', key: 'sim/prod-a', route: '/api-routes-data', status: 200, ip: '192.0.2.1', count: 1, flags: [] },
      ],
    });
    render(Usage);
    await waitFor(() => expect(screen.getAllByTestId('usage-row')).toHaveLength(3));
    expect(backend.usageReport).toHaveBeenCalledWith('sim');
    const rows = screen.getAllByTestId('usage-row');
    expect(rows[0].classList.contains('alarm')).toBe(true);
    expect(rows[0].textContent).toMatch(/failed auth/);
    expect(rows[1].textContent).toMatch(/new IP/);
    expect(rows[2].classList.contains('flagged')).toBe(false);
    expect(screen.getByTestId('usage-summary').textContent).toMatch(/3 calls.*1 failed auth.*1 new IP/);
    await fireEvent.click(screen.getByTestId('only-flagged'));
    await waitFor(() => expect(screen.getAllByTestId('usage-row')).toHaveLength(2));
  });

  it('says when there is no provider', async () => {
    backend.listProviders.mockResolvedValue([]);
    render(Usage);
    await waitFor(() => screen.getByTestId('usage-no-providers'));
    expect(backend.usageReport).not.toHaveBeenCalled();
  });
});

describe('KeyDetail on a provider', () => {
  const key = fakeKey({ name: 'prod-api-main-2026-11', provider: 'sim', provider_key_id: '7', origin: 'provider' });
  const props = { keyref: 'sim/prod-api-main-2026-11', onclose: vi.fn(), onchanged: vi.fn(), onremoved: vi.fn() };

  beforeEach(() => backend.listProviders.mockResolvedValue([fakeProvider()]));

  it('verifies and deactivates through the backend', async () => {
    backend.keyDetail.mockResolvedValue({ key, audit: [] });
    backend.verifyKey.mockResolvedValue({ key: props.keyref, scheme: 'x-api-key-username', url_path: '/api-routes-data', status: 200, ok: true });
    backend.setKeyActive.mockResolvedValue({ ...key, status: 'inactive' });
    render(KeyDetail, props);
    await waitFor(() => screen.getByTestId('verify'));
    await fireEvent.click(screen.getByTestId('verify'));
    await waitFor(() => expect(screen.getByTestId('detail-notice').textContent).toMatch(/answered 200/));
    await fireEvent.click(screen.getByTestId('deactivate'));
    await waitFor(() => expect(backend.setKeyActive).toHaveBeenCalledWith(props.keyref, false));
    await waitFor(() => expect(screen.getByTestId('detail-notice').textContent).toMatch(/now inactive on sim/));
  });

  it('offers Activate for an inactive key', async () => {
    backend.keyDetail.mockResolvedValue({ key: { ...key, status: 'inactive' }, audit: [] });
    render(KeyDetail, props);
    await waitFor(() => screen.getByTestId('activate'));
    expect(screen.queryByTestId('deactivate')).toBeNull();
  });

  it('deletes on the provider only after the name is typed, saying it is permanent', async () => {
    backend.keyDetail.mockResolvedValue({ key, audit: [] });
    backend.deleteProviderKey.mockResolvedValue({ key: props.keyref, already_gone: false });
    render(KeyDetail, props);
    await waitFor(() => screen.getByTestId('delete-remote'));
    await fireEvent.click(screen.getByTestId('delete-remote'));
    expect(screen.getByTestId('confirm-remote-text').textContent).toMatch(/Deletion is permanent/);
    const confirm = screen.getByTestId('confirm-delete') as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('confirm-name'), { target: { value: 'prod-api-main-2026-11' } });
    await fireEvent.click(confirm);
    await waitFor(() => expect(props.onremoved).toHaveBeenCalled());
    expect(backend.deleteProviderKey).toHaveBeenCalledWith(props.keyref);
    expect(backend.removeKey).not.toHaveBeenCalled();
  });

  it('says when the key’s provider is not configured instead of offering its actions', async () => {
    backend.listProviders.mockResolvedValue([]);
    backend.keyDetail.mockResolvedValue({ key, audit: [] });
    render(KeyDetail, props);
    await waitFor(() => screen.getByTestId('provider-unknown'));
    expect(screen.queryByTestId('verify')).toBeNull();
  });

  it('offers only what a preset’s service has, and rolls a key the service rolls itself', async () => {
    backend.listProviders.mockResolvedValue([
      fakeProvider({ preset: 'gitlab', operations: ['list', 'get', 'create', 'delete', 'roll', 'verify'], roll: 'new-id' }),
    ]);
    backend.keyDetail.mockResolvedValue({ key, audit: [] });
    backend.rollKey.mockResolvedValue({ key: { key }, semantics: 'new-id', old_id: '7', new_id: '8', old_secret: 'revoked' });
    render(KeyDetail, props);
    await waitFor(() => screen.getByTestId('rotate-roll'));
    // GitLab tokens cannot be disabled, only revoked: no Deactivate.
    expect(screen.queryByTestId('deactivate')).toBeNull();
    expect(screen.getByTestId('delete-remote')).toBeTruthy();
    expect(screen.getByTestId('rotate-roll-info').textContent).toMatch(/issues a new key and revokes the old one.*stops working at once/s);
    expect(screen.queryByTestId('rotate-start')).toBeNull();
    await fireEvent.click(screen.getByTestId('rotate-roll'));
    await waitFor(() => expect(screen.getByTestId('rotate-rolled').textContent).toMatch(/new key \(id 8\) and revoked the old one \(id 7\)/));
    expect(backend.rollKey).toHaveBeenCalledWith(props.keyref);
  });

  it('shows no provider actions for a local key', async () => {
    backend.keyDetail.mockResolvedValue({ key: fakeKey(), audit: [] });
    render(KeyDetail, { ...props, keyref: 'local/dev-app-test-2026-01' });
    await waitFor(() => screen.getByTestId('delete'));
    expect(screen.queryByTestId('provider-actions')).toBeNull();
  });
});

describe('NewKey on a provider', () => {
  it('creates the key on the chosen provider and never shows a value', async () => {
    backend.listProviders.mockResolvedValue([fakeProvider({ key_limit: 10, keys_used: 1 })]);
    backend.createProviderKey.mockResolvedValue(fakeKey({ name: 'prod-api-main-2026-11', provider: 'sim', provider_key_id: '7' }));
    const oncreated = vi.fn();
    render(NewKey, { oncreated });
    await fireEvent.click(screen.getByTestId('path-provider'));
    await waitFor(() => expect((screen.getByTestId('remote-provider') as HTMLSelectElement).value).toBe('sim'));
    await fireEvent.change(screen.getByTestId('env'), { target: { value: 'prod' } });
    await fireEvent.input(screen.getByTestId('name'), { target: { value: 'prod-api-main-2026-11' } });
    const user = screen.getByTestId('remote-user') as HTMLInputElement;
    expect(user.required).toBe(true);
    await fireEvent.input(user, { target: { value: 'api_user_prod' } });
    await fireEvent.click(screen.getByTestId('submit'));
    await waitFor(() => expect(screen.getByTestId('new-result').textContent).toMatch(/Created prod-api-main-2026-11 on sim \(id 7\).*not shown/));
    expect(backend.createProviderKey).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'prod-api-main-2026-11', env: 'prod', provider: 'sim' }),
      'api_user_prod',
    );
    expect(oncreated).toHaveBeenCalled();
  });

  it('points to the Providers screen when there is none', async () => {
    backend.listProviders.mockResolvedValue([]);
    render(NewKey, { oncreated: vi.fn() });
    await fireEvent.click(screen.getByTestId('path-provider'));
    await waitFor(() => screen.getByTestId('new-no-providers'));
  });
});
