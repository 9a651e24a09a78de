import { describe, expect, it } from 'vitest';
import {
  type ParsedAdmissionReview,
  parseAdmissionReview,
  parseImageReview,
  podTemplatePath,
} from '../../src/admission/index.js';
import { admissionRequest, admissionReview, imageReview, pod } from './admission-fixtures.js';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

function checked(parsed: ParsedAdmissionReview) {
  if (parsed.outcome !== 'check') throw new Error(`expected a check, got ${JSON.stringify(parsed)}`);
  return parsed.input;
}

describe('parseAdmissionReview: bodies that are not an AdmissionReview v1 with a uid are invalid (HTTP 400)', () => {
  it.each([
    ['not an object', [], /not a JSON object/],
    ['null', null, /not a JSON object/],
    ['v1beta1', { ...admissionReview(), apiVersion: 'admission.k8s.io/v1beta1' }, /admissionReviewVersions/],
    ['no apiVersion', { kind: 'AdmissionReview', request: admissionRequest() }, /got null/],
    ['another kind', { ...admissionReview(), kind: 'ImageReview' }, /kind must be AdmissionReview/],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /request is missing/],
    ['request is an array', { ...admissionReview(), request: [] }, /request is missing/],
    ['no uid', admissionReview(admissionRequest({ uid: undefined })), /request.uid is missing/],
    ['empty uid', admissionReview(admissionRequest({ uid: '' })), /request.uid is missing/],
    ['uid not a string', admissionReview(admissionRequest({ uid: 42 })), /request.uid is missing/],
  ])('%s', (_name, body, message) => {
    const parsed = parseAdmissionReview(body);
    expect(parsed.outcome).toBe('invalid');
    expect(parsed.outcome === 'invalid' && parsed.message).toMatch(message);
  });
});

describe('parseAdmissionReview: requests with nothing to check are skipped (allowed)', () => {
  it.each([
    ['DELETE', { operation: 'DELETE', object: null, oldObject: pod(['nginx']) }, /DELETE/],
    ['CONNECT (exec, attach)', { operation: 'CONNECT', subResource: 'exec' }, /CONNECT/],
    ['no operation', { operation: undefined }, /\(none\)/],
    ['a Service', { kind: { group: '', version: 'v1', kind: 'Service' } }, /Service holds no pod/],
    ['a ConfigMap', { kind: { group: '', version: 'v1', kind: 'ConfigMap' } }, /holds no pod/],
    [
      'a Deployment of another group',
      { kind: { group: 'example.com', version: 'v1', kind: 'Deployment' } },
      /Deployment.example.com/,
    ],
    ['pods/status', { operation: 'UPDATE', subResource: 'status' }, /subresource status/],
    ['pods/binding', { subResource: 'binding' }, /subresource binding/],
    [
      'deployments/scale',
      {
        operation: 'UPDATE',
        kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
        subResource: 'scale',
      },
      /subresource scale/,
    ],
    [
      'an UPDATE that changes no image (labels, finalizers)',
      {
        operation: 'UPDATE',
        object: pod(['nginx:latest'], {}),
        oldObject: { ...pod(['nginx:latest']), metadata: { name: 'web-0', finalizers: ['x'] } },
      },
      /changes no image/,
    ],
  ])('%s', (_name, overrides, reason) => {
    const parsed = parseAdmissionReview(admissionReview(admissionRequest(overrides)));
    expect(parsed).toMatchObject({ outcome: 'skip', uid: UID });
    expect(parsed.outcome === 'skip' && parsed.reason).toMatch(reason);
  });
});

