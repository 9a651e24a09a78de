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

describe('createLogger: credentials', () => {
  it('never writes a credential, in the message, a field, a nested field or an error', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const log = createLogger('adapter-clair', { stream, level: 'info' });
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJuaW1idXMifQ.c2lnbmF0dXJlLXBsYW50ZWQ';
    log.error('cannot reach Clair at http://nimbus:planted-password@clair:6060', {
      registry: { error: 'upstream echoed Authorization: Bearer planted-bearer-token-1234' },
      header: `Basic ${Buffer.from('puller:planted-basic').toString('base64')}`,
      token: jwt,
      cause: new Error('GET https://u:planted-in-error@registry.example/v2/ failed'),
      secret: 'pull-secret-name',
    });
    await new Promise((resolve) => setImmediate(resolve));
    for (const planted of [
      'planted-password',
      'planted-bearer-token',
      'planted-basic',
      'cHVsbGVy',
      jwt,
      'planted-in-error',
    ]) {
      expect(text).not.toContain(planted);
    }
    const entry = JSON.parse(text);
    expect(entry.message).toBe('cannot reach Clair at http://[redacted]@clair:6060');
    expect(entry.registry.error).toBe('upstream echoed Authorization: Bearer [redacted]');
    // What identifies without being a credential stays.
    expect(entry.secret).toBe('pull-secret-name');
    expect(entry.cause.message).toBe('GET https://[redacted]@registry.example/v2/ failed');
  });
});
