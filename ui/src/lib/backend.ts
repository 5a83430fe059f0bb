// The only module that talks to the Tauri shell. Screens call these typed functions, so the
// tests can replace this module with a fake and render screens without a shell.
import { invoke } from '@tauri-apps/api/core';
import type {
  Copied,
  CopyFormat,
  Environment,
  Generated,
  Imported,
  Key,
  KeyDetail,
  NewKeyInput,
  ReminderStatus,
  RotateStep,
  Rotation,
  RotationProgress,
  Settings,
  SpecInput,
  Deleted,
  EnvImported,
  EnvImportPlan,
  Exported,
  Overview,
  Theme,
  Provider,
  ProviderCheck,
  ProviderInput,
  SyncReport,
  UsageReport,
  VerifyReport,
} from './types';

/** An error from the shell: the core's stable code and a message a person can act on. */
export class BackendError extends Error {
  constructor(
    public code: string,
    message: string,
    /** The provider's request id, when its answer carried one. */
    public requestId: string | null = null,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
      const rid = 'request_id' in e && e.request_id ? String(e.request_id) : null;
      throw new BackendError(String(e.code), String(e.message), rid);
    }
    throw new BackendError('internal', String(e));
  }
}

export const listKeys = () => call<Key[]>('list_keys');
export const keyDetail = (keyref: string) => call<KeyDetail>('key_detail', { keyref });
/** The one call that brings a secret into the web view; the caller hides it after 10 s. */
export const revealSecret = (keyref: string) => call<string>('reveal_secret', { keyref });
/** Copies in Rust: the value never reaches the web view. `format`: raw (default), header, env. */
export const copySecret = (keyref: string, format: CopyFormat = 'raw') =>
  call<Copied>('copy_secret', { keyref, format });
export const removeKey = (keyref: string) => call<void>('remove_key', { keyref });
export const setKeyInterval = (keyref: string, days: number | null) =>
  call<Key>('set_key_interval', { keyref, days });
export const generateKey = (key: NewKeyInput, spec: SpecInput) =>
  call<Generated>('generate_key', { key, spec });
export const importKey = (key: NewKeyInput, secret: string) =>
  call<Imported>('import_key', { key, secret });
export const suggestName = (env: string, app: string, purpose: string) =>
  call<string>('suggest_name', { env, app, purpose });
export const settings = () => call<Settings>('settings');
export const setEnvironment = (name: string, intervalDays: number) =>
  call<Environment>('set_environment', { name, intervalDays });
export const removeEnvironment = (name: string) => call<void>('remove_environment', { name });
export const setClipboardClearSecs = (secs: number) => call<void>('set_clipboard_clear_secs', { secs });
export const setDueSoonDays = (days: number) => call<void>('set_due_soon_days', { days });
export const rotationStatus = (keyref: string) => call<Rotation | null>('rotation_status', { keyref });
/** One step of the guided rotation (start, confirm apps updated, end grace, resume). */
/** `local`: rotate only the local secret of a provider's key (its old key stays active there). */
export const rotateKey = (keyref: string, step: RotateStep, graceDays?: number, local = false) =>
  call<RotationProgress>('rotate_key', { keyref, step, graceDays: graceDays ?? null, local });
/** `force`: delete the new key even though the old one no longer works (the user was told). */
export const abortRotation = (keyref: string, force = false) => call<Rotation>('abort_rotation', { keyref, force });
/** Imports the secret of a key a sync listed without one; the secret is sent once, to the keychain. */
export const importListedSecret = (keyref: string, secret: string) =>
  call<Imported>('import_listed_secret', { keyref, secret });
/** Links a key to its key on the provider, by the provider's id. */
export const linkKey = (keyref: string, remoteId: string) => call<Key>('link_key', { keyref, remoteId });

// --- providers ---
export const listProviders = () => call<Provider[]>('list_providers');
/** The credential (token or `client_id:client_secret`) is sent once and stored in the keychain. */
export const addProvider = (provider: ProviderInput, credential: string) =>
  call<Provider>('add_provider', { provider, credential });
/** `credential` null keeps the stored one. */
export const updateProvider = (provider: ProviderInput, credential: string | null) =>
  call<Provider>('update_provider', { provider, credential });
export const removeProvider = (name: string) => call<void>('remove_provider', { name });
export const testProvider = (name: string) => call<ProviderCheck>('test_provider', { name });
export const syncProvider = (name: string | null) => call<SyncReport[]>('sync_provider', { name });
/** Creates a key on its provider; the secret goes to the keychain, never to the web view. */
export const createProviderKey = (key: NewKeyInput, user: string | null) =>
  call<Key>('create_provider_key', { key, user });
export const verifyKey = (keyref: string) => call<VerifyReport>('verify_key', { keyref });
export const setKeyActive = (keyref: string, active: boolean) =>
  call<Key>('set_key_active', { keyref, active });
/** Deletes the key on its provider (permanent), then locally. */
export const deleteProviderKey = (keyref: string) => call<Deleted>('delete_provider_key', { keyref });
/**
 * Exports the provider's key list (CSV, no values): the shell shows the native save dialog titled
 * `title` on the file name `defaultName` and writes where the user chose — the web view never
 * names a path. Null when the user cancelled. The dialog asks before replacing an existing file.
 */
export const exportProviderCsv = (provider: string, title: string, defaultName: string) =>
  call<Exported | null>('export_provider_csv', { provider, title, defaultName });
/** What the last reminder check found, and how often the app checks. */
export const reminderStatus = () => call<ReminderStatus>('reminder_status');
export const setRemindInterval = (minutes: number) => call<void>('set_remind_interval', { minutes });
/** Runs a reminder check now; a notification only for what was not announced in the last 24 h. */
export const checkRemindersNow = () => call<ReminderStatus>('check_reminders_now');
/** The view a click on a reminder asked for ("due"), once. */
export const takePendingView = () => call<string | null>('take_pending_view');
/** Whether the app starts at login (in the tray). */
export const autostartEnabled = () => call<boolean>('autostart_enabled');
/** Turns starting at login on or off; answers the new state. */
export const setAutostart = (enabled: boolean) => call<boolean>('set_autostart', { enabled });
export const usageReport = (provider: string) => call<UsageReport>('usage_report', { provider });


// --- overview ---
/** The start page's figures: counts per environment, the 90-day timeline, failed syncs. */
export const overview = () => call<Overview>('overview');

// --- importing a .env file ---
/**
 * Opens the native file dialog (titled `title`) and previews importing the chosen file into
 * `env`. Null when the user cancelled. The shell remembers the file; the web view never names it.
 */
export const chooseEnvFile = (title: string, env: string) =>
  call<EnvImportPlan | null>('choose_env_file', { title, env });
/** The preview of the chosen file again, for another environment. */
export const previewEnvFile = (env: string) => call<EnvImportPlan>('preview_env_file', { env });
/** Imports the chosen file's variables (`only`: just these; null: every one the preview imports). */
export const importEnvFile = (env: string, only: string[] | null) =>
  call<EnvImported>('import_env_file', { env, only });

/** The window's colours: system (default), light or dark. */
export const setTheme = (theme: Theme) => call<void>('set_theme', { theme });
