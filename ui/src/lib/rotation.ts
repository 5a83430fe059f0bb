// The guided rotation as the wizard shows it: seed 004's five steps over the core's finer
// state machine (crates/keyshelf-core/src/rotation/), and what a finished rotation did.

import type { Rotation, RotationStep } from './types';

export type StepState = 'done' | 'current' | 'todo';

export interface WizardStep {
  title: string;
  detail: string;
  state: StepState;
}

/** The core steps after which each wizard step is complete. */
const COMPLETED_BY: RotationStep[] = ['created', 'verified', 'confirmed', 'deactivated', 'done'];

const ORDER: RotationStep[] = [
  'started',
  'previous-saved',
  'creating',
  'created',
  'verified',
  'confirmed',
  'deactivated',
  'done',
];

/**
 * The five steps for a key of `provider` (`null`: no management API, a local secret), each
 * done, current or still to do when the core's rotation stands at `step` (`null`: not started).
 */
export function wizardSteps(
  step: RotationStep | null,
  provider: string | null,
  graceDays: number,
  deactivates = true,
  creates = true,
): WizardStep[] {
  const at = step === null ? -1 : ORDER.indexOf(step);
  const retire: [string, string] = deactivates
    ? ['Deactivate the old key', `The old key is deactivated on ${provider} and watched for ${graceDays} days: calls still made with it are reported.`]
    : ['Keep the old key for the grace period', `${provider} cannot deactivate keys, so the old key stays active for ${graceDays} days: a way back until it is deleted.`];
  const texts: [string, string][] = provider
    ? [
        creates
          ? ['Create the new key', `A new key is created on ${provider} and stored in the keychain; the old secret is kept as the previous one.`]
          : ['Take the new key', `The key you made in ${provider}'s console is checked there and stored in the keychain; the old secret is kept as the previous one.`],
        ['Verify it', `The new key is checked against ${provider}, retried for up to 2 minutes while it propagates.`],
        ['Update your apps', 'Put the new key into every application that uses this one, then confirm.'],
        retire,
        ['Delete the old key', `After the grace period the old key is deleted on ${provider} and the previous secret is removed.`],
      ]
    : [
        ['Generate the new secret', 'A new secret (64 characters, base62) is stored in the keychain; the old one is kept as the previous one.'],
        ['Verify it', 'There is no provider API to check it against: test the new secret yourself.'],
        ['Update your apps', 'Put the new secret into every application that uses this one, then confirm.'],
        ['Retire the old secret', 'The old secret stops being kept; make sure nothing uses it any more.'],
        ['Finish', 'The previous secret is removed from the keychain.'],
      ];
  let currentGiven = false;
  return texts.map(([title, detail], i) => {
    const doneAt = ORDER.indexOf(COMPLETED_BY[i]);
    let state: StepState = 'todo';
    if (at >= doneAt) state = 'done';
    else if (at >= 0 && !currentGiven) {
      state = 'current';
      currentGiven = true;
    }
    return { title, detail, state };
  });
}

/**
 * What a finished (or aborted) rotation did, from what the core recorded: never from the plan,
 * so a skipped deactivation or deletion is never reported as done.
 */
export function outcomeText(r: Rotation): string {
  const provider = r.key.split('/')[0];
  const old: Record<Rotation['old_key'], string> = {
    deleted: `the old key is deleted on ${provider}.`,
    'already-gone': `the old key was already gone on ${provider} (revoked elsewhere).`,
    'left-active': `the old key is still active on ${provider}: revoke it there once nothing uses it.`,
    'not-remote': 'the old secret is discarded.',
    restored: 'the old secret is current again.',
    untouched: `the old key is untouched on ${provider}.`,
    deactivated: `the old key is deactivated on ${provider}.`,
  };
  if (r.step === 'aborted') return `Rotation aborted: ${old[r.old_key]}`;
  if (r.step === 'done') return `Rotation done: the new key is current and ${old[r.old_key]}`;
  return `Rotation at step “${r.step}”: ${old[r.old_key]}`;
}