describe('parseAdmissionReview: the object under review', () => {
  it('reads a Pod: images of every list in init, container, ephemeral order, labels, credentials, subject', () => {
    const object = {
      metadata: { name: 'web-0', namespace: 'shop', labels: { app: 'web', tier: 'front' } },
      spec: {
        initContainers: [{ name: 'setup', image: 'busybox:1.36' }],
        containers: [
          { name: 'app', image: 'ghcr.io/org/app:2' },
          { name: 'proxy', image: 'envoyproxy/envoy:v1.31' },
        ],
        ephemeralContainers: [{ name: 'debug', image: 'nicolaka/netshoot' }],
        imagePullSecrets: [{ name: 'ghcr' }, {}, { name: '' }, 'junk', { name: 'hub' }],
        serviceAccountName: 'web',
      },
    };
    const input = checked(parseAdmissionReview(admissionReview(admissionRequest({ object }))));
    expect(input).toEqual({
      namespace: 'shop',
      labels: { app: 'web', tier: 'front' },
      images: [
        { image: 'busybox:1.36', container: 'setup', source: 'initContainer' },
        { image: 'ghcr.io/org/app:2', container: 'app', source: 'container' },
        { image: 'envoyproxy/envoy:v1.31', container: 'proxy', source: 'container' },
        { image: 'nicolaka/netshoot', container: 'debug', source: 'ephemeralContainer' },
      ],
      pullSecrets: ['ghcr', 'hub'],
      serviceAccountName: 'web',
      subject: { kind: 'Pod', group: '', namespace: 'shop', name: 'web-0' },
      dryRun: false,
    });
  });

  const template = (images: string[]) => ({
    metadata: { labels: { app: 'batch' } },
    spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
  });
  it.each([
    ['Deployment', 'apps', { spec: { template: template(['a:1']) } }],
    ['StatefulSet', 'apps', { spec: { template: template(['a:1']) } }],
    ['DaemonSet', 'apps', { spec: { template: template(['a:1']) } }],
    ['ReplicaSet', 'apps', { spec: { template: template(['a:1']) } }],
    ['ReplicationController', '', { spec: { template: template(['a:1']) } }],
    ['Job', 'batch', { spec: { template: template(['a:1']) } }],
    ['CronJob', 'batch', { spec: { jobTemplate: { spec: { template: template(['a:1']) } } } }],
  ])('reads a %s through its pod template, with the template labels', (kind, group, spec) => {
    const object = { metadata: { name: 'w', namespace: 'shop', labels: { owner: 'not-the-pod' } }, ...spec };
    const input = checked(
      parseAdmissionReview(
        admissionReview(admissionRequest({ kind: { group, version: 'v1', kind }, object })),
      ),
    );
    expect(input.labels).toEqual({ app: 'batch' });
    expect(input.images).toEqual([{ image: 'a:1', container: 'c0', source: 'container' }]);
    expect(input.subject).toEqual({ kind, group, namespace: 'shop', name: 'web-0' });
  });

  it('knows where each kind keeps its pods, whatever the version', () => {
    expect(podTemplatePath('', 'Pod')).toEqual([]);
    expect(podTemplatePath('batch', 'CronJob')).toEqual(['spec', 'jobTemplate', 'spec', 'template']);
    expect(podTemplatePath('apps', 'Pod')).toBeUndefined();
    expect(podTemplatePath('', 'Deployment')).toBeUndefined();
  });

  it('checks the ephemeralcontainers subresource: every image of the pod once the debug container is added', () => {
    const before = pod(['nginx:1.27']);
    const after = {
      ...before,
      spec: { ...(before.spec as object), ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] },
    };
    const input = checked(
      parseAdmissionReview(
        admissionReview(
          admissionRequest({
            operation: 'UPDATE',
            subResource: 'ephemeralcontainers',
            object: after,
            oldObject: before,
          }),
        ),
      ),
    );
    expect(input.images.map((i) => i.image)).toEqual(['nginx:1.27', 'busybox']);
  });

  it.each([
    ['an image changed', pod(['nginx:1.26', 'redis:7'])],
    ['a container was added', pod(['nginx:1.27'])],
    ['oldObject is missing', null],
    ['oldObject is not an object', 'garbage'],
  ])('checks every image of the new object on UPDATE when %s', (_name, oldObject) => {
    const object = pod(['nginx:1.27', 'redis:7']);
    const input = checked(
      parseAdmissionReview(admissionReview(admissionRequest({ operation: 'UPDATE', object, oldObject }))),
    );
    expect(input.images.map((i) => i.image)).toEqual(['nginx:1.27', 'redis:7']);
  });

  it.each([
    ['no object', { object: undefined }, /request.object of this Pod CREATE is missing/],
    ['object is a string', { object: 'pod' }, /missing/],
    [
      'a Deployment without a template',
      { kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, object: { spec: {} } },
      /Deployment.apps has no pod template at spec.template/,
    ],
  ])(
    'refuses in the review (echoing the uid) a request whose object cannot be read: %s',
    (_name, overrides, message) => {
      const parsed = parseAdmissionReview(admissionReview(admissionRequest(overrides)));
      expect(parsed).toMatchObject({ outcome: 'malformed', uid: UID });
      expect(parsed.outcome === 'malformed' && parsed.message).toMatch(message);
    },
  );

  it.each([
    ['request.name', { name: 'from-request' }, 'from-request'],
    ['metadata.name when the request has none', { name: '' }, 'web-0'],
    [
      'generateName for a ReplicaSet pod',
      { name: '', object: { metadata: { generateName: 'web-7d9c-' }, spec: { containers: [] } } },
      'web-7d9c-',
    ],
  ])('names the subject by %s', (_name, overrides, expected) => {
    expect(checked(parseAdmissionReview(admissionReview(admissionRequest(overrides)))).subject.name).toBe(
      expected,
    );
  });

  it.each([
    ['the request', { namespace: 'shop' }, 'shop'],
    [
      'the object when the request has none',
      { namespace: '', object: { ...pod([]), metadata: { namespace: 'meta' } } },
      'meta',
    ],
  ])('takes the namespace from %s', (_name, overrides, expected) => {
    expect(checked(parseAdmissionReview(admissionReview(admissionRequest(overrides)))).namespace).toBe(
      expected,
    );
  });

  it.each([
    [{ serviceAccountName: 'web' }, 'web'],
    [{ serviceAccount: 'legacy' }, 'legacy'],
    [{}, 'default'],
    [{ serviceAccountName: 7 }, 'default'],
  ])('service account of %j is %s', (extra, expected) => {
    const input = checked(
      parseAdmissionReview(admissionReview(admissionRequest({ object: pod(['a:1'], extra) }))),
    );
    expect(input.serviceAccountName).toBe(expected);
  });

  it('keeps unreadable containers as image "" so that no rule can accept them, and reads missing labels as none', () => {
    const object = {
      spec: { containers: [{ name: 'a', image: 5 }, 'junk', { image: 'b:1' }], initContainers: 'x' },
    };
    const input = checked(parseAdmissionReview(admissionReview(admissionRequest({ object }))));
    expect(input.images).toEqual([
      { image: '', container: 'a', source: 'container' },
      { image: '', container: '', source: 'container' },
      { image: 'b:1', container: '', source: 'container' },
    ]);
    expect(input.labels).toEqual({});
  });

  it('passes dryRun on, so that a dry run records no Event', () => {
    expect(checked(parseAdmissionReview(admissionReview(admissionRequest({ dryRun: true })))).dryRun).toBe(
      true,
    );
    expect(checked(parseAdmissionReview(admissionReview(admissionRequest({ dryRun: 'yes' })))).dryRun).toBe(
      false,
    );
  });
});

