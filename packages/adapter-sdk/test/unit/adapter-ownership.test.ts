import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, MANAGED_BY_ANNOTATION } from '@nimbus-ts/api';
import type { ResourceType } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import {
  type DesiredChild,
  engineObjectRejectedMessage,
  type Holding,
  holdingOf,
  nameConflictMessage,
  planChildren,
} from '../../src/index.js';

// An adapter owns exactly what it manages (issue 13): objects its policy controls AND that carry its managed-by
// annotation. Another adapter writing the same kind for the same policy is as foreign as any other controller.

const CONFIG_MAPS: ResourceType = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
const SECRETS: ResourceType = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
const policy = { apiVersion: API_VERSION, kind: 'NimbusPolicy', metadata: { name: 'web', uid: 'uid-web' } };

const controlledBy = (kind: string, name: string, uid: string): V1OwnerReference => ({
  apiVersion: API_VERSION,
  kind,
  name,
  uid,
  controller: true,
});
const POLICY = controlledBy('NimbusPolicy', 'web', 'uid-web');
const OTHER_POLICY = controlledBy('NimbusPolicy', 'api', 'uid-api');

/** A ConfigMap (or another kind) in namespace `shop` (or another), with an owner and a managed-by value. */
function object(
  name: string,
  owner: V1OwnerReference | undefined,
  manager: string | undefined,
  resource: ResourceType = CONFIG_MAPS,
  namespace = 'shop',
): DesiredChild {
  return {
    resource,
    object: {
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      metadata: {
        name,
        namespace,
        uid: `uid-${name}`,
        ...(owner ? { ownerReferences: [owner] } : {}),
        ...(manager !== undefined ? { annotations: { [MANAGED_BY_ANNOTATION]: manager } } : {}),
      },
    },
  };
}

describe('holdingOf', () => {
  it.each<{ name: string; object: KubernetesObject; expected: Holding }>([
    {
      name: 'controlled by the policy, marked as its own',
      object: object('a', POLICY, 'nimbus-demo').object,
      expected: 'mine',
    },
    {
      name: 'controlled by the policy, marked by another adapter',
      object: object('a', POLICY, 'nimbus-other').object,
      expected: 'foreign',
    },
    {
      name: 'controlled by the policy, marked by an adapter whose name only starts the same',
      object: object('a', POLICY, 'nimbus-demo2').object,
      expected: 'foreign',
    },
    {
      name: 'controlled by the policy, unmarked',
      object: object('a', POLICY, undefined).object,
      expected: 'unmarked',
    },
    {
      name: 'controlled by the policy, marked empty',
      object: object('a', POLICY, '').object,
      expected: 'unmarked',
    },
    {
      name: 'marked as its own but controlled by another policy',
      object: object('a', OTHER_POLICY, 'nimbus-demo').object,
      expected: 'foreign',
    },
    {
      name: 'marked as its own, owned by the policy but not as controller',
      object: object('a', { ...POLICY, controller: false }, 'nimbus-demo').object,
      expected: 'foreign',
    },
    {
      name: 'without owner, marked as its own',
      object: object('a', undefined, 'nimbus-demo').object,
      expected: 'foreign',
    },
    { name: 'without owner or mark', object: object('a', undefined, undefined).object, expected: 'foreign' },
  ])('$name: $expected', ({ object: o, expected }) => {
    expect(holdingOf(o, policy, 'demo')).toBe(expected);
  });
});

