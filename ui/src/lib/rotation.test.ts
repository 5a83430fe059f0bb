import { describe, expect, it } from 'vitest';
import { outcomeText, wizardSteps } from './rotation';
import type { Rotation } from './types';

const states = (...args: Parameters<typeof wizardSteps>) => wizardSteps(...args).map((s) => s.state);

describe('The rotation wizard steps', () => {
  it('before a rotation starts, every step is still to do', () => {
    expect(states(null, 'sim', 7)).toEqual(['todo', 'todo', 'todo', 'todo', 'todo']);
  });

  it('while the new key is being made, the first step is current', () => {
    for (const step of ['started', 'previous-saved', 'creating'] as const) {
      expect(states(step, 'sim', 7)).toEqual(['current', 'todo', 'todo', 'todo', 'todo']);
    }
  });

  it('follows the core step by step', () => {
    expect(states('created', 'sim', 7)).toEqual(['done', 'current', 'todo', 'todo', 'todo']);
    expect(states('verified', 'sim', 7)).toEqual(['done', 'done', 'current', 'todo', 'todo']);
    expect(states('confirmed', 'sim', 7)).toEqual(['done', 'done', 'done', 'current', 'todo']);
    expect(states('deactivated', 'sim', 7)).toEqual(['done', 'done', 'done', 'done', 'current']);
    expect(states('done', 'sim', 7)).toEqual(['done', 'done', 'done', 'done', 'done']);
  });

  it('names the provider and the grace period for a provider key, and says so when there is none', () => {
    const remote = wizardSteps(null, 'acme', 14);
    expect(remote[0].detail).toMatch(/created on acme/);
    expect(remote[3].detail).toMatch(/14 days/);
    const local = wizardSteps(null, null, 7);
    expect(local[0].title).toMatch(/Generate/);
    expect(local[1].detail).toMatch(/test the new secret yourself/);
  });
});

describe('What a rotation says it did', () => {
  const r = (over: Partial<Rotation>): Rotation => ({
    key: 'acme/prod-api',
    step: 'done',
    mode: 'create-new',
    old_key: 'deleted',
    notes: [],
    key_gone: false,
    remote_name: null,
    old_key_id: '1',
    new_key_id: '2',
    grace_days: 7,
    started_at: '2026-11-23T12:00:00Z',
    updated_at: '2026-11-23T12:00:05Z',
    deactivated_at: null,
    last_error: null,
    ...over,
  });

  it('says the old key is deleted only when it was', () => {
    expect(outcomeText(r({}))).toMatch(/old key is deleted on acme/);
    for (const old_key of ['already-gone', 'left-active', 'not-remote'] as const) {
      expect(outcomeText(r({ old_key }))).not.toMatch(/deleted/);
    }
    expect(outcomeText(r({ old_key: 'left-active', mode: 'local' }))).toMatch(/still active on acme/);
    expect(outcomeText(r({ old_key: 'already-gone' }))).toMatch(/already gone on acme/);
    expect(outcomeText(r({ step: 'aborted', old_key: 'restored' }))).toMatch(/aborted: the old secret is current again/);
  });
});
