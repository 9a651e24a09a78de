import type { KubernetesObject } from '@kubernetes/client-node';
import {
  ADAPTER_LABEL,
  adapterConditionType,
  adapterLeaseName,
  announcedKinds,
  announcementMetadata,
  INTENTS_ANNOTATION,
  KINDS_ANNOTATION,
  liveAdapters,
  liveAnnouncement,
  MANAGED_BY_ANNOTATION,
  managerName,
} from '@nimbus-ts/api';
import { ANNOUNCEMENT_TIMING } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import { statusEntry } from '../../src/index.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

interface LeaseOptions {
  adapter?: string | undefined;
  intents?: string | undefined;
  holder?: string | undefined;
  renewTime?: string | undefined;
  acquireTime?: string | undefined;
  duration?: number | undefined;
  name?: string;
}

/** A Lease as an adapter writes it: labelled, annotated, held, renewed at T0 for 15 s unless told otherwise. */
function lease(options: LeaseOptions = {}): KubernetesObject {
  const o: LeaseOptions = {
    adapter: 'demo',
    intents: 'dnsManipulation,swDeploymentTools',
    holder: 'demo-pod-1',
    renewTime: iso(T0),
    duration: 15,
    ...options,
  };
  const object: KubernetesObject & { spec: Record<string, unknown> } = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: o.name ?? `nimbus-${o.adapter ?? 'x'}`,
      namespace: 'nimbus',
      ...(o.adapter === undefined ? {} : { labels: { [ADAPTER_LABEL]: o.adapter } }),
      ...(o.intents === undefined ? {} : { annotations: { [INTENTS_ANNOTATION]: o.intents } }),
    },
    spec: {
      ...(o.holder === undefined ? {} : { holderIdentity: o.holder }),
      ...(o.renewTime === undefined ? {} : { renewTime: o.renewTime }),
      ...(o.acquireTime === undefined ? {} : { acquireTime: o.acquireTime }),
      ...(o.duration === undefined ? {} : { leaseDurationSeconds: o.duration }),
    },
  };
  return object;
}

