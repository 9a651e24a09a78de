import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

describe('createLogger', () => {
  it('writes one JSON object per line with component, level, message, timestamp and fields', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const log = createLogger('core-operator', { stream, level: 'info' });
    log.info('reconciled', { kind: 'SecurityIntentBinding', name: 'a', namespace: 'ns' });
    log.debug('hidden below info');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '{}');
    expect(entry).toMatchObject({
      level: 'info',
      message: 'reconciled',
      component: 'core-operator',
      kind: 'SecurityIntentBinding',
      name: 'a',
      namespace: 'ns',
    });
    expect(Number.isNaN(Date.parse(entry.timestamp))).toBe(false);
  });
});
