// The shapes the shell sends (see src-tauri/src/commands.rs and keyshelf-core's KeyView).

export type DueState = 'ok' | 'due-soon' | 'overdue';

/** A key as listed: metadata and schedule, never the secret. */
export interface Key {
  name: string;
  provider: string;
  provider_key_id: string | null;
  env: string;
  /** `active`, `inactive`, `pending`, `no-local-secret` or `gone`. */
  status: string;
  has_secret: boolean;
  remote_state: string | null;
  user: string | null;
  var_name: string | null;
  origin: string;
  created_at: string;
  last_rotated_at: string | null;
  interval_override_days: number | null;
  interval_days: number;
  snoozed_until: string | null;
  last_copied_at: string | null;
  tags: string[];
  notes: string;
  due_at: string;
  state: DueState;
  days_left: number;
}

export interface AuditEvent {
  at: string;
  key: string | null;
  action: string;
  detail: string;
}

export interface KeyDetail {
  key: Key;
  audit: AuditEvent[];
}

export interface Environment {
  name: string;
  interval_days: number;
}

export interface Settings {
  environments: Environment[];
  due_soon_days: number;
  clipboard_clear_secs: number;
  /** The app's version and the commit it was built from (the About line). */
  version: string;
  commit: string;
  theme: Theme;
}

/** What the app's last reminder check found (src-tauri/src/reminders.rs). */
export interface ReminderStatus {
  checked_at: string | null;
  /** Keys due soon or overdue at the last check. */
  due: number;
  /** The summary of the notification the last check sent, if any. */
  sent: string | null;
  /** Why the last check could not send its notification. */
  error: string | null;
  checks: number;
  interval_minutes: number;
}

export type Alphabet = 'base62' | 'hex' | 'base64url';

export interface NewKeyInput {
  name: string;
  env: string;
  provider?: string | null;
  notes?: string;
  tags?: string[];
  rotated_at?: string | null;
}

export interface SpecInput {
  length: number;
  alphabet: Alphabet;
  prefix: string;
  pair: boolean;
}

export interface Generated {
  key: Key;
  entropy_bits: number;
}

export interface Imported {
  key: Key;
  warnings: string[];
}

/** How a copy renders the key: the value, an HTTP header line, or `NAME=value`. */
export type CopyFormat = 'raw' | 'header' | 'env';

export interface Copied {
  format: CopyFormat;
  /** 0: not cleared. */
  clear_after_secs: number;
}

/** The full reference of a key, unique across providers. */
export function keyRef(k: Pick<Key, 'provider' | 'name'>): string {
  return `${k.provider}/${k.name}`;
}

export type RotationStep =
  | 'started'
  | 'previous-saved'
  | 'creating'
  | 'created'
  | 'verified'
  | 'confirmed'
  | 'deactivated'
  | 'done'
  | 'aborted'
  /** An abort stopped half-way: Resume or Abort finishes it. */
  | 'aborting';

/** A guided rotation as the core stores it. */
/** How a rotation goes: a new secret made here, or a new key created through the provider's API. */
export type RotationMode = 'local' | 'create-new';

/** What became of the old key on its provider. */
export type OldKeyState =
  | 'untouched'
  | 'deactivated'
  | 'deleted'
  | 'already-gone'
  | 'left-active'
  | 'not-remote'
  | 'restored';

/** A step skipped or changed, as the user should hear it. */
export interface RotationNote {
  step: RotationStep | 'aborted';
  code: string;
  message: string;
}

export interface Rotation {
  key: string;
  step: RotationStep;
  mode: RotationMode | null;
  old_key: OldKeyState;
  notes: RotationNote[];
  key_gone: boolean;
  remote_name: string | null;
  old_key_id: string | null;
  new_key_id: string | null;
  grace_days: number;
  started_at: string;
  updated_at: string;
  deactivated_at: string | null;
  last_error: string | null;
}

/** What a rotation waits for before it can go on. */
export type RotationWaiting = { what: 'apps-updated' } | { what: 'grace-period'; until: string };

export interface RotationProgress {
  rotation: Rotation;
  waiting_for: RotationWaiting | null;
  warnings: string[];
}

export type RotateStep = 'start' | 'confirm' | 'end-grace' | 'resume';

// --- providers ---

export type ManagementAuth = 'bearer' | 'oauth2';
export type KeyScheme = 'apikey' | 'basic' | 'basic-url' | 'query' | 'bearer' | 'x-api-key' | 'x-api-key-username';

/** A provider as listed: its profile (never its credential) and plan usage. */
export interface Provider {
  name: string;
  base_url: string;
  auth: ManagementAuth;
  key_scheme: KeyScheme;
  verify_path: string | null;
  key_limit: number | null;
  default_env: string;
  insecure_accepted: boolean;
  timeout_secs: number;
  created_at: string | null;
  /** The seeds' warning for the key scheme, if any. */
  warning: string | null;
  /** Keys of this provider Keyshelf knows of (not counting those gone from it). */
  keys_used: number;
}