describe('liveAnnouncement', () => {
  it.each<{ name: string; lease: KubernetesObject; now: number; expected: unknown }>([
    {
      name: 'a live lease',
      lease: lease(),
      now: T0 + 10_000,
      expected: { name: 'demo', intents: ['dnsManipulation', 'swDeploymentTools'], expiresAt: T0 + 15_000 },
    },
    {
      name: 'a lease renewed a moment ago',
      lease: lease(),
      now: T0,
      expected: { name: 'demo', intents: ['dnsManipulation', 'swDeploymentTools'], expiresAt: T0 + 15_000 },
    },
    {
      name: 'a lease one millisecond before expiry',
      lease: lease(),
      now: T0 + 14_999,
      expected: { name: 'demo', intents: ['dnsManipulation', 'swDeploymentTools'], expiresAt: T0 + 15_000 },
    },
    { name: 'a lease at its expiry', lease: lease(), now: T0 + 15_000, expected: undefined },
    { name: 'an expired lease', lease: lease(), now: T0 + 60_000, expected: undefined },
    { name: 'a released lease (empty holder)', lease: lease({ holder: '' }), now: T0, expected: undefined },
    { name: 'a lease without holder', lease: lease({ holder: undefined }), now: T0, expected: undefined },
    { name: 'an unlabeled lease', lease: lease({ adapter: undefined }), now: T0, expected: undefined },
    { name: 'a lease with an empty label', lease: lease({ adapter: '' }), now: T0, expected: undefined },
    {
      name: 'a lease without renew or acquire time',
      lease: lease({ renewTime: undefined }),
      now: T0,
      expected: undefined,
    },
    {
      name: 'a lease with an unparsable renew time',
      lease: lease({ renewTime: 'yesterday-ish' }),
      now: T0,
      expected: undefined,
    },
    {
      name: 'a lease without duration',
      lease: lease({ duration: undefined }),
      now: T0,
      expected: undefined,
    },
    {
      name: 'a lease only acquired, by its acquire time',
      lease: lease({ renewTime: undefined, acquireTime: iso(T0 + 5_000) }),
      now: T0 + 10_000,
      expected: { name: 'demo', intents: ['dnsManipulation', 'swDeploymentTools'], expiresAt: T0 + 20_000 },
    },
    {
      name: 'a lease renewed after it was acquired, by its renew time',
      lease: lease({ renewTime: iso(T0 + 5_000), acquireTime: iso(T0 - 3_600_000) }),
      now: T0 + 10_000,
      expected: { name: 'demo', intents: ['dnsManipulation', 'swDeploymentTools'], expiresAt: T0 + 20_000 },
    },
    {
      name: 'a lease with a MicroTime renew time as the apiserver writes it',
      lease: lease({ renewTime: '2025-01-01T00:00:00.123456Z' }),
      now: T0,
      expected: { name: 'demo', intents: ['dnsManipulation', 'swDeploymentTools'], expiresAt: T0 + 15_123 },
    },
    {
      name: 'intents with spaces and empty items',
      lease: lease({ intents: ' dnsManipulation , ,swDeploymentTools,, escapeToHost ,' }),
      now: T0,
      expected: {
        name: 'demo',
        intents: ['dnsManipulation', 'swDeploymentTools', 'escapeToHost'],
        expiresAt: T0 + 15_000,
      },
    },
    {
      name: 'an empty intents annotation',
      lease: lease({ intents: '' }),
      now: T0,
      expected: { name: 'demo', intents: [], expiresAt: T0 + 15_000 },
    },
    {
      name: 'no intents annotation',
      lease: lease({ intents: undefined }),
      now: T0,
      expected: { name: 'demo', intents: [], expiresAt: T0 + 15_000 },
    },
  ])('reads $name', ({ lease, now, expected }) => {
    expect(liveAnnouncement(lease, now)).toEqual(expected);
  });

  it('reads a lease without spec as not live', () => {
    const bare: KubernetesObject = {
      kind: 'Lease',
      metadata: { name: 'x', labels: { [ADAPTER_LABEL]: 'demo' } },
    };
    expect(liveAnnouncement(bare, T0)).toBeUndefined();
  });
});

