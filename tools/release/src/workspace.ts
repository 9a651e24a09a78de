import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the release tooling reads of a workspace package's package.json. */
export interface WorkspacePackage {
  /** The directory, relative to the repository root (e.g. `packages/k8s`). */
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  readonly private: boolean;
}

/** The folders `pnpm-workspace.yaml` lists whose children are packages. */
const PACKAGE_PARENTS = ['packages', 'examples', 'tools'];

/** Every workspace package below `root`, public and private, sorted by directory. */
export async function workspacePackages(root: string): Promise<WorkspacePackage[]> {
  const found: WorkspacePackage[] = [];
  for (const parent of PACKAGE_PARENTS) {
    let children: string[];
    try {
      children = await readdir(join(root, parent));
    } catch {
      continue;
    }
    for (const child of children) {
      const dir = `${parent}/${child}`;
      let manifest: { name?: string; version?: string; private?: boolean };
      try {
        manifest = JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      if (!manifest.name) continue;
      found.push({
        dir,
        name: manifest.name,
        version: manifest.version ?? '0.0.0',
        private: manifest.private === true,
      });
    }
  }
  return found.sort((a, b) => a.dir.localeCompare(b.dir));
}

/** The packages that are published to npm (not `private`). */
export async function publicPackages(root: string): Promise<WorkspacePackage[]> {
  return (await workspacePackages(root)).filter((p) => !p.private);
}
