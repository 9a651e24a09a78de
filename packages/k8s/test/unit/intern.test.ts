import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { internStrings } from '../../src/runtime/intern.js';

const INTERN = fileURLToPath(new URL('../../dist/runtime/intern.js', import.meta.url));

describe('internStrings', () => {
  it('keeps every value of a JSON tree as it was, in place', () => {
    const text = JSON.stringify({
      apiVersion: 'security.kubearmor.com/v1',
      metadata: { name: 'p', labels: { '123': '456', __proto__: 'x', '': '' }, generation: 2 },
      spec: { process: { matchPaths: [{ path: '/usr/bin/apt' }, { path: '/usr/bin/apt' }] }, on: true },
      status: null,
      list: ['a', 1, null, false, ['nested', { deep: 'value' }]],
    });
    const tree = JSON.parse(text) as Record<string, unknown>;
    expect(internStrings(tree)).toBe(tree);
    expect(tree).toEqual(JSON.parse(text));
    expect(JSON.stringify(tree)).toBe(text);
    expect(Object.getPrototypeOf(tree.metadata)).toBe(Object.prototype);
  });

  it('leaves what is not an object as it is', () => {
    expect(internStrings('text')).toBe('text');
    expect(internStrings(7)).toBe(7);
    expect(internStrings(null)).toBe(null);
    expect(internStrings(undefined)).toBe(undefined);
  });

  it('frees the copies JSON.parse made of repeated strings', () => {
    // In a fresh process with gc() exposed: 20,000 parsed objects each hold their own copy of a 200-character
    // string (about 4 MB); interned, they share one, and the copies are garbage.
    const script = `
      const { internStrings } = await import(${JSON.stringify(pathToFileURL(INTERN).href)});
      const v8 = await import('node:v8');
      const used = () => { gc(); gc(); return v8.getHeapStatistics().used_heap_size; };
      const message = 'm'.repeat(200);
      globalThis.objects = JSON.parse(JSON.stringify(Array.from({ length: 20000 }, (_, i) => ({ i, message }))));
      const before = used();
      internStrings(globalThis.objects);
      const after = used();
      process.stdout.write(String(before - after));`;
    const result = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(Number(result.stdout)).toBeGreaterThan(3 * 1024 * 1024);
  });
});
