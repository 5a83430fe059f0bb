import { describe, expect, it } from 'vitest';
import { wizardSteps } from './rotation';

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