describe('liveAdapters', () => {
  const demo = lease({ name: 'nimbus-demo' });
  const other = lease({
    adapter: 'other',
    intents: 'escapeToHost',
    duration: 10,
    renewTime: iso(T0 + 2_000),
  });

  it('lists the live adapters by name with their intents, ignoring the others', () => {
    const result = liveAdapters(
      [
        demo,
        other,
        lease({ adapter: 'gone', renewTime: iso(T0 - 60_000) }),
        lease({ adapter: 'released', holder: '' }),
        lease({ adapter: undefined, name: 'kube-scheduler' }),
      ],
      T0 + 1_000,
    );
    expect(result.adapters).toEqual(
      new Map([
        ['demo', new Set(['dnsManipulation', 'swDeploymentTools'])],
        ['other', new Set(['escapeToHost'])],
      ]),
    );
    expect(result.signature).toBe('demo=dnsManipulation,swDeploymentTools;other=escapeToHost');
  });

  it('merges the intents of two leases of one adapter', () => {
    const result = liveAdapters(
      [
        lease({ name: 'nimbus-demo', intents: 'b,a' }),
        lease({ name: 'nimbus-demo-2', intents: 'c, a', holder: 'demo-pod-2' }),
      ],
      T0,
    );
    expect([...result.adapters.keys()]).toEqual(['demo']);
    expect(result.adapters.get('demo')).toEqual(new Set(['a', 'b', 'c']));
    expect(result.signature).toBe('demo=a,b,c');
  });

  it('orders adapters by UTF-16 code units, as it orders intents, not by the locale', () => {
    // localeCompare would put 'alpha' before 'Zeta' (and load ICU's collation data into the process to do so).
    const result = liveAdapters(
      [
        lease({ adapter: 'alpha', name: 'nimbus-alpha' }),
        lease({ adapter: 'Zeta', name: 'nimbus-zeta', intents: 'B,a' }),
      ],
      T0,
    );
    expect(result.signature).toBe('Zeta=B,a;alpha=dnsManipulation,swDeploymentTools');
  });

  it('keeps an adapter with no intents', () => {
    const result = liveAdapters([lease({ intents: undefined })], T0);
    expect(result.adapters).toEqual(new Map([['demo', new Set()]]));
    expect(result.signature).toBe('demo=');
  });

  it('yields nothing without live leases', () => {
    expect(liveAdapters([], T0)).toEqual({ adapters: new Map(), signature: '', nextExpiry: undefined });
    expect(liveAdapters([demo], T0 + 15_000)).toEqual({
      adapters: new Map(),
      signature: '',
      nextExpiry: undefined,
    });
  });

  describe('signature', () => {
    const base = liveAdapters([demo, other], T0 + 1_000).signature;

    it.each<{ name: string; leases: KubernetesObject[]; now: number }>([
      {
        name: 'both leases renewed later',
        leases: [
          lease({ renewTime: iso(T0 + 30_000), holder: 'demo-pod-1' }),
          lease({ adapter: 'other', intents: 'escapeToHost', duration: 10, renewTime: iso(T0 + 31_000) }),
        ],
        now: T0 + 35_000,
      },
      {
        name: 'the leases in another order',
        leases: [other, demo],
        now: T0 + 1_000,
      },
      {
        name: 'another holder (a new leader)',
        leases: [lease({ holder: 'demo-pod-2' }), other],
        now: T0 + 1_000,
      },
      {
        name: 'intents listed in another order',
        leases: [lease({ intents: 'swDeploymentTools, dnsManipulation' }), other],
        now: T0 + 1_000,
      },
      {
        name: 'an expired lease added',
        leases: [demo, other, lease({ adapter: 'gone', renewTime: iso(T0 - 60_000) })],
        now: T0 + 1_000,
      },
    ])('stays the same for $name', ({ leases, now }) => {
      expect(liveAdapters(leases, now).signature).toBe(base);
    });

    it.each<{ name: string; leases: KubernetesObject[]; now: number }>([
      { name: 'an adapter that disappears', leases: [demo], now: T0 + 1_000 },
      {
        name: 'an adapter whose lease expires',
        leases: [demo, other],
        now: T0 + 12_000,
      },
      {
        name: 'an adapter that appears',
        leases: [demo, other, lease({ adapter: 'third', intents: 'assessTLS' })],
        now: T0 + 1_000,
      },
      {
        name: 'an intent added',
        leases: [lease({ intents: 'dnsManipulation,swDeploymentTools,escapeToHost' }), other],
        now: T0 + 1_000,
      },
      {
        name: 'an intent removed',
        leases: [lease({ intents: 'dnsManipulation' }), other],
        now: T0 + 1_000,
      },
      {
        name: 'a lease released',
        leases: [demo, lease({ adapter: 'other', intents: 'escapeToHost', holder: '' })],
        now: T0 + 1_000,
      },
    ])('changes for $name', ({ leases, now }) => {
      expect(liveAdapters(leases, now).signature).not.toBe(base);
    });
  });

  describe('nextExpiry', () => {
    it.each<{ name: string; leases: KubernetesObject[]; now: number; expected: number | undefined }>([
      { name: 'one live lease', leases: [demo], now: T0, expected: T0 + 15_000 },
      // demo expires at T0+15 s, other (renewed at T0+2 s for 10 s) at T0+12 s.
      { name: 'the earliest of two', leases: [demo, other], now: T0 + 1_000, expected: T0 + 12_000 },
      { name: 'the earliest in any order', leases: [other, demo], now: T0 + 1_000, expected: T0 + 12_000 },
      {
        name: 'live leases only, not an earlier expired one',
        leases: [lease({ adapter: 'gone', renewTime: iso(T0 - 60_000) }), demo],
        now: T0 + 1_000,
        expected: T0 + 15_000,
      },
      {
        name: 'not a released lease',
        leases: [lease({ adapter: 'released', holder: '', duration: 1 }), demo],
        now: T0,
        expected: T0 + 15_000,
      },
      { name: 'none when every lease expired', leases: [demo, other], now: T0 + 15_000, expected: undefined },
    ])('is $name', ({ leases, now, expected }) => {
      expect(liveAdapters(leases, now).nextExpiry).toBe(expected);
    });
  });
});

