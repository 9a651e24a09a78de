import { describe, expect, it } from 'vitest';
import { chartVersions, imageReferences, retagImages, setChartVersion } from '../../src/versions.js';

describe('retagImages', () => {
  it.each([
    [
      'image: ghcr.io/nimbus-ts/nimbus-core-operator:0.1.0',
      'image: ghcr.io/nimbus-ts/nimbus-core-operator:0.2.0',
    ],
    ['image: ghcr.io/nimbus-ts/nimbus-clair:0.1.0-rc.1\n', 'image: ghcr.io/nimbus-ts/nimbus-clair:0.2.0\n'],
    // Someone else's image, and ours without a tag, are left alone.
    ['image: docker.io/library/nginx:1.27', 'image: docker.io/library/nginx:1.27'],
    ['image: ghcr.io/nimbus-ts/nimbus-netpol', 'image: ghcr.io/nimbus-ts/nimbus-netpol'],
    [
      'a: ghcr.io/nimbus-ts/a:1.0.0\nb: ghcr.io/nimbus-ts/b:9.9.9',
      'a: ghcr.io/nimbus-ts/a:0.2.0\nb: ghcr.io/nimbus-ts/b:0.2.0',
    ],
  ])('%j → %j', (before, after) => {
    expect(retagImages(before, '0.2.0')).toBe(after);
  });

  it('lists the references it would retag', () => {
    expect(imageReferences('x: ghcr.io/nimbus-ts/nimbus-clair:0.1.0 y: quay.io/a/b:1')).toEqual([
      { repository: 'ghcr.io/nimbus-ts/nimbus-clair', tag: '0.1.0' },
    ]);
  });
});

describe('setChartVersion', () => {
  const chart = [
    'apiVersion: v2',
    '# the chart of one nimbus-ts release',
    'name: nimbus-ts',
    'version: 0.1.0',
    'appVersion: "0.1.0"',
    'dependencies: []',
    '',
  ].join('\n');

  it('sets version and appVersion and keeps everything else', () => {
    const updated = setChartVersion(chart, '1.2.3');
    expect(chartVersions(updated)).toEqual({ version: '1.2.3', appVersion: '1.2.3' });
    expect(updated.split('\n').filter((l) => !/^(version|appVersion):/.test(l))).toEqual(
      chart.split('\n').filter((l) => !/^(version|appVersion):/.test(l)),
    );
  });

  it('refuses a chart without appVersion', () => {
    expect(() => setChartVersion('apiVersion: v2\nversion: 0.1.0\n', '1.0.0')).toThrow(/appVersion/);
  });

  it('reads nothing from a nested key', () => {
    expect(chartVersions('dependencies:\n  - version: 1.0.0\n')).toEqual({});
  });
});
