import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { type CRDSource, installCRDs } from './crds.js';
import { kubeConfigFrom } from './kubeconfig.js';
import { runKubectl } from './kubectl.js';
import { createTestNamespace, type TestNamespace } from './namespace.js';
import { importCertificateAuthority, type KeyPairPem } from './pki.js';
import { createUser, type TestUser } from './users.js';

/** What the global setup hands to test files: plain data, since it crosses into worker processes. */
export interface EnvtestContext {
  readonly kubeconfigPath: string;
  readonly server: string;
  readonly dir: string;
  readonly logs: Readonly<Record<string, string>>;
  readonly kubectl: string;
  readonly ca: KeyPairPem;
}

declare module 'vitest' {
  export interface ProvidedContext {
    nimbusEnvtest: EnvtestContext;
  }
}

/** The shared control plane as a test file sees it. */
export interface Envtest extends EnvtestContext {
  /** Admin (`system:masters`) client config. */
  readonly kubeConfig: KubeConfig;
  /** A fresh namespace for this test; delete it in `afterAll`/`afterEach`. */
  namespace(prefix: string): Promise<TestNamespace>;
  /** A user with no rights until bound to a role. */
  addUser(name: string, groups?: readonly string[]): Promise<TestUser>;
  /** Installs CRDs and waits until they are served. */
  installCRDs(sources: readonly CRDSource[]): Promise<string[]>;
  /** Runs kubectl as admin; rejects with its stderr on failure. */
  runKubectl(args: readonly string[]): Promise<string>;
}

/** Returns the run's shared control plane; call it inside a test file of a project using the global setup. */
export function envtest(): Envtest {
  const ctx = inject('nimbusEnvtest');
  if (!ctx) {
    throw new Error(
      'envtest(): no control plane was provided. Fix: add @nimbus-ts/k8s/testing/vitest-global-setup to ' +
        "this vitest project's globalSetup.",
    );
  }
  const kubeConfig = kubeConfigFrom(readFileSync(ctx.kubeconfigPath, 'utf8'));
  return {
    ...ctx,
    kubeConfig,
    namespace: (prefix) => createTestNamespace(kubeConfig, prefix),
    addUser: async (name, groups = []) =>
      createUser(await importCertificateAuthority(ctx.ca), ctx.server, join(ctx.dir, 'users'), name, groups),
    installCRDs: (sources) => installCRDs(kubeConfig, sources),
    runKubectl: (args) => runKubectl(ctx.kubectl, ctx.kubeconfigPath, args),
  };
}