describe('naming helpers', () => {
  it.each<{ name: string; actual: unknown; expected: unknown }>([
    { name: 'adapterLeaseName', actual: adapterLeaseName('kubearmor'), expected: 'nimbus-kubearmor' },
    { name: 'managerName', actual: managerName('kubearmor'), expected: 'nimbus-kubearmor' },
    {
      name: 'MANAGED_BY_ANNOTATION',
      actual: MANAGED_BY_ANNOTATION,
      expected: 'app.kubernetes.io/managed-by',
    },
    { name: 'adapterConditionType', actual: adapterConditionType('netpol'), expected: 'nimbus-netpol/Ready' },
    {
      name: 'statusEntry',
      actual: statusEntry('KubeArmorPolicy', 'web-dnsmanipulation'),
      expected: 'KubeArmorPolicy/web-dnsmanipulation',
    },
    { name: 'ADAPTER_LABEL', actual: ADAPTER_LABEL, expected: 'intent.security.nimbus.com/adapter' },
    {
      name: 'INTENTS_ANNOTATION',
      actual: INTENTS_ANNOTATION,
      expected: 'intent.security.nimbus.com/intents',
    },
    {
      name: 'announcementMetadata',
      actual: announcementMetadata('demo', ['dnsManipulation', 'swDeploymentTools']),
      expected: {
        labels: { 'intent.security.nimbus.com/adapter': 'demo' },
        annotations: { 'intent.security.nimbus.com/intents': 'dnsManipulation,swDeploymentTools' },
      },
    },
    {
      name: 'announcementMetadata without intents',
      actual: announcementMetadata('demo', []),
      expected: {
        labels: { 'intent.security.nimbus.com/adapter': 'demo' },
        annotations: { 'intent.security.nimbus.com/intents': '' },
      },
    },
  ])('$name', ({ actual, expected }) => {
    expect(actual).toEqual(expected);
  });

  it('announces what liveAnnouncement reads back', () => {
    const { labels, annotations } = announcementMetadata('demo', ['a', 'b']);
    const announced: KubernetesObject & { spec: Record<string, unknown> } = {
      kind: 'Lease',
      metadata: { name: adapterLeaseName('demo'), labels, annotations },
      spec: { holderIdentity: 'pod', renewTime: iso(T0), leaseDurationSeconds: 15 },
    };
    expect(liveAnnouncement(announced, T0)).toEqual({
      name: 'demo',
      intents: ['a', 'b'],
      expiresAt: T0 + 15_000,
    });
  });
});

