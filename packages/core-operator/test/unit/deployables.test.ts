import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';

// What the manifests of deploy/ must agree on beyond RBAC. The images themselves, and how each Deployment runs
// its image, are checked where the images are built (tools/images/test/unit/components.test.ts).

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

interface Container {
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort: number }[];
}

interface Deployment {
  kind: string;
  spec: { template: { spec: { containers: Container[] } } };
}

/** The one Deployment in a manifest file (which may hold other kinds too). */
function deploymentIn(path: string): Deployment {
  const found = (loadAll(readFileSync(path, 'utf8')) as Deployment[]).filter((d) => d?.kind === 'Deployment');
  expect(found, `${path} holds one Deployment`).toHaveLength(1);
  return found[0] as Deployment;
}

describe('deploy/adapter-admission/deployment.yaml', () => {
  const container = deploymentIn(join(ROOT, 'deploy/adapter-admission/deployment.yaml')).spec.template.spec
    .containers[0] as Container;
  const env = (name: string) => container.env?.find((e) => e.name === name)?.value;

  it('serves HTTPS on the port it names webhook, which the Service targets', () => {
    const port = container.ports?.find((p) => p.name === 'webhook')?.containerPort;
    expect(env('WEBHOOK_PORT')).toBe(String(port));
    const services = loadAll(readFileSync(join(ROOT, 'deploy/adapter-admission/service.yaml'), 'utf8')) as {
      metadata: { name: string };
      spec: { ports: { port: number; targetPort: string | number }[] };
    }[];
    const service = services.find((s) => s.metadata.name === env('WEBHOOK_SERVICE'));
    // The configuration the webhook keeps points the API server at port 443 of that Service.
    expect(service?.spec.ports).toContainEqual(expect.objectContaining({ port: 443, targetPort: 'webhook' }));
  });

  it('keeps the configuration and Secret its RBAC lets it update', () => {
    const rules = (
      loadAll(readFileSync(join(ROOT, 'deploy/adapter-admission/rbac.yaml'), 'utf8')) as {
        kind: string;
        rules?: { resources: string[]; verbs: string[]; resourceNames?: string[] }[];
      }[]
    ).flatMap((o) => o.rules ?? []);
    const updatable = (resource: string) =>
      rules.filter((r) => r.resources.includes(resource) && r.verbs.includes('update'));
    expect(updatable('validatingwebhookconfigurations').map((r) => r.resourceNames)).toEqual([
      [env('WEBHOOK_CONFIGURATION')],
    ]);
    expect(updatable('secrets').map((r) => r.resourceNames)).toEqual([[env('WEBHOOK_TLS_SECRET')]]);
  });
});
