import { describe, expect, it } from 'vitest';
import {
  BUILTIN_INTENTS,
  INTENT_ID_PATTERN,
  type IntentDefinition,
  IntentRegistry,
} from '../../src/index.js';

const thirdParty: IntentDefinition = {
  id: 'restrictShellAccess',
  title: 'Restrict interactive shells',
  description: 'Blocks shells started inside containers.',
  aliases: ['noShells'],
  params: [
    { name: 'shells', description: 'Shell binaries to block.', required: false, example: ['/bin/sh'] },
  ],
  engines: ['myEngine', 'kubearmor'],
};

describe('IntentRegistry', () => {
  it('starts with the built-ins by default and empty on request', () => {
    expect(new IntentRegistry().all()).toEqual(BUILTIN_INTENTS);
    expect(new IntentRegistry([]).all()).toEqual([]);
  });

  it('registers a third-party intent and resolves it by ID and alias', () => {
    const registry = new IntentRegistry();
    const stored = registry.register(thirdParty);
    expect(stored).toEqual(thirdParty);
    expect(registry.resolve('restrictShellAccess')).toBe(stored);
    expect(registry.resolve('noShells')).toBe(stored);
    expect(registry.canonicalId('noShells')).toBe('restrictShellAccess');
    expect(registry.isKnown('restrictShellAccess')).toBe(true);
    expect(registry.enginesFor('noShells')).toEqual(['myEngine', 'kubearmor']);
    expect(registry.supportedBy('myengine').map((definition) => definition.id)).toEqual([
      'restrictShellAccess',
    ]);
    expect(registry.supportedBy('kubearmor').map((definition) => definition.id)).toContain(
      'restrictShellAccess',
    );
    expect(registry.all().at(-1)).toBe(stored);
  });

  it('keeps registrations apart between registries', () => {
    const registry = new IntentRegistry();
    registry.register(thirdParty);
    expect(new IntentRegistry().isKnown('restrictShellAccess')).toBe(false);
  });

  it('stores a frozen copy that later edits by the caller do not reach', () => {
    const registry = new IntentRegistry([]);
    const mutable = { ...thirdParty, engines: ['myEngine'], aliases: ['noShells'] };
    const stored = registry.register(mutable);
    mutable.engines.push('netpol');
    mutable.aliases.push('other');
    expect(registry.enginesFor('restrictShellAccess')).toEqual(['myEngine']);
    expect(registry.isKnown('other')).toBe(false);
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored.engines)).toBe(true);
    // enginesFor hands out a copy, so editing the answer does not edit the registry either.
    registry.enginesFor('restrictShellAccess').push('netpol');
    expect(registry.enginesFor('restrictShellAccess')).toEqual(['myEngine']);
  });

  const base = { title: 't', description: 'd', params: [], engines: ['myEngine'] };

  it.each<[string, IntentDefinition, RegExp]>([
    ['an ID with a dash', { ...base, id: 'my-intent' }, /intent ID "my-intent".*letters and digits/],
    ['an ID with an underscore', { ...base, id: 'my_intent' }, /intent ID "my_intent".*letters and digits/],
    ['an empty ID', { ...base, id: '' }, /intent ID "".*letters and digits/],
    [
      'an alias with a dot',
      { ...base, id: 'myIntent', aliases: ['my.intent'] },
      /alias "my\.intent" of intent "myIntent".*letters and digits/,
    ],
    [
      'a duplicate built-in ID',
      { ...base, id: 'dnsManipulation' },
      /intent ID "dnsManipulation": "dnsManipulation" is already taken by intent ID "dnsManipulation"/,
    ],
    [
      'an ID equal to a built-in alias',
      { ...base, id: 'pkgMgrs' },
      /intent ID "pkgMgrs": "pkgMgrs" is already taken by alias "pkgMgrs" of intent "swDeploymentTools"/,
    ],
    [
      'an alias equal to a built-in ID',
      { ...base, id: 'myIntent', aliases: ['escapeToHost'] },
      /alias "escapeToHost" of intent "myIntent": "escapeToHost" is already taken by intent ID "escapeToHost"/,
    ],
    [
      'an ID differing from a built-in only in case',
      { ...base, id: 'DNSManipulation' },
      /intent ID "DNSManipulation": it differs only in letter case from intent ID "dnsManipulation"/,
    ],
    [
      'an alias differing from a built-in alias only in case',
      { ...base, id: 'myIntent', aliases: ['PkgMgrs'] },
      /differs only in letter case from alias "pkgMgrs" of intent "swDeploymentTools"/,
    ],
    [
      'an alias repeating its own ID',
      { ...base, id: 'myIntent', aliases: ['myintent'] },
      /alias "myintent" of intent "myIntent": it repeats "myIntent"/,
    ],
    [
      'a parameter listed twice',
      {
        ...base,
        id: 'myIntent',
        params: [
          { name: 'p', description: 'x', required: false },
          { name: 'p', description: 'y', required: true },
        ],
      },
      /"myIntent" lists parameter "p" more than once/,
    ],
    [
      'an empty parameter name',
      { ...base, id: 'myIntent', params: [{ name: '', description: 'x', required: false }] },
      /"myIntent" has an empty parameter name/,
    ],
    [
      'an engine listed twice',
      { ...base, id: 'myIntent', engines: ['clair', 'Clair'] },
      /engine "Clair" more than once/,
    ],
    [
      'an empty engine name',
      { ...base, id: 'myIntent', engines: [''] },
      /"myIntent" has an empty engine name/,
    ],
  ])('rejects %s', (_case, definition, message) => {
    const registry = new IntentRegistry();
    const before = registry.all();
    expect(() => registry.register(definition)).toThrow(message);
    // A rejected definition leaves nothing behind: its names stay free for a corrected definition.
    expect(registry.all()).toEqual(before);
    const taken = before.flatMap((known) =>
      [known.id, ...(known.aliases ?? [])].map((name) => name.toLowerCase()),
    );
    if (!taken.includes(definition.id.toLowerCase()) && INTENT_ID_PATTERN.test(definition.id)) {
      expect(registry.isKnown(definition.id)).toBe(false);
      expect(registry.register({ ...base, id: definition.id }).id).toBe(definition.id);
    }
  });

  it('rejects registering the same third-party intent twice', () => {
    const registry = new IntentRegistry();
    registry.register(thirdParty);
    expect(() => registry.register(thirdParty)).toThrow(/"restrictShellAccess" is already taken/);
  });

  it('checks built-in-style rules in the constructor too', () => {
    expect(() => new IntentRegistry([thirdParty, { ...thirdParty, aliases: [] }])).toThrow(/already taken/);
  });
});
