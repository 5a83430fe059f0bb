// The shapes the shell sends and takes, under the names the screens use. Every one is a type
// generated from the Rust definitions (bindings.ts, by src-tauri/src/bindings.rs; a test fails
// when it is stale), so the UI cannot drift from what Rust serialises. `_Serialize` is the shape
// Rust sends, `_Deserialize` the shape it takes.
import type * as B from './bindings';

export type DueState = B.DueState;
/** A key as listed: metadata and schedule, never the secret. */
export type Key = B.KeyView_Serialize;
export type AuditEvent = B.AuditEvent_Serialize;
export type KeyDetail = B.KeyDetail_Serialize;
export type Environment = B.Environment;
/** The settings, and the app's version and commit (the About line). */
export type Settings = B.AppSettings;
/** What the app's last reminder check found. */
export type ReminderStatus = B.Status_Serialize;
export type Alphabet = B.Alphabet;
export type NewKeyInput = B.NewKeyInput_Deserialize;
export type SpecInput = B.Spec_Deserialize;
export type Generated = B.GeneratedKey_Serialize;
export type Imported = B.Imported_Serialize;
/** How a copy renders the key: the value, an HTTP header line, or `NAME=value`. */
export type CopyFormat = B.CopyFormat;
export type Copied = B.Copied;

// --- rotation ---
export type RotationStep = B.Step;
/** How a rotation goes: a new secret made here, or a new key created through the provider's API. */
export type RotationMode = B.Mode;
/** What became of the old key on its provider. */
export type OldKeyState = B.OldKey;
/** A step skipped or changed, as the user should hear it. */
export type RotationNote = B.Note;
export type Rotation = B.Rotation_Serialize;
/** What a rotation waits for before it can go on. */
export type RotationWaiting = B.Waiting;
export type RotationProgress = B.Progress_Serialize;
export type RotateStep = B.RotateStep;

// --- providers ---
export type ManagementAuth = B.ManagementAuth;
export type KeyScheme = B.KeyScheme;
/** A provider as listed: its profile (never its credential), warning and plan usage. */
export type Provider = B.ProviderSummary_Serialize;
/** What the provider form sends (the credential travels separately, once). */
export type ProviderInput = B.ProviderInput_Deserialize;
export type PresetSummary = B.PresetSummary_Serialize;
export type ProviderCheck = B.ProviderCheck_Serialize;
export type SyncReport = B.SyncReport;
export type VerifyReport = B.VerifyReport;
/** What a delete on the provider did (the same object as `keyshelf delete --json`). */
export type Deleted = B.Deleted;
/** Where an export was written (the same object as `keyshelf export --output F --json`). */
export type Exported = B.Exported;

// --- usage ---
export type UsageFlag = B.Flag;
export type UsageRow = B.UsageRow_Serialize;
export type UsageReport = B.UsageReport_Serialize;
export type UsageSeries = B.UsageSeries_Serialize;
export type RotationMark = B.RotationMark;
export type UsageChart = B.UsageChart_Serialize;

// --- overview ---
export type EnvCounts = B.EnvCounts;
export type TimelineMark = B.TimelineMark_Serialize;
/** A day of the timeline: its counts and its soonest keys (at most 40). */
export type TimelineDay = B.TimelineDay_Serialize;
/** A provider whose last sync failed, and why. */
export type ProviderFailure = B.SyncFailure_Serialize;
export type Overview = B.Overview_Serialize;

// --- importing a .env file ---
export type EnvLineAction = B.Action;
export type EnvImportLine = B.PlanLine_Serialize;
export type EnvImportPlan = B.Plan_Serialize;
export type EnvImported = B.EnvImported_Serialize;

/** The window's colours: follow the system, or always light or dark (a setting). */
export type Theme = B.Theme;

/** The full reference of a key, unique across providers. */
export function keyRef(k: Pick<Key, 'provider' | 'name'>): string {
  return `${k.provider}/${k.name}`;
}

// --- teams ---
/** A team: its OpenBao settings (never its credential), last sync, shared keys held here. */
export type Team = B.TeamSummary_Serialize;
export type TeamAuth = B.TeamAuth;
export type TeamInput = B.TeamInput;
export type TeamSyncReport = B.TeamSyncReport;
/** A key shared with a team, held here: the version and who rotated it last. */
export type TeamKey = B.TeamKey_Serialize;
