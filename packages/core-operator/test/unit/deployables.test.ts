import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';

// Docker engines do not run here, so images are not built in CI; instead each Dockerfile is checked against the
// package it ships and the Deployments that run it: multi-stage, pinned base images, a non-root user matching
// each Deployment's securityContext, and entry points that are the package's real `bin`s. An image may run more
// than one bin: a Deployment picks another one by overriding the container's command.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** A Deployment of a package's image: the file, the `bin` its container runs, and its leader election. */
interface DeploymentUse {
  readonly file: string;
  readonly bin: string;
  /** False for a component whose every replica must work, such as a webhook the API server calls. */
  readonly leaderElect: boolean;
}

const DEPLOYABLES: {
  dir: string;
  deploy: string;
  image: string;
  deployments: DeploymentUse[];
}[] = [
  {
    dir: 'packages/core-operator',
    deploy: 'deploy/core-operator',
    image: 'nimbus-core-operator',
    deployments: [{ file: 'deployment.yaml', bin: 'nimbus-core-operator', leaderElect: true }],
  },
  {
    dir: 'packages/adapter-kubearmor',
    deploy: 'deploy/adapter-kubearmor',
    image: 'nimbus-kubearmor',
    deployments: [{ file: 'deployment.yaml', bin: 'nimbus-kubearmor', leaderElect: true }],
  },
  {
    dir: 'examples/adapter-netpol',
    deploy: 'deploy/adapter-netpol',
    image: 'nimbus-netpol',
    deployments: [{ file: 'deployment.yaml', bin: 'nimbus-netpol', leaderElect: true }],
  },
  {
    dir: 'packages/adapter-clair',
    deploy: 'deploy/adapter-clair',
    image: 'nimbus-clair',
    deployments: [
      { file: 'deployment.yaml', bin: 'nimbus-clair', leaderElect: true },
      { file: 'webhook-deployment.yaml', bin: 'nimbus-clair-webhook', leaderElect: false },
    ],
  },
];

interface Container {
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  securityContext?: { readOnlyRootFilesystem?: boolean };
  ports?: { name?: string; containerPort: number }[];
}

interface Deployment {
  kind: string;
  spec: {
    template: {
      spec: {
        securityContext?: { runAsUser?: number; runAsNonRoot?: boolean };
        containers: Container[];
      };
    };
  };
}

/** The Dockerfile's instructions, with `\` continuations joined and comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** The one Deployment in a manifest file (which may hold other kinds too). */
function deploymentIn(path: string): Deployment {
  const found = (loadAll(readFileSync(path, 'utf8')) as Deployment[]).filter((d) => d?.kind === 'Deployment');
  expect(found, `${path} holds one Deployment`).toHaveLength(1);
  return found[0] as Deployment;
}

