import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  classifyRegistryPath,
  fetchRegistryToken,
  parseBearerChallenge,
  parseScope,
  RegistryClient,
  type RegistryFront,
  requiredActions,
  startRegistryFront,
} from '../../src/index.js';

describe('registry protocol helpers', () => {
  it('parses Bearer challenges, quoted or not, and ignores other schemes', () => {
    expect(
      parseBearerChallenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
      ),
    ).toEqual({
      realm: 'https://auth.example/token',
      service: 'registry.example',
      scope: 'repository:a/b:pull,push',
    });
    expect(parseBearerChallenge('bearer realm=http://x/token, service=svc')).toEqual({
      realm: 'http://x/token',
      service: 'svc',
    });
    expect(parseBearerChallenge('Bearer realm="a\\"b"')).toEqual({ realm: 'a"b' });
    expect(parseBearerChallenge('Basic realm="registry"')).toBeUndefined();
    expect(parseBearerChallenge('Bearer service="x"')).toBeUndefined();
    expect(parseBearerChallenge(null)).toBeUndefined();
  });

  it('parses token scopes, including names with a registry port', () => {
    expect(
      parseScope('repository:a/b:pull,push repository:localhost:5000/c:pull registry:catalog:*'),
    ).toEqual([
      { type: 'repository', name: 'a/b', actions: ['pull', 'push'] },
      { type: 'repository', name: 'localhost:5000/c', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    expect(parseScope('garbage')).toEqual([]);
  });

  it('classifies registry API paths and finds nested repository names', () => {
    expect(classifyRegistryPath('/v2/')).toEqual({ kind: 'base' });
    expect(classifyRegistryPath('/token?scope=x')).toEqual({ kind: 'token' });
    expect(classifyRegistryPath('/v2/a/b/c/manifests/1.0')).toEqual({
      kind: 'manifests',
      repository: 'a/b/c',
    });
    expect(classifyRegistryPath('/v2/a/blobs/sha256:00')).toEqual({ kind: 'blobs', repository: 'a' });
    expect(classifyRegistryPath('/v2/a/blobs/uploads/')).toEqual({ kind: 'uploads', repository: 'a' });
    expect(classifyRegistryPath('/v2/a/blobs/uploads/123?digest=sha256:1')).toEqual({
      kind: 'uploads',
      repository: 'a',
    });
    expect(classifyRegistryPath('/v2/blobs/blobs/sha256:1')).toEqual({ kind: 'blobs', repository: 'blobs' });
    expect(classifyRegistryPath('/v2/a/tags/list')).toEqual({ kind: 'tags', repository: 'a' });
    expect(classifyRegistryPath('/v2/_catalog')).toEqual({ kind: 'other' });
  });

  it('needs pull to read and pull+push to write', () => {
    expect(requiredActions('GET')).toEqual(['pull']);
    expect(requiredActions('HEAD')).toEqual(['pull']);
    expect(requiredActions('PUT')).toEqual(['pull', 'push']);
  });
});

describe('the registry front with a login', () => {
  const credentials = { username: 'ci', password: 'pw' };
  let backend: Server;
  let backendUrl: string;
  let front: RegistryFront;
  const seen: { url: string; authorization?: string; body: string }[] = [];

  beforeAll(async () => {
    // A stand-in registry that echoes what it received, and answers uploads with a backend-absolute Location.
    backend = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push({
          url: req.url ?? '',
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          body,
        });
        if (req.method === 'POST') {
          res.writeHead(202, { location: `${backendUrl}/v2/app/blobs/uploads/42` });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(`blob for ${req.url}`);
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    front = await startRegistryFront({ backend: backendUrl, auth: credentials, tokenTtlSeconds: 60 });
  });

  afterAll(async () => {
    await front.close();
    await new Promise((resolve) => backend.close(resolve));
  });

  it('challenges an anonymous pull with the realm, service and pull scope', async () => {
    const res = await fetch(`${front.url}/v2/app/blobs/sha256:abc`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="${front.url}/token",service="nimbus-test-registry",scope="repository:app:pull"`,
    );
    expect(await res.json()).toEqual({
      errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }],
    });
    const push = await fetch(`${front.url}/v2/app/blobs/uploads/`, { method: 'POST' });
    expect(parseBearerChallenge(push.headers.get('www-authenticate'))?.scope).toBe(
      'repository:app:pull,push',
    );
  });

  it('issues tokens only for the right Basic credentials', async () => {
    const challenge = {
      realm: `${front.url}/token`,
      service: 'nimbus-test-registry',
      scope: 'repository:app:pull',
    };
    await expect(fetchRegistryToken(challenge)).rejects.toThrow(/answered 401/);
    await expect(fetchRegistryToken(challenge, { username: 'ci', password: 'nope' })).rejects.toThrow(
      /answered 401/,
    );
    const res = await fetch(`${front.url}/token?service=nimbus-test-registry&scope=repository:app:pull`, {
      headers: { authorization: `Basic ${Buffer.from('ci:pw').toString('base64')}` },
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ expires_in: 60 });
    expect(body.token).toBe(body.access_token);
    expect(typeof body.issued_at).toBe('string');
  });

  it('streams authorized requests to the backend without the token, and counts them', async () => {
    const token = await fetchRegistryToken(
      { realm: `${front.url}/token`, scope: 'repository:app:pull' },
      credentials,
    );
    const before = front.requests.length;
    const res = await fetch(`${front.url}/v2/app/blobs/sha256:abc`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('blob for /v2/app/blobs/sha256:abc');
    expect(seen.at(-1)).toEqual({ url: '/v2/app/blobs/sha256:abc', body: '' });
    expect(front.requests.slice(before)).toEqual([
      { method: 'GET', path: '/v2/app/blobs/sha256:abc', kind: 'blobs', repository: 'app', status: 200 },
    ]);
  });

  it('refuses a pull-only token for a push with insufficient_scope, and another repository', async () => {
    const token = await fetchRegistryToken(
      { realm: `${front.url}/token`, scope: 'repository:app:pull' },
      credentials,
    );
    const push = await fetch(`${front.url}/v2/app/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(push.status).toBe(401);
    expect(push.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    const other = await fetch(`${front.url}/v2/other/blobs/sha256:abc`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(other.status).toBe(401);
  });

  it('rewrites backend-absolute upload locations to the front', async () => {
    const client = new RegistryClient(front.url, credentials);
    const res = await client.request('/v2/app/blobs/uploads/', 'repository:app:pull,push', {
      method: 'POST',
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`${front.url}/v2/app/blobs/uploads/42`);
  });

  it('rejects tokens once they expire', async () => {
    const client = new RegistryClient(front.url, credentials);
    const token = await client.token('repository:app:pull');
    const ok = await fetch(`${front.url}/v2/app/manifests/1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.status).toBe(200);
    front.expireTokens();
    const expired = await fetch(`${front.url}/v2/app/manifests/1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // The client notices the 401, fetches a fresh token and retries.
    expect((await client.request('/v2/app/manifests/1', 'repository:app:pull')).status).toBe(200);
  });

  it('lets tokens lapse after expires_in', async () => {
    const short = await startRegistryFront({ backend: backendUrl, auth: credentials, tokenTtlSeconds: 1 });
    // The front reads the clock (Date) to expire tokens: move it, rather than wait a second.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const token = await fetchRegistryToken(
        { realm: `${short.url}/token`, scope: 'repository:app:pull' },
        credentials,
      );
      const url = `${short.url}/v2/app/manifests/1`;
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      vi.setSystemTime(Date.now() + 999);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      vi.setSystemTime(Date.now() + 1);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    } finally {
      vi.useRealTimers();
      await short.close();
    }
  });
});

describe('the registry front without a login', () => {
  it('passes everything through and still counts', async () => {
    const backend = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const front = await startRegistryFront({
      backend: `http://127.0.0.1:${(backend.address() as AddressInfo).port}`,
    });
    try {
      expect((await fetch(`${front.url}/v2/`)).status).toBe(200);
      expect((await fetch(`${front.url}/v2/x/manifests/1`, { method: 'HEAD' })).status).toBe(200);
      expect(front.requests.map((r) => `${r.method} ${r.kind}`)).toEqual(['GET base', 'HEAD manifests']);
    } finally {
      await front.close();
      await new Promise((resolve) => backend.close(resolve));
    }
  });
});
