import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { crdDirectory as nimbusCrds } from '@nimbus-ts/api';
import { ObjectClient, PODS, SECRETS, VALIDATING_WEBHOOK_CONFIGURATIONS } from '@nimbus-ts/k8s';
import {
  type ComponentProcess,
  freeLoopbackPorts,
  pollUntil,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import type { ImageAdmissionPolicy, ImageScanPolicy } from '@nimbus-ts/scan-api';
import { crdDirectory, IMAGE_ADMISSION_POLICIES, IMAGE_SCAN_POLICIES } from '@nimbus-ts/scan-api';
import { runningPodStatus } from '@nimbus-ts/scan-testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every component, run as deployed (its dist/main.js, configured by its environment), with credentials planted
// where they can reach a log line: a pull Secret's password, a password in CLAIR_URL (a start-up error), and a
// bearer token that a registry hands out and then echoes back in an error, as broken proxies do. All their
// output, stdout and stderr, is searched for each credential, plain and base64.

/** A component's entry point in this repository: `packages/<pkg>`, or `examples/<pkg>` (the netpol adapter). */
const dist = (pkg: string, file = 'main.js') =>
  fileURLToPath(
    new URL(`../../../${pkg.includes('/') ? pkg : `packages/${pkg}`}/dist/${file}`, import.meta.url),
  );
const PULL_PASSWORD = 'planted-pull-password-7f3a';
const CLAIR_PASSWORD = 'planted-clair-password-91c2';
const BEARER_TOKEN = 'planted-bearer-token-5d0e';
const PLANTED = [PULL_PASSWORD, CLAIR_PASSWORD, BEARER_TOKEN];
/** The forms a credential takes on the wire: itself, and base64 in a Basic authorization. */
const forms = (secret: string) => [secret, Buffer.from(`puller:${secret}`).toString('base64')];
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** A registry that wants a token, hands out the planted one, then fails every read echoing the request's headers. */
function echoingRegistry(): { server: Server; seen: string[] } {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    seen.push(`${req.method} ${path} ${req.headers.authorization ?? ''}`);
    const port = (server.address() as AddressInfo).port;
    if (path.startsWith('/token')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: BEARER_TOKEN, access_token: BEARER_TOKEN, expires_in: 300 }));
      return;
    }
    if (!req.headers.authorization?.startsWith('Bearer ')) {
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="echo"`,
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        errors: [
          { code: 'UNKNOWN', message: `upstream failed for authorization: ${req.headers.authorization}` },
        ],
      }),
    );
  });
  return { server, seen };
}

describe('no credential in any log line of any component', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'no-credentials-test');
  const suffix = Math.random().toString(36).slice(2, 7);
  const output: string[] = [];
  const processes: ComponentProcess[] = [];
  const registry = echoingRegistry();
  let registryHost = '';
  let home: TestNamespace;
  let admission: TestNamespace;
  let scanned: TestNamespace;

  /** Starts `main` with `env`, keeping everything it writes to stdout and stderr. */
  const start = (main: string, args: string[], extra: Record<string, string>) => {
    const component = startComponentProcess(
      main,
      [
        `--kubeconfig=${env.kubeconfigPath}`,
        '--metrics-port=0',
        '--probe-port=0',
        '--log-level=debug',
        ...args,
      ],
      { env: extra },
    );
    component.child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    component.child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    processes.push(component);
    return component;
  };
  const startedLine = (component: ComponentProcess, message: string) =>
    pollUntil(`${message}`, 60_000, () => component.logs.some((l) => l.message === message));

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    await new Promise<void>((resolve) => registry.server.listen(0, '127.0.0.1', resolve));
    registryHost = `127.0.0.1:${(registry.server.address() as AddressInfo).port}`;
    home = await env.namespace('creds-home');
    admission = await env.namespace('creds-admission');
    scanned = await env.namespace('creds-scanned');
    for (const ns of [admission, scanned]) {
      await admin.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'pull', namespace: ns.name },
        type: 'kubernetes.io/dockerconfigjson',
        stringData: {
          '.dockerconfigjson': JSON.stringify({
            auths: { [registryHost]: { username: 'puller', password: PULL_PASSWORD } },
          }),
        },
      } as never);
    }
  }, 120_000);
  afterAll(async () => {
    for (const component of processes) await component.stop('SIGKILL');
    // The webhook never deletes its configuration; a fail-closed one must not outlive the file.
    await admin.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: `nimbus-clair-creds-${suffix}` });
    await new Promise<void>((resolve) => registry.server.close(() => resolve()));
    for (const ns of [admission, scanned, home]) await ns?.delete();
  });

  it('not on a start-up error: a password in CLAIR_URL', async () => {
    const withPassword = {
      CLAIR_URL: `http://nimbus:${CLAIR_PASSWORD}@127.0.0.1:1`,
      POD_NAMESPACE: home.name,
    };
    const codes: (number | null)[] = [];
    for (const [i, main] of [dist('adapter-clair'), dist('adapter-admission')].entries()) {
      // Its own Lease, so that a process that did start cannot hold the scanner's from the next test.
      const component = start(
        main,
        ['--leader-elect=false', `--lease-name=creds-config-${i}-${suffix}`],
        withPassword,
      );
      await pollUntil(
        'it to refuse its configuration (or to start)',
        60_000,
        () =>
          component.child.exitCode !== null ||
          component.logs.some((l) => l.message === 'serving probes and metrics'),
      );
      codes.push(component.child.exitCode);
      await component.stop('SIGKILL');
    }
    const text = output.join('');
    for (const form of forms(CLAIR_PASSWORD)) expect(text).not.toContain(form);
    expect(codes).toEqual([1, 1]);
    // Said, with the fix, and without the password.
    expect(text).toContain('http://[redacted]@127.0.0.1:1\\" holds credentials');
  });

  it('not while working: pull Secrets, tokens a registry hands out and echoes, the environment', async () => {
    const [webhookPort, closed] = await freeLoopbackPorts(2);
    const common = { CLAIR_URL: `http://127.0.0.1:${closed}`, INSECURE_REGISTRIES: registryHost };
    const operator = start(
      dist('core-operator'),
      [`--lease-namespace=${home.name}`, `--identity=op-${suffix}`],
      {
        NIMBUS_PLANTED: CLAIR_PASSWORD,
      },
    );
    const kubearmor = start(
      dist('adapter-kubearmor'),
      [`--lease-namespace=${home.name}`, `--identity=ka-${suffix}`],
      {
        NIMBUS_PLANTED: CLAIR_PASSWORD,
      },
    );
    const netpol = start(
      dist('examples/adapter-netpol'),
      [`--lease-namespace=${home.name}`, `--identity=np-${suffix}`],
      {
        NIMBUS_PLANTED: CLAIR_PASSWORD,
      },
    );
    const scanner = start(
      dist('adapter-clair'),
      [`--lease-namespace=${home.name}`, `--identity=clair-${suffix}`],
      { ...common, SCAN_NAMESPACES: scanned.name },
    );
    const webhook = start(dist('adapter-admission'), ['--leader-elect=false'], {
      ...common,
      POD_NAMESPACE: home.name,
      WEBHOOK_PORT: String(webhookPort),
      WEBHOOK_URL: `https://127.0.0.1:${webhookPort}`,
      WEBHOOK_CONFIGURATION: `nimbus-clair-creds-${suffix}`,
    });
    for (const component of [operator, kubearmor, netpol, scanner])
      await startedLine(component, 'serving probes and metrics');
    await startedLine(webhook, 'serving admission reviews');

    // The webhook resolves a private image with the pod's pull Secret on admission.
    await admin.create<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES, {
      apiVersion: IMAGE_ADMISSION_POLICIES.apiVersion,
      kind: 'ImageAdmissionPolicy',
      metadata: { name: 'scanned-only', namespace: admission.name },
      spec: {
        selector: {},
        blockVulnerableImages: {
          action: 'Block',
          severityThreshold: 'Critical',
          unscannedImages: 'Deny',
          scanTimeoutSeconds: 5,
        },
      },
    } as ImageAdmissionPolicy);
    await pollUntil('the webhook to resolve the private image with the pull secret', 60_000, async () => {
      try {
        await admin.create(PODS, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `private-${Date.now()}`, namespace: admission.name },
          spec: {
            imagePullSecrets: [{ name: 'pull' }],
            containers: [{ name: 'app', image: `${registryHost}/shop/web:1.0` }],
          },
        });
      } catch {
        // Refused (the image cannot be scanned), or not yet sent to the webhook.
      }
      return registry.seen.some((l) => l.includes('/manifests/') && l.includes(`Bearer ${BEARER_TOKEN}`));
    });
    await pollUntil('the webhook to log the failure', 30_000, () =>
      webhook.logs.some((l) => l.message === 'an image could not be scanned on admission'),
    );

    // The scanner reads a running pod's image with its pull Secret.
    await admin.create<ImageScanPolicy>(IMAGE_SCAN_POLICIES, {
      apiVersion: IMAGE_SCAN_POLICIES.apiVersion as ImageScanPolicy['apiVersion'],
      kind: 'ImageScanPolicy',
      metadata: { name: 'all', namespace: scanned.name },
      spec: { selector: {}, severityThreshold: 'High', rescanInterval: '6h', ignoreUnfixed: false },
    } as ImageScanPolicy);
    const image = `${registryHost}/shop/api:2.0`;
    await admin.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'api', namespace: scanned.name },
      spec: { imagePullSecrets: [{ name: 'pull' }], containers: [{ name: 'app', image }] },
    } as never);
    await admin.patchStatus(
      PODS,
      { namespace: scanned.name, name: 'api' },
      { status: runningPodStatus([{ name: 'app', image, imageID: `${registryHost}/shop/api@${DIGEST}` }]) },
    );
    await pollUntil('the scanner to read the image with the pull secret and the token', 60_000, () =>
      registry.seen.some((l) => l.includes('/shop/api/') && l.includes(`Bearer ${BEARER_TOKEN}`)),
    );
    await pollUntil('the scanner to log the failure', 30_000, () =>
      scanner.logs.some((l) => l.level === 'warn' || l.level === 'error'),
    );

    const text = output.join('');
    // The registry did echo the token, and the Secret's password went out in a Basic authorization.
    expect(registry.seen.some((l) => l.includes(`Basic ${forms(PULL_PASSWORD)[1]}`))).toBe(true);
    for (const secret of PLANTED) {
      for (const form of forms(secret)) expect(text, `${secret} as ${form}`).not.toContain(form);
    }
    // The echo reached the logs (registry errors carry the registry's message), scrubbed: the check above is not
    // vacuous.
    expect(text).toContain('upstream failed for authorization: Bearer [redacted]');
  });
});
