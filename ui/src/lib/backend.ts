// The only module that talks to the Tauri shell. Screens call these typed functions, so the
// tests can replace this module with a fake and render screens without a shell. Each goes
// through the command generated from its Rust definition (bindings.ts): a changed argument or
// result fails the type check here rather than at run time.
import { commands } from './bindings';
import type {
  CopyFormat,
  NewKeyInput,
  RotateStep,
  SpecInput,
  Theme,
  ProviderInput,
  TeamInput,
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

/** What a generated command gives: its value, or the shell's error. */
type Answer<T> = { status: 'ok'; data: T } | { status: 'error'; error: unknown };

/**
 * The value of a generated command (bindings.ts), or its error as a BackendError: the core's
 * `{code, message, request_id}`, or a framework failure (an unknown command, a refused
 * permission), which Tauri gives as plain text.
 */
async function call<T>(answer: Promise<Answer<T>>): Promise<T> {
  let r: Answer<T>;
  try {
    r = await answer;
  } catch (e) {
    throw new BackendError('internal', String(e));
  }
  if (r.status === 'ok') return r.data;
  const e = r.error;
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const rid = 'request_id' in e && e.request_id ? String(e.request_id) : null;
    throw new BackendError(String(e.code), String(e.message), rid);
  }
  throw new BackendError('internal', String(e));
}

/** A command that cannot fail in Rust: only a framework failure is an error. */
async function plain<T>(answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (e) {
    throw new BackendError('internal', String(e));
  }
}

export const listKeys = () => call(commands.listKeys());
export const keyDetail = (keyref: string) => call(commands.keyDetail(keyref));
/** The one call that brings a secret into the web view; the caller hides it after 10 s. */
export const revealSecret = (keyref: string) => call(commands.revealSecret(keyref));
/** Copies in Rust: the value never reaches the web view. `format`: raw (default), header, env. */
export const copySecret = (keyref: string, format: CopyFormat = 'raw') =>
  call(commands.copySecret(keyref, format));
export const removeKey = (keyref: string) => call(commands.removeKey(keyref));
export const setKeyInterval = (keyref: string, days: number | null) =>
  call(commands.setKeyInterval(keyref, days));
export const generateKey = (key: NewKeyInput, spec: SpecInput) =>
  call(commands.generateKey(key, spec));
export const importKey = (key: NewKeyInput, secret: string) =>
  call(commands.importKey(key, secret));
export const suggestName = (env: string, app: string, purpose: string) =>
  plain(commands.suggestName(env, app, purpose));
export const settings = () => call(commands.settings());
export const setEnvironment = (name: string, intervalDays: number) =>
  call(commands.setEnvironment(name, intervalDays));
export const removeEnvironment = (name: string) => call(commands.removeEnvironment(name));
export const setClipboardClearSecs = (secs: number) => call(commands.setClipboardClearSecs(secs));
export const setDueSoonDays = (days: number) => call(commands.setDueSoonDays(days));
export const rotationStatus = (keyref: string) => call(commands.rotationStatus(keyref));
/** One step of the guided rotation (start, confirm apps updated, end grace, resume). */
/** `local`: rotate only the local secret of a provider's key (its old key stays active there). */
/** `madeElsewhere`: a key made in the provider's console (its value goes to the keychain, once). */
export const rotateKey = (
  keyref: string,
  step: RotateStep,
  graceDays?: number,
  local = false,
  madeElsewhere: { id: string; value: string } | null = null,
) => call(commands.rotateKey(keyref, step, graceDays ?? null, local, madeElsewhere));
/** `force`: delete the new key even though the old one no longer works (the user was told). */
export const abortRotation = (keyref: string, force = false) => call(commands.abortRotation(keyref, force));
/** Imports the secret of a key a sync listed without one; the secret is sent once, to the keychain. */
export const importListedSecret = (keyref: string, secret: string) =>
  call(commands.importListedSecret(keyref, secret));
/** Links a key to its key on the provider, by the provider's id. */
export const linkKey = (keyref: string, remoteId: string) => call(commands.linkKey(keyref, remoteId));