describe('the kinds an adapter announces', () => {
  const NETWORK_POLICIES = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
  };
  const CONFIG_MAPS = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };

  it.each<{ name: string; value: string | undefined; expected: unknown[] }>([
    { name: 'no annotation', value: undefined, expected: [] },
    { name: 'an empty annotation', value: '', expected: [] },
    { name: 'not JSON', value: 'NetworkPolicy', expected: [] },
    { name: 'JSON that is not an array', value: '{"kind":"NetworkPolicy"}', expected: [] },
    {
      name: 'two kinds, core and grouped',
      value: JSON.stringify([NETWORK_POLICIES, CONFIG_MAPS]),
      expected: [NETWORK_POLICIES, CONFIG_MAPS],
    },
    {
      name: 'a cluster-scoped kind, with unknown fields dropped',
      value: JSON.stringify([
        { ...CONFIG_MAPS, kind: 'ClusterThing', plural: 'clusterthings', namespaced: false, x: 1 },
      ]),
      expected: [{ ...CONFIG_MAPS, kind: 'ClusterThing', plural: 'clusterthings', namespaced: false }],
    },
    {
      name: 'malformed entries left out, the good one kept',
      value: JSON.stringify([
        null,
        'ConfigMap',
        { ...CONFIG_MAPS, namespaced: 'yes' },
        { ...CONFIG_MAPS, plural: undefined },
        // Anything that would leave the resource's URL path is refused.
        { ...CONFIG_MAPS, plural: '../../secrets' },
        { ...CONFIG_MAPS, apiVersion: 'v1/../../api' },
        { ...CONFIG_MAPS, kind: 'Config Map' },
        NETWORK_POLICIES,
      ]),
      expected: [NETWORK_POLICIES],
    },
    {
      // Kyverno's Policy is listed in policy status as KyvernoPolicy/<name>, as upstream Nimbus lists it.
      name: 'a status kind kept, a malformed one dropped',
      value: JSON.stringify([
        { ...CONFIG_MAPS, kind: 'Policy', plural: 'policies', statusKind: 'KyvernoPolicy' },
        { ...CONFIG_MAPS, statusKind: 'Config/Map' },
      ]),
      expected: [
        { ...CONFIG_MAPS, kind: 'Policy', plural: 'policies', statusKind: 'KyvernoPolicy' },
        CONFIG_MAPS,
      ],
    },
  ])('reads $name', ({ value, expected }) => {
    expect(announcedKinds(value)).toEqual(expected);
  });

  it('announce a status kind only when the kind has one', () => {
    const policies = { ...CONFIG_MAPS, kind: 'Policy', plural: 'policies', statusKind: 'KyvernoPolicy' };
    const { annotations } = announcementMetadata('kyverno', ['escapeToHost'], [policies, CONFIG_MAPS]);
    expect(announcedKinds(annotations[KINDS_ANNOTATION])).toEqual([policies, CONFIG_MAPS]);
    expect(annotations[KINDS_ANNOTATION]).toBe(JSON.stringify([policies, CONFIG_MAPS]));
  });

  it('are announced and read back with the name and intents', () => {
    const { labels, annotations } = announcementMetadata('netpol', ['dnsManipulation'], [NETWORK_POLICIES]);
    expect(annotations).toEqual({
      [INTENTS_ANNOTATION]: 'dnsManipulation',
      [KINDS_ANNOTATION]: JSON.stringify([NETWORK_POLICIES]),
    });
    const announced: KubernetesObject & { spec: Record<string, unknown> } = {
      kind: 'Lease',
      metadata: { name: adapterLeaseName('netpol'), labels, annotations },
      spec: { holderIdentity: 'pod', renewTime: iso(T0), leaseDurationSeconds: 15 },
    };
    expect(liveAnnouncement(announced, T0)).toEqual({
      name: 'netpol',
      intents: ['dnsManipulation'],
      kinds: [NETWORK_POLICIES],
      expiresAt: T0 + 15_000,
    });
  });
});

describe('an announcement-only Lease: 60 s, renewed every 20 s (ANNOUNCEMENT_TIMING)', () => {
  const duration = ANNOUNCEMENT_TIMING.leaseDurationMs / 1000;
  const live = liveAdapters([lease({ duration })], T0).signature;

  it.each([
    { case: 'right after a renewal', after: 0 },
    { case: 'just before the next renewal', after: ANNOUNCEMENT_TIMING.retryPeriodMs - 1 },
    {
      case: 'with two renewals missed (e.g. a 40 s outage)',
      after: 2 * ANNOUNCEMENT_TIMING.retryPeriodMs + 19_999,
    },
  ])('keeps the adapter live, with the same signature, $case', ({ after }) => {
    expect(liveAdapters([lease({ duration })], T0 + after).signature).toBe(live);
  });

  it('drops the adapter once the Lease is past its own duration, not before', () => {
    expect(live).not.toBe('');
    expect(liveAdapters([lease({ duration })], T0 + 60_000 - 1).signature).toBe(live);
    expect(liveAdapters([lease({ duration })], T0 + 60_000).signature).toBe('');
  });

  it('leaves a renewal every third of the duration', () => {
    expect(ANNOUNCEMENT_TIMING.leaseDurationMs).toBe(3 * ANNOUNCEMENT_TIMING.retryPeriodMs);
    expect(ANNOUNCEMENT_TIMING.renewDeadlineMs).toBeLessThan(ANNOUNCEMENT_TIMING.leaseDurationMs);
  });
});