/** What the provider form sends (the credential travels separately, once). */
export interface ProviderInput {
  name: string;
  base_url: string;
  auth: ManagementAuth;
  key_scheme: KeyScheme;
  verify_path: string | null;
  key_limit: number | null;
  default_env: string;
  insecure_accepted: boolean;
}

export interface ProviderCheck {
  provider: string;
  keys: number;
  key_limit: number | null;
}

export interface SyncReport {
  provider: string;
  remote_keys: number;
  added: string[];
  updated: string[];
  gone: string[];
  unchanged: number;
}

export interface VerifyReport {
  key: string;
  scheme: string;
  url_path: string;
  status: number;
  ok: boolean;
}

/** What a delete on the provider did (the same object as `keyshelf delete --json`). */
export interface Deleted {
  /** The key, `provider/name`. */
  deleted: string;
  already_gone: boolean;
}

/** Where an export was written (the same object as `keyshelf export --output F --json`). */
export interface Exported {
  written: string;
  bytes: number;
}

export type UsageFlag = 'failed-auth' | 'new-ip' | 'off-hours' | 'spike';

export interface UsageRow {
  at: string | null;
  key_id: string | null;
  key: string | null;
  route: string | null;
  status: number | null;
  ip: string | null;
  flags: UsageFlag[];
}

export interface UsageReport {
  provider: string;
  rows: UsageRow[];
  failed_auth: number;
  new_ip: number;
  off_hours: number;
  spike: number;
  chart: UsageChart;
}

// --- overview (keyshelf-core's overview.rs) ---

/** How many keys of one environment are ok, due soon and overdue. */
export interface EnvCounts {
  env: string;
  ok: number;
  due_soon: number;
  overdue: number;
}

/** One key on the timeline of upcoming due dates (overdue keys included, at their due date). */
export interface TimelineMark {
  /** The key's reference, `provider/name`. */
  key: string;
  env: string;
  due_at: string;
  state: DueState;
  days_left: number;
}

/** A provider whose last sync failed, and why. */
export interface ProviderFailure {
  provider: string;
  at: string;
  code: string;
  message: string;
}

/** The start page: rotation health at a glance. */
export interface Overview {
  /** Keys Keyshelf holds (all environments). */
  total: number;
  providers: number;
  /** The timeline's span from today, in days (90). */
  horizon_days: number;
  environments: EnvCounts[];
  /** Keys due before the horizon, soonest first. */
  timeline: TimelineMark[];
  /** When reminders were last checked (by the app or `keyshelf remind`), if ever. */
  last_reminder_check: string | null;
  failed_providers: ProviderFailure[];
}

// --- importing a .env file (keyshelf-core's dotenv.rs) ---

/** What the import does with one variable of the file. */
export type EnvLineAction = 'import' | 'skip' | 'clash';

export interface EnvImportLine {
  /** The line the variable starts on (1-based). */
  line: number;
  var: string;
  /** The key name it becomes. */
  name: string;
  action: EnvLineAction;
  /** Why it is skipped or clashes (a person's words), null when imported. */
  reason: string | null;
}

/** A preview of importing a .env file: nothing is stored until the user confirms. */
export interface EnvImportPlan {
  /** The file's name (not its path). */
  file: string;
  env: string;
  lines: EnvImportLine[];
  to_import: number;
  skipped: number;
  clashes: number;
  /** The command that replaces the file: `keyshelf exec --env ENV -- CMD`. */
  exec_line: string;
}

export interface EnvImported {
  plan: EnvImportPlan;
  imported: Key[];
}

// --- the usage chart (keyshelf-core's provider/usage.rs) ---

/** One key's calls per bucket, aligned with `UsageChart.times`. */
export interface UsageSeries {
  /** `provider/name` when Keyshelf knows the key, else null. */
  key: string | null;
  key_id: string | null;
  /** What the legend shows. */
  label: string;
  calls: number[];
  failed_auth: number[];
  /** Calls with any flag (failed auth, new IP, off hours, spike). */
  flagged: number[];
}

export interface RotationMark {
  key: string;
  /** Unix seconds. */
  at: number;
}

export interface UsageChart {
  bucket: 'hour' | 'day';
  /** Bucket starts, unix seconds, ascending. */
  times: number[];
  series: UsageSeries[];
  /** When the keys in the chart were rotated (vertical rules). */
  rotations: RotationMark[];
}

/** The window's colours: follow the system, or always light or dark (a setting). */
export type Theme = 'system' | 'light' | 'dark';
