/**
 * The `allowedRegistries` syntax and how an image is matched against it.
 *
 * An entry is a registry host, with a port when it has one (`docker.io`, `ghcr.io`, `127.0.0.1:5000`),
 * optionally followed by a repository path prefix (`ghcr.io/myorg`, `docker.io/library`). A bare host allows
 * every image of the registry; that is rarely what one means for shared registries such as ghcr.io or
 * docker.io, where anybody can publish, hence the prefix. A prefix matches whole path components:
 * `ghcr.io/myorg` allows `ghcr.io/myorg/app` and `ghcr.io/myorg` itself, not `ghcr.io/myorg-evil/app`.
 * Paths are compared in their normalised form, so Docker Hub's official images are `docker.io/library`.
 *
 * Hosts compare case-insensitively, and Docker Hub's three names (`docker.io`, `index.docker.io`,
 * `registry-1.docker.io`) are one registry. Ports are compared as written: `localhost:5000` is not
 * `localhost`. A pasted `https://` and trailing slashes are ignored.
 */
import { DOCKER_HUB, type ImageReference } from '@nimbus-ts/registry';

/** One `allowedRegistries` entry, normalised. */
export interface RegistryPattern {
  /** The entry as written in the policy, for messages. */
  readonly entry: string;
  /** The normalised host (and port). */
  readonly host: string;
  /** The repository path prefix, without slashes at either end; absent for a bare host. */
  readonly pathPrefix?: string;
}

const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io']);
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A registry host in the form compared: lowercase, Docker Hub under one name. */
export function normaliseRegistryHost(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB : lower;
}

/** Parses an `allowedRegistries` entry. */
export function parseRegistryPattern(entry: string): RegistryPattern {
  const bare = entry.trim().replace(SCHEME, '').replace(/\/+$/, '');
  const slash = bare.indexOf('/');
  const host = normaliseRegistryHost(slash < 0 ? bare : bare.slice(0, slash));
  const pathPrefix =
    slash < 0
      ? ''
      : bare
          .slice(slash + 1)
          .replace(/^\/+/, '')
          .toLowerCase();
  return pathPrefix === '' ? { entry, host } : { entry, host, pathPrefix };
}

/** Whether `reference` comes from the registry (and path) of one of `patterns`. */
export function registryAllows(patterns: readonly RegistryPattern[], reference: ImageReference): boolean {
  const host = normaliseRegistryHost(reference.registry);
  return patterns.some(
    (pattern) =>
      pattern.host === host &&
      (pattern.pathPrefix === undefined ||
        reference.repository === pattern.pathPrefix ||
        reference.repository.startsWith(`${pattern.pathPrefix}/`)),
  );
}
