import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

/** What the release tooling reads of a workspace package's package.json. */
export interface WorkspacePackage {
  /** The directory, relative to the repository root (e.g. `packages/k8s`). */
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  readonly private: boolean;
}

/**
 * The entries of `pnpm-workspace.yaml`: folders whose children are packages (`packages/*`) and single package
 * folders (`bench`, `e2e`).
 */
async function workspaceEntries(root: string): Promise<{ parents: string[]; singles: string[] }> {
  const manifest = parse(await readFile(join(root, 'pnpm-workspace.yaml'), 'utf8')) as {
    packages?: string[];
  };
  const entries = manifest.packages ?? [];
  return {
    parents: entries.filter((e) => e.endsWith('/*')).map((e) => e.slice(0, -2)),
    singles: entries.filter((e) => !e.includes('*')),
  };
}

async function readManifest(
  root: string,
  dir: string,
): Promise<{ name?: string; version?: string; private?: boolean } | undefined> {
  try {
    return JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every workspace package below `root`, public and private, sorted by directory. */
export async function workspacePackages(root: string): Promise<WorkspacePackage[]> {
  const { parents, singles } = await workspaceEntries(root);
  const dirs = [...singles];
  for (const parent of parents) {
    try {
      dirs.push(...(await readdir(join(root, parent))).map((child) => `${parent}/${child}`));
    } catch {
      // A listed folder that does not exist holds no packages.
    }
  }
  const found: WorkspacePackage[] = [];
  for (const dir of dirs) {
    const manifest = await readManifest(root, dir);
    if (!manifest?.name) continue;
    found.push({
      dir,
      name: manifest.name,
      version: manifest.version ?? '0.0.0',
      private: manifest.private === true,
    });
  }
  return found.sort((a, b) => a.dir.localeCompare(b.dir));
}

/** The packages that are published to npm (not `private`). */
export async function publicPackages(root: string): Promise<WorkspacePackage[]> {
  return (await workspacePackages(root)).filter((p) => !p.private);
}