describe('planChildren', () => {
  const want = (name: string, resource: ResourceType = CONFIG_MAPS) =>
    object(name, POLICY, 'nimbus-demo', resource);
  const names = (list: readonly DesiredChild[]) =>
    list.map((c) => `${c.resource.kind}/${c.object.metadata?.name}`);

  interface Row {
    name: string;
    desired: DesiredChild[];
    existing: DesiredChild[];
    apply: string[];
    updates: string[];
    conflicts: { name: string; holder: string; otherAdapter: boolean }[];
    stale: string[];
  }
  const rows: Row[] = [
    {
      name: 'nothing exists: every desired object is created',
      desired: [want('a'), want('b')],
      existing: [],
      apply: ['ConfigMap/a', 'ConfigMap/b'],
      updates: [],
      conflicts: [],
      stale: [],
    },
    {
      name: 'its own objects are updated, in build order',
      desired: [want('b'), want('a')],
      existing: [object('a', POLICY, 'nimbus-demo'), object('b', POLICY, 'nimbus-demo')],
      apply: ['ConfigMap/b', 'ConfigMap/a'],
      updates: ['ConfigMap/b', 'ConfigMap/a'],
      conflicts: [],
      stale: [],
    },
    {
      name: "another adapter's object of the same kind for the same policy is neither deleted nor overwritten",
      desired: [want('demo'), want('shared')],
      existing: [
        object('other', POLICY, 'nimbus-other'),
        object('shared', POLICY, 'nimbus-other'),
        object('demo', POLICY, 'nimbus-demo'),
      ],
      apply: ['ConfigMap/demo'],
      updates: ['ConfigMap/demo'],
      conflicts: [{ name: 'ConfigMap/shared', holder: 'managed by nimbus-other', otherAdapter: true }],
      stale: [],
    },
    {
      name: 'its own objects no longer built are stale; others of the policy are not',
      desired: [want('a')],
      existing: [
        object('a', POLICY, 'nimbus-demo'),
        object('old', POLICY, 'nimbus-demo'),
        object('old-secret', POLICY, 'nimbus-demo', SECRETS),
        object('theirs', POLICY, 'nimbus-other'),
        object('unmarked', POLICY, undefined),
      ],
      apply: ['ConfigMap/a'],
      updates: ['ConfigMap/a'],
      conflicts: [],
      stale: ['ConfigMap/old', 'Secret/old-secret'],
    },
    {
      name: 'objects of other policies or other controllers are never stale',
      desired: [],
      existing: [
        object('of-api', OTHER_POLICY, 'nimbus-demo'),
        object('loose', undefined, 'nimbus-demo'),
        object('deployment', controlledBy('Deployment', 'web', 'uid-deploy'), undefined),
      ],
      apply: [],
      updates: [],
      conflicts: [],
      stale: [],
    },
    {
      name: 'an unmarked object of the policy with a wanted name is repaired (someone removed the mark)',
      desired: [want('a')],
      existing: [object('a', POLICY, undefined)],
      apply: ['ConfigMap/a'],
      updates: ['ConfigMap/a'],
      conflicts: [],
      stale: [],
    },
    {
      name: 'names held by other controllers or by nobody are conflicts, each naming its holder',
      desired: [want('deployed'), want('loose'), want('of-api')],
      existing: [
        object('deployed', controlledBy('Deployment', 'web', 'uid-deploy'), undefined),
        object('loose', undefined, undefined),
        object('of-api', OTHER_POLICY, 'nimbus-demo'),
      ],
      apply: [],
      updates: [],
      conflicts: [
        { name: 'ConfigMap/deployed', holder: 'controlled by Deployment web', otherAdapter: false },
        { name: 'ConfigMap/loose', holder: 'not controlled by this policy', otherAdapter: false },
        { name: 'ConfigMap/of-api', holder: 'controlled by NimbusPolicy api', otherAdapter: false },
      ],
      stale: [],
    },
    {
      name: 'the same name in another kind or namespace is another object',
      desired: [want('a')],
      existing: [
        object('a', POLICY, 'nimbus-other', SECRETS),
        object('a', POLICY, 'nimbus-other', CONFIG_MAPS, 'elsewhere'),
      ],
      apply: ['ConfigMap/a'],
      updates: [],
      conflicts: [],
      stale: [],
    },
  ];

  it.each(rows)('$name', ({ desired, existing, apply, updates, conflicts, stale }) => {
    const plan = planChildren('demo', policy, desired, existing);
    expect(names(plan.apply.map((a) => a.child))).toEqual(apply);
    expect(names(plan.apply.filter((a) => a.live).map((a) => a.child))).toEqual(updates);
    expect(
      plan.conflicts.map((c) => ({
        name: names([c.child])[0],
        holder: c.holder,
        otherAdapter: c.otherAdapter,
      })),
    ).toEqual(conflicts);
    expect(names(plan.stale)).toEqual(stale);
  });

  it('hands each update the live object it compares with', () => {
    const live = object('a', POLICY, 'nimbus-demo');
    const [applied] = planChildren('demo', policy, [want('a')], [live]).apply;
    expect(applied?.live).toBe(live.object);
  });

  it('lets two adapters on one policy agree on who holds what, whichever looks first', () => {
    // The state issue 13's hot loop never left: each adapter has its own object and one holds the shared name.
    const existing = [
      object('alpha', POLICY, 'nimbus-alpha'),
      object('beta', POLICY, 'nimbus-beta'),
      object('shared', POLICY, 'nimbus-alpha'),
    ];
    const desiredBy = (name: string) => [
      object(name, POLICY, `nimbus-${name}`),
      object('shared', POLICY, `nimbus-${name}`),
    ];
    const alpha = planChildren('alpha', policy, desiredBy('alpha'), existing);
    const beta = planChildren('beta', policy, desiredBy('beta'), existing);
    expect(alpha.stale).toEqual([]);
    expect(beta.stale).toEqual([]);
    expect(names(alpha.apply.map((a) => a.child))).toEqual(['ConfigMap/alpha', 'ConfigMap/shared']);
    expect(names(beta.apply.map((a) => a.child))).toEqual(['ConfigMap/beta']);
    expect(beta.conflicts.map((c) => c.holder)).toEqual(['managed by nimbus-alpha']);
  });
});

