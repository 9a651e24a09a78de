import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Why a package must not be in a production dependency closure, or undefined if it may. Test tooling has no
 * business in a deployed component; `@kubernetes/client-node` is used by production code only as types (its
 * API models alone are ~60 MB), and at run time only by the `./testing` entry points, which declare it as an
 * optional peer.
 */
export function productionExclusionReason(name: string): string | undefined {
  if (name === 'vitest' || name.startsWith('@vitest/') || name === 'vite') {
    return 'test tooling (the optional vitest peer of @nimbus-ts/k8s/testing/vitest must not be installed)';
  }
  if (name === '@kubernetes/client-node') {
    return 'types only in production code (an optional peer for ./testing and TypeScript users)';
  }
  return undefined;
}

/**
 * The package name in a directory of pnpm's virtual store (`node_modules/.pnpm`): `@scope+name@1.2.3_peers`
 * → `@scope/name`, `name@1.2.3` → `name`. Undefined for pnpm's own entries (`node_modules`, `lock.yaml`).
 */
export function virtualStorePackageName(entry: string): string | undefined {
  const scoped = entry.startsWith('@');
  const body = scoped ? entry.slice(1) : entry;
  const at = body.indexOf('@');
  if (at <= 0) return undefined;
  const name = body.slice(0, at);
  return scoped ? `@${name.replace('+', '/')}` : name;
}

/** The packages installed in a pnpm `node_modules` (from its virtual store), by name. */
export function pnpmInstalledPackages(nodeModules: string): string[] {
  const store = join(nodeModules, '.pnpm');
  const names = readdirSync(store)
    .map(virtualStorePackageName)
    .filter((name): name is string => name !== undefined);
  return [...new Set(names)].sort();
}

/** The packages installed in an npm `node_modules`, nested ones included, by name. */
export function npmInstalledPackages(nodeModules: string): string[] {
  const names = new Set<string>();
  const visit = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(join(dir, entry))) {
          names.add(`${entry}/${scoped}`);
          visit(join(dir, entry, scoped, 'node_modules'));
        }
        continue;
      }
      names.add(entry);
      visit(join(dir, entry, 'node_modules'));
    }
  };
  visit(nodeModules);
  return [...names].sort();
}

/** Total size in bytes of the files under `dir` (symbolic links not followed, each file counted once). */
export function directorySize(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const visit = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
      return;
    }
    const inode = `${stat.dev}:${stat.ino}`;
    if (seen.has(inode)) return;
    seen.add(inode);
    total += stat.size;
  };
  visit(dir);
  return total;
}