describe('parseImageReview', () => {
  it('reads every image, the namespace, and no labels (so every policy of the namespace applies)', () => {
    expect(parseImageReview(imageReview(['nginx:1.27', 'busybox'], 'shop'))).toEqual({
      outcome: 'check',
      input: {
        namespace: 'shop',
        images: [{ image: 'nginx:1.27' }, { image: 'busybox' }],
        pullSecrets: [],
        subject: { kind: 'Pod', group: '', namespace: 'shop' },
        dryRun: false,
      },
    });
  });

  it('reads a review without containers as one with no image', () => {
    const body = { apiVersion: 'imagepolicy.k8s.io/v1alpha1', kind: 'ImageReview', spec: { namespace: 'x' } };
    expect(parseImageReview(body)).toMatchObject({ outcome: 'check', input: { images: [], namespace: 'x' } });
  });

  it.each([
    ['not an object', 'x', /not a JSON object/],
    [
      'another version',
      { ...imageReview([]), apiVersion: 'imagepolicy.k8s.io/v1' },
      /apiVersion must be imagepolicy.k8s.io\/v1alpha1/,
    ],
    ['another kind', { ...imageReview([]), kind: 'AdmissionReview' }, /kind must be ImageReview/],
    ['no spec', { apiVersion: 'imagepolicy.k8s.io/v1alpha1', kind: 'ImageReview' }, /spec is missing/],
    [
      'an image that is not a string',
      { ...imageReview([]), spec: { containers: [{ image: 'a' }, { image: null }] } },
      /spec.containers\[1\].image is not a string/,
    ],
    [
      'a container that is not an object',
      { ...imageReview([]), spec: { containers: ['a'] } },
      /containers\[0\]/,
    ],
  ])('refuses %s', (_name, body, message) => {
    const parsed = parseImageReview(body);
    expect(parsed.outcome).toBe('invalid');
    expect(parsed.outcome === 'invalid' && parsed.message).toMatch(message);
  });
});
