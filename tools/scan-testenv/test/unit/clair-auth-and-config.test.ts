import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clairConfig, generatePskKey, mintClairToken } from '../../src/index.js';

function decode(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
}

describe('mintClairToken', () => {
  const key = generatePskKey();

  it('signs HS256 with the base64-decoded pre-shared key', () => {
    const token = mintClairToken(key, 'nimbus-ts-test', { now: 1_000_000 });
    const [header, payload, signature] = token.split('.');
    expect(decode(header)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const expected = createHmac('sha256', Buffer.from(key, 'base64'))
      .update(`${header}.${payload}`)
      .digest('base64url');
    expect(signature).toBe(expected);
  });

  it('carries the issuer and a validity window around now', () => {
    const claims = decode(mintClairToken(key, 'me', { now: 1_000_000, ttlSeconds: 30 }).split('.')[1]);
    expect(claims).toEqual({ iss: 'me', iat: 1_000_000, nbf: 999_940, exp: 1_000_030 });
  });

  it('generates 32-byte keys', () => {
    expect(Buffer.from(generatePskKey(), 'base64')).toHaveLength(32);
    expect(generatePskKey()).not.toBe(generatePskKey());
  });
});

describe('clairConfig', () => {
  const base = {
    httpPort: 1111,
    introspectionPort: 2222,
    connStrings: { indexer: 'dbname=i', matcher: 'dbname=m', notifier: 'dbname=n' },
    pskKey: 'a2V5',
    issuers: ['nimbus-ts-test', 'other'],
    rhelMappingFiles: { repositoryToCpe: '/d/r.json', containerNameToRepos: '/d/c.json' },
  };

  it('listens on loopback, migrates, and takes vulnerability data only from imports', () => {
    const config = clairConfig(base) as Record<string, Record<string, unknown>>;
    expect(config.http_listen_addr).toBe('127.0.0.1:1111');
    expect(config.introspection_addr).toBe('127.0.0.1:2222');
    expect(config.indexer).toMatchObject({ connstring: 'dbname=i', migrations: true, airgap: true });
    expect(config.matcher).toMatchObject({
      connstring: 'dbname=m',
      migrations: true,
      disable_updaters: true,
    });
    expect(config.matcher?.update_retention).toBeGreaterThanOrEqual(2);
    expect(config.notifier).toMatchObject({ connstring: 'dbname=n', migrations: true, poll_interval: '1m' });
    expect(config.auth).toEqual({ psk: { key: 'a2V5', iss: ['nimbus-ts-test', 'other'] } });
  });

  it('keeps every scanner off the Internet', () => {
    const config = clairConfig(base) as { indexer: { scanner: Record<string, Record<string, unknown>> } };
    expect(config.indexer.scanner).toEqual({
      package: {
        rhel_containerscanner: { name2repos_mapping_file: '/d/c.json' },
        java: { disable_api: true },
      },
      repo: { 'rhel-repository-scanner': { repo2cpe_mapping_file: '/d/r.json' } },
    });
  });

  it('configures the notifier webhook and its callback only when asked', () => {
    const without = clairConfig(base) as { notifier: Record<string, unknown> };
    expect(without.notifier.webhook).toBeUndefined();
    const withHook = clairConfig({ ...base, notifierWebhook: 'http://127.0.0.1:9/hook' }) as {
      notifier: Record<string, unknown>;
    };
    expect(withHook.notifier.webhook).toEqual({
      target: 'http://127.0.0.1:9/hook',
      callback: 'http://127.0.0.1:1111/notifier/api/v1/notification/',
    });
  });

  it('renders a notifier alone, on the combo Clair’s database and APIs, when it is a second notifier', () => {
    const config = clairConfig({
      ...base,
      notifierOf: 'http://127.0.0.1:7777/',
      notifierWebhook: 'http://127.0.0.1:9/hook',
    }) as Record<string, Record<string, unknown> | undefined>;
    // Clair rejects nothing here, but a notifier-mode Clair with indexer or matcher sections would be misleading.
    expect(config.indexer).toBeUndefined();
    expect(config.matcher).toBeUndefined();
    expect(config.notifier).toMatchObject({
      connstring: base.connStrings.notifier,
      // The combo Clair migrated it.
      migrations: false,
      indexer_addr: 'http://127.0.0.1:7777/',
      matcher_addr: 'http://127.0.0.1:7777/',
      poll_interval: '1m',
      delivery_interval: '1m',
      webhook: { target: 'http://127.0.0.1:9/hook' },
    });
    expect(config.auth).toEqual(clairConfig(base).auth);
  });
});
