import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';

// Docker engines do not run here, so images are not built in CI; instead each Dockerfile is checked against the
// package it ships and the Deployment that runs it: multi-stage, pinned base images, a non-root user matching
// the Deployment's securityContext, and an entry point that is the package's real `bin`.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

const DEPLOYABLES = [
  { dir: 'packages/core-operator', deploy: 'deploy/core-operator', image: 'nimbus-core-operator' },
  { dir: 'packages/adapter-kubearmor', deploy: 'deploy/adapter-kubearmor', image: 'nimbus-kubearmor' },
  { dir: 'examples/adapter-netpol', deploy: 'deploy/adapter-netpol', image: 'nimbus-netpol' },
  { dir: 'packages/adapter-clair', deploy: 'deploy/adapter-clair', image: 'nimbus-clair' },
];

interface Deployment {
  kind: string;
  spec: {
    template: {
      spec: {
        securityContext?: { runAsUser?: number; runAsNonRoot?: boolean };
        containers: {
          image: string;
          securityContext?: { readOnlyRootFilesystem?: boolean };
          ports?: { containerPort: number }[];
        }[];
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

describe.each(DEPLOYABLES)('$dir/Dockerfile', ({ dir, deploy, image }) => {
  const dockerfile = instructions(readFileSync(join(ROOT, dir, 'Dockerfile'), 'utf8'));
  const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as {
    name: string;
    bin: Record<string, string>;
  };
  const froms = dockerfile.filter((i) => i.op === 'FROM');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf(froms.at(-1) as { op: string; args: string }));
  const deployment = (
    loadAll(readFileSync(join(ROOT, deploy, 'deployment.yaml'), 'utf8')) as Deployment[]
  ).find((d) => d.kind === 'Deployment');

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

  it('runs the package’s bin, which exists in source', () => {
    const entry = finalStage.find((i) => i.op === 'ENTRYPOINT');
    const argv = JSON.parse(entry?.args ?? '[]') as string[];
    const main = argv.at(-1) ?? '';
    expect(Object.values(pkg.bin).map((p) => p.replace(/^\.\//, ''))).toContain(main);
    expect(existsSync(join(ROOT, dir, main.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')))).toBe(true);
  });

  it('runs as the non-root user the Deployment expects, with the image it names', () => {
    const user = finalStage.find((i) => i.op === 'USER')?.args ?? '';
    const uid = Number(user.split(':')[0]);
    expect(uid).toBeGreaterThan(0);
    const pod = deployment?.spec.template.spec;
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid });
    expect(pod?.containers[0]?.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(pod?.containers[0]?.image).toMatch(new RegExp(`^ghcr\\.io/nimbus-ts/${image}:`));
    expect(readFileSync(join(ROOT, dir, 'Dockerfile'), 'utf8')).toContain(`ghcr.io/nimbus-ts/${image}:`);
  });

  it('exposes every port the Deployment’s container names', () => {
    const exposed = finalStage
      .filter((i) => i.op === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/))
      .map((p) => Number(p.split('/')[0]));
    const named = deployment?.spec.template.spec.containers[0]?.ports?.map((p) => p.containerPort) ?? [];
    expect(named.length).toBeGreaterThan(0);
    expect(exposed).toEqual(expect.arrayContaining(named));
  });
});
