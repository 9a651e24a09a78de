import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
import {
  ADAPTER_LABEL,
  type NimbusPolicy,
  crdDirectory as nimbusCrds,
  RESOURCES,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { LEASES, ObjectClient } from '@nimbus-ts/k8s';
import {
  type ApiProxy,
  type ComponentProcess,
  freeLoopbackPorts,
  importCertificateAuthority,
  type ProxiedRequest,
  parseManifests,
  pollUntil,
  startApiProxy,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { crdDirectory, IMAGE_ADMISSION_POLICIES, type ImageAdmissionPolicy } from '@nimbus-ts/scan-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two replicas of the admission adapter, run as deployed (dist/main.js with the args of
// deploy/adapter-admission/deployment.yaml): both must answer admission reviews, and only one may build
// ImageAdmissionPolicies — two builders double every write and Event and race on the same objects. Each replica
// talks to the API server through a proxy of its own, so the writes each one sends are counted on the wire.

const WEBHOOK_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const API = 'intent.security.nimbus.com/v1alpha1';
const DEPLOYMENT = fileURLToPath(
  new URL('../../../../deploy/adapter-admission/deployment.yaml', import.meta.url),
);

/** The webhook container's args, as deployed. */
function deployedArgs(): string[] {
  const deployment = parseManifests(readFileSync(DEPLOYMENT, 'utf8')).find((o) => o.kind === 'Deployment') as
    | { spec: { template: { spec: { containers: { args?: string[] }[] } } } }
    | undefined;
  return deployment?.spec.template.spec.containers[0]?.args ?? [];
}

/** A create, update or patch of an ImageAdmissionPolicy itself (not its status, which every serving replica marks). */
function buildsPolicy({ method, path }: ProxiedRequest): boolean {
  const url = new URL(path, 'https://proxy.invalid');
  return (
    ['POST', 'PUT', 'PATCH'].includes(method) &&
    url.pathname.includes('/imageadmissionpolicies') &&
    !url.pathname.endsWith('/status')
  );
}

interface AdmissionResponse {
  readonly uid?: string;
  readonly allowed?: boolean;
}

/** A read of NimbusPolicies (list or watch): only the SDK's builder reads them, the webhook never does. */
function readsNimbusPolicies({ method, path }: ProxiedRequest): boolean {
  return method === 'GET' && new URL(path, 'https://proxy.invalid').pathname.endsWith('/nimbuspolicies');
}

/**
 * POSTs an AdmissionReview of `pod`'s creation to the webhook on `port`; resolves with its response when it answers
 * this very review (200, same uid), else undefined.
 */
function review(
  port: number,
  pod: Record<string, unknown>,
  namespace: string,
): Promise<AdmissionResponse | undefined> {
  const uid = randomUUID();
  const body = Buffer.from(
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid,
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        namespace,
        operation: 'CREATE',
        userInfo: { username: 'webhook-replicas-test' },
        object: pod,
      },
    }),
  );
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/validate?timeout=10s',
        headers: { 'content-type': 'application/json', 'content-length': body.length },
        // The replicas' self-managed CA is not the point here.
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return resolve(undefined);
          const { response } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            response?: AdmissionResponse;
          };
          resolve(response?.uid === uid ? response : undefined);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('two replicas of the admission adapter, as deployed', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'webhook-replicas-test');
  const proxies: ApiProxy[] = [];
  const replicas: {
    process: ComponentProcess;
    port: number;
    policyWrites: () => number;
    builds: () => boolean;
  }[] = [];
  let home: TestNamespace;
  let guarded: TestNamespace;

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    home = await env.namespace('replicas-home');
    guarded = await env.namespace('replicas-guarded');
  });
  afterAll(async () => {
    for (const r of replicas) await r.process.stop('SIGKILL');
    for (const p of proxies) await p.close();
    for (const ns of [guarded, home]) await ns?.delete();
  });

  it('serves admission on both replicas while only the Lease holder builds ImageAdmissionPolicies', async () => {
    const ca = await importCertificateAuthority(env.ca);
    const ports = await freeLoopbackPorts(2);
    for (const [i, port] of ports.entries()) {
      let writes = 0;
      let builds = false;
      const proxy = await startApiProxy({
        upstream: env.kubeConfig,
        ca,
        dir: env.dir,
        delayMs: (req) => {
          if (buildsPolicy(req)) writes++;
          if (readsNimbusPolicies(req)) builds = true;
          return 0;
        },
      });
      proxies.push(proxy);
      const process = startComponentProcess(
        WEBHOOK_MAIN,
        [
          ...deployedArgs(),
          `--kubeconfig=${proxy.kubeconfigPath}`,
          `--lease-namespace=${home.name}`,
          `--identity=replica-${i}`,
          '--metrics-port=0',
          '--probe-port=0',
        ],
        {
          env: {
            POD_NAMESPACE: home.name,
            WEBHOOK_PORT: String(port),
            // Reviews come straight from the test: no ValidatingWebhookConfiguration to leave behind.
            WEBHOOK_MANAGE_CONFIGURATION: 'false',
          },
        },
      );
      replicas.push({ process, port, policyWrites: () => writes, builds: () => builds });
    }

    // Both serve, and both are Ready — a standby serves admission, so it must receive traffic.
    const readyz = async (p: ComponentProcess) =>
      p.probePort !== undefined && (await fetch(`http://127.0.0.1:${p.probePort}/readyz`)).status === 200;
    await pollUntil('both replicas to serve and be Ready', 60_000, async () => {
      for (const r of replicas) {
        if (r.process.child.exitCode !== null)
          throw new Error(`replica exited: ${JSON.stringify(r.process.logs)}`);
        if (!r.process.logs.some((l) => l.message === 'serving admission reviews')) return false;
        if (!(await readyz(r.process))) return false;
      }
      return true;
    });

    // The SDK builds only for a NimbusPolicy that an existing binding owns, as the core operator makes them.
    const binding = await admin.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name: 'tags', namespace: guarded.name },
      spec: { intents: [], selector: { workloadSelector: { matchLabels: { app: 'web' } } } },
    });
    await admin.create<NimbusPolicy>(RESOURCES.NimbusPolicy, {
      apiVersion: API,
      kind: 'NimbusPolicy',
      metadata: {
        name: 'tags',
        namespace: guarded.name,
        ownerReferences: [
          {
            apiVersion: API,
            kind: 'SecurityIntentBinding',
            name: 'tags',
            uid: binding.metadata?.uid ?? '',
            controller: true,
          },
        ],
      },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        rules: [{ id: 'disallowLatestTag', rule: { action: 'Block' } }],
      },
    });
    // Built, and served (every serving replica marks it Ready).
    await pollUntil('the ImageAdmissionPolicy to be built and Ready', 60_000, async () => {
      const [built] = await admin.list<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES, guarded.name);
      return built?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    });

    // Both replicas have the policy and refuse a :latest image — each one answers admission.
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: guarded.name, labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'nginx:latest' }] },
    };
    await pollUntil('both replicas to refuse nginx:latest', 30_000, async () => {
      const answers = await Promise.all(replicas.map((r) => review(r.port, pod, guarded.name)));
      return answers.every((a) => a?.allowed === false);
    });

    // One builder only: one replica reads NimbusPolicies at all (a second builder's reads show even when it had
    // nothing left to write), and only that one writes ImageAdmissionPolicies.
    const reads = replicas.map((r) => r.builds());
    expect(reads.filter(Boolean), `replicas reading NimbusPolicies: ${reads}`).toHaveLength(1);
    const writes = replicas.map((r) => r.policyWrites());
    expect(
      writes.filter((n) => n > 0),
      `ImageAdmissionPolicy writes per replica: ${writes}`,
    ).toHaveLength(1);
    // The writer is the Lease holder, and the Lease still announces the adapter to the core operator.
    const lease = await admin.get<{
      metadata: { labels?: Record<string, string> };
      spec?: { holderIdentity?: string };
    }>(LEASES, { namespace: home.name, name: 'nimbus-admission' });
    expect(replicas.findIndex((r) => r.builds())).toBe(writes.findIndex((n) => n > 0));
    expect(lease?.spec?.holderIdentity).toBe(`replica-${writes.findIndex((n) => n > 0)}`);
    expect(lease?.metadata.labels?.[ADAPTER_LABEL]).toBe('admission');
    for (const r of replicas) expect(r.process.child.exitCode).toBeNull();
  }, 180_000);
});