// --- providers ---
export const listProviders = () => call(commands.listProviders());
export const providerPresets = () => call(commands.providerPresets());
/** What a profile file offers, checked by the shell as `provider add --profile` checks it. */
export const profileSummary = (text: string) => call(commands.profileSummary(text));
export const rollKey = (keyref: string) => call(commands.rollKey(keyref));
/** The credential (token or `client_id:client_secret`) is sent once and stored in the keychain. */
export const addProvider = (provider: ProviderInput, credential: string) =>
  call(commands.addProvider(provider, credential));
/** `credential` null keeps the stored one. */
export const updateProvider = (provider: ProviderInput, credential: string | null) =>
  call(commands.updateProvider(provider, credential));
export const removeProvider = (name: string) => call(commands.removeProvider(name));
export const testProvider = (name: string) => call(commands.testProvider(name));
export const syncProvider = (name: string | null) => call(commands.syncProvider(name));
/** Creates a key on its provider; the secret goes to the keychain, never to the web view. */
export const createProviderKey = (key: NewKeyInput, user: string | null) =>
  call(commands.createProviderKey(key, user));
export const verifyKey = (keyref: string) => call(commands.verifyKey(keyref));
export const setKeyActive = (keyref: string, active: boolean) =>
  call(commands.setKeyActive(keyref, active));
/** Deletes the key on its provider (permanent), then locally. */
export const deleteProviderKey = (keyref: string) => call(commands.deleteProviderKey(keyref));
/**
 * Exports the provider's key list (CSV, no values): the shell shows the native save dialog titled
 * `title` on the file name `defaultName` and writes where the user chose — the web view never
 * names a path. Null when the user cancelled. The dialog asks before replacing an existing file.
 */
export const exportProviderCsv = (provider: string, title: string, defaultName: string) =>
  call(commands.exportProviderCsv(provider, title, defaultName));
/** What the last reminder check found, and how often the app checks. */
export const reminderStatus = () => call(commands.reminderStatus());
export const setRemindInterval = (minutes: number) => call(commands.setRemindInterval(minutes));
/** Runs a reminder check now; a notification only for what was not announced in the last 24 h. */
export const checkRemindersNow = () => call(commands.checkRemindersNow());
/** The view a click on a reminder asked for ("due"), once. */
export const takePendingView = () => plain(commands.takePendingView());
/** Whether the app starts at login (in the tray). */
export const autostartEnabled = () => call(commands.autostartEnabled());
/** Turns starting at login on or off; answers the new state. */
export const setAutostart = (enabled: boolean) => call(commands.setAutostart(enabled));
export const usageReport = (provider: string) => call(commands.usageReport(provider));


// --- overview ---
/** The start page's figures: counts per environment, the 90-day timeline, failed syncs. */
export const overview = () => call(commands.overview());

// --- importing a .env file ---
/**
 * Opens the native file dialog (titled `title`) and previews importing the chosen file into
 * `env`. Null when the user cancelled. The shell remembers the file; the web view never names it.
 */
export const chooseEnvFile = (title: string, env: string) =>
  call(commands.chooseEnvFile(title, env));
/** The preview of the chosen file again, for another environment. */
export const previewEnvFile = (env: string) => call(commands.previewEnvFile(env));
/** Imports the chosen file's variables (`only`: just these; null: every one the preview imports). */
export const importEnvFile = (env: string, only: string[] | null) =>
  call(commands.importEnvFile(env, only));

/** The window's colours: system (default), light or dark. */
export const setTheme = (theme: Theme) => call(commands.setTheme(theme));

// --- teams ---
export const listTeams = () => call(commands.listTeams());
/** The credential (a token, `user:password` or `role_id:secret_id`) is sent once and stored in the keychain. */
export const addTeam = (team: TeamInput, credential: string) => call(commands.addTeam(team, credential));
export const removeTeam = (name: string) => call(commands.removeTeam(name));
export const syncTeam = (name: string) => call(commands.syncTeam(name));
/** The key's secret goes from the keychain to the team's OpenBao inside the shell. */
export const shareKey = (keyref: string, team: string) => call(commands.shareKey(keyref, team));
export const unshareKey = (keyref: string, team: string) => call(commands.unshareKey(keyref, team));
export const keyTeams = (keyref: string) => call(commands.keyTeams(keyref));
export const teamKeys = (name: string) => call(commands.teamKeys(name));