describe.each(DEPLOYABLES)('$dir/Dockerfile', ({ dir, deploy, image, deployments }) => {
  const dockerfileText = readFileSync(join(ROOT, dir, 'Dockerfile'), 'utf8');
  const dockerfile = instructions(dockerfileText);
  const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as {
    name: string;
    bin: Record<string, string>;
  };
  const froms = dockerfile.filter((i) => i.op === 'FROM');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf(froms.at(-1) as { op: string; args: string }));
  const entrypoint = JSON.parse(finalStage.find((i) => i.op === 'ENTRYPOINT')?.args ?? '[]') as string[];
  const exposed = finalStage
    .filter((i) => i.op === 'EXPOSE')
    .flatMap((i) => i.args.split(/\s+/))
    .map((p) => Number(p.split('/')[0]));
  const uses = deployments.map((use) => {
    const deployment = deploymentIn(join(ROOT, deploy, use.file));
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0] as Container;
    return { ...use, pod, container };
  });

  it('is multi-stage, on pinned base images', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) {
      const ref = from.args.split(/\s+/)[0] ?? '';
      expect(ref, `${from.args} names a tag`).toMatch(/:[^/]+$/);
      expect(ref).not.toMatch(/:latest$/);
    }
    expect(froms[0]?.args).toMatch(/^node:24\./);
    expect(froms.at(-1)?.args).toMatch(/nodejs24/);
  });

  it('builds and deploys exactly this package', () => {
    const run = dockerfile
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join(' ');
    expect(run).toContain(`--filter ${pkg.name}...`);
    expect(run).toContain(`--filter ${pkg.name} deploy --prod`);
  });

  it('has an entry point that is one of the package’s bins', () => {
    const main = entrypoint.at(-1) ?? '';
    expect(Object.values(pkg.bin).map((p) => p.replace(/^\.\//, ''))).toContain(main);
  });

  it.each(deployments.map((d) => d.file))(
    'the container of %s runs its bin, which exists in source',
    (file) => {
      const use = uses.find((u) => u.file === file);
      // A command replaces the image's ENTRYPOINT: it must use the interpreter the image has.
      const argv = use?.container.command ?? entrypoint;
      expect(argv[0]).toBe(entrypoint[0]);
      const main = argv.at(-1) ?? '';
      expect(pkg.bin[use?.bin ?? '']?.replace(/^\.\//, ''), `bin ${use?.bin} of ${pkg.name}`).toBe(main);
      expect(existsSync(join(ROOT, dir, main.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')))).toBe(true);
    },
  );

  it.each(deployments.map((d) => d.file))('the container of %s elects a leader only if it should', (file) => {
    const use = uses.find((u) => u.file === file);
    expect(use?.container.args).toContain(`--leader-elect=${use?.leaderElect}`);
  });

  it.each(deployments.map((d) => d.file))(
    '%s runs as the non-root user the image has, with the image this Dockerfile builds',
    (file) => {
      const user = finalStage.find((i) => i.op === 'USER')?.args ?? '';
      const uid = Number(user.split(':')[0]);
      expect(uid).toBeGreaterThan(0);
      const use = uses.find((u) => u.file === file);
      expect(use?.pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid });
      expect(use?.container.securityContext?.readOnlyRootFilesystem).toBe(true);
      expect(use?.container.image).toMatch(new RegExp(`^ghcr\\.io/nimbus-ts/${image}:`));
      expect(dockerfileText).toContain(`ghcr.io/nimbus-ts/${image}:`);
    },
  );

  it.each(deployments.map((d) => d.file))('exposes every port the container of %s names', (file) => {
    const named = uses.find((u) => u.file === file)?.container.ports?.map((p) => p.containerPort) ?? [];
    expect(named.length).toBeGreaterThan(0);
    expect(exposed).toEqual(expect.arrayContaining(named));
  });
});

describe('deploy/adapter-clair/webhook-deployment.yaml', () => {
  const container = deploymentIn(join(ROOT, 'deploy/adapter-clair/webhook-deployment.yaml')).spec.template
    .spec.containers[0] as Container;
  const env = (name: string) => container.env?.find((e) => e.name === name)?.value;

  it('serves HTTPS on the port it names webhook, which the Service targets', () => {
    const port = container.ports?.find((p) => p.name === 'webhook')?.containerPort;
    expect(env('WEBHOOK_PORT')).toBe(String(port));
    const services = loadAll(
      readFileSync(join(ROOT, 'deploy/adapter-clair/webhook-service.yaml'), 'utf8'),
    ) as { metadata: { name: string }; spec: { ports: { port: number; targetPort: string | number }[] } }[];
    const service = services.find((s) => s.metadata.name === env('WEBHOOK_SERVICE'));
    // The configuration the webhook keeps points the API server at port 443 of that Service.
    expect(service?.spec.ports).toContainEqual(expect.objectContaining({ port: 443, targetPort: 'webhook' }));
  });

  it('keeps the configuration and Secret its RBAC lets it update', () => {
    const rules = (
      loadAll(readFileSync(join(ROOT, 'deploy/adapter-clair/webhook-rbac.yaml'), 'utf8')) as {
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