describe('nameConflictMessage', () => {
  it.each([
    {
      name: "another adapter's object",
      conflicts: [{ entry: 'NetworkPolicy/web-dns', holder: 'managed by nimbus-netpol', otherAdapter: true }],
      expected:
        'NetworkPolicy/web-dns is managed by nimbus-netpol, which builds the same name for this policy; give one of the adapters other object names, or run only one of them for these rules',
    },
    {
      name: "another controller's object",
      conflicts: [{ entry: 'ConfigMap/web', holder: 'controlled by Deployment web', otherAdapter: false }],
      expected:
        'ConfigMap/web exists and is controlled by Deployment web; delete or rename it so that demo can create its own',
    },
    {
      name: 'several, in build order',
      conflicts: [
        { entry: 'ConfigMap/a', holder: 'not controlled by this policy', otherAdapter: false },
        { entry: 'ConfigMap/b', holder: 'managed by nimbus-other', otherAdapter: true },
      ],
      expected:
        'ConfigMap/a exists and is not controlled by this policy; delete or rename it so that demo can create its own; ' +
        'ConfigMap/b is managed by nimbus-other, which builds the same name for this policy; give one of the adapters other object names, or run only one of them for these rules',
    },
  ])('names the holder and the fix: $name', ({ conflicts, expected }) => {
    expect(nameConflictMessage('demo', conflicts)).toBe(expected);
  });
});

describe('engineObjectRejectedMessage', () => {
  it.each([
    {
      name: 'one object',
      rejected: [
        { entry: 'ConfigMap/web-x', message: 'create ConfigMap shop/web-x: HTTP 422 Invalid: bad name' },
      ],
      expected:
        'the API server refused an engine object, so the policy is not enforced as written: ' +
        'ConfigMap/web-x (create ConfigMap shop/web-x: HTTP 422 Invalid: bad name). Fix the SecurityIntent ' +
        'values the message names, or report the object demo built to its authors; it is retried with backoff',
    },
    {
      name: 'two objects, in build order',
      rejected: [
        { entry: 'ConfigMap/a', message: 'HTTP 422 Invalid: a' },
        { entry: 'ConfigMap/b', message: 'HTTP 403 Forbidden: denied by admission' },
      ],
      expected:
        'the API server refused 2 engine objects, so the policy is not enforced as written: ' +
        'ConfigMap/a (HTTP 422 Invalid: a); ConfigMap/b (HTTP 403 Forbidden: denied by admission). Fix the ' +
        'SecurityIntent values the message names, or report the object demo built to its authors; it is ' +
        'retried with backoff',
    },
  ])('quotes the API server for $name', ({ rejected, expected }) => {
    expect(engineObjectRejectedMessage('demo', rejected)).toBe(expected);
  });
});
