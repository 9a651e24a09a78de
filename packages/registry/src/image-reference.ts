/**
 * Container image references, parsed and normalised the way Docker and containerd do it (the grammar of
 * the distribution `reference` package): `nginx` is `docker.io/library/nginx:latest`, `user/app` is
 * `docker.io/user/app:latest`, and a first path component is a registry only if it looks like a host.
 * Getting this exactly right matters: credentials, registry allow-lists and the "latest tag" rule all key
 * on the normalised form, and a reference that normalises differently from the kubelet's view would look
 * up the wrong secret or let an image through.
 */

/** The registry Docker assumes when a reference names none. */
export const DOCKER_HUB = 'docker.io';

/** Docker Hub's historical name; references using it mean {@link DOCKER_HUB}. */
const LEGACY_DOCKER_HUB = 'index.docker.io';

/** Where Docker Hub's registry API actually answers; `docker.io` itself serves no `/v2/`. */
const DOCKER_HUB_API = 'registry-1.docker.io';

/** The tag Docker and containerd add to a reference that names neither a tag nor a digest. */
export const DEFAULT_TAG = 'latest';

/** The longest name (registry and repository) the reference grammar allows. */
const NAME_MAX_LENGTH = 255;

// Pieces of the distribution reference grammar.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_NAME =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;
const IPV6_LITERAL = /^\[[0-9a-fA-F:.]+\]$/;
const PORT = /^[0-9]+$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** A bare image ID, which Docker refuses as a repository name because it would be ambiguous. */
const IMAGE_ID = /^[a-f0-9]{64}$/;

/** Hex length of each digest algorithm Docker can verify; any other algorithm is refused. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** A parsed, normalised image reference. */
export interface ImageReference {
  /** Registry host with optional port, e.g. `docker.io`, `ghcr.io`, `localhost:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** Repository path inside the registry, e.g. `library/nginx`, `user/app`, `a/b/c`. */
  readonly repository: string;
  /**
   * The tag: as written, or `latest` when the reference names neither a tag nor a digest (what a runtime
   * pulls then). Absent for a digest-only reference.
   */
  readonly tag?: string;
  /** True when {@link tag} is the implied `latest`, not written in the reference. */
  readonly tagImplied: boolean;
  /** The digest (`sha256:<hex>`), when the reference pins one. */
  readonly digest?: string;
  /** `registry/repository`, e.g. `docker.io/library/nginx`. */
  readonly name: string;
  /** The short name Docker prints, e.g. `nginx`, `user/app`, `ghcr.io/org/app`. */
  readonly familiarName: string;
  /** The short form with tag and digest, e.g. `nginx:latest`, `ghcr.io/org/app@sha256:…`. */
  readonly familiar: string;
  /** The fully qualified form, e.g. `docker.io/library/nginx:latest`. */
  readonly canonical: string;
}

/** Thrown for a string that is not a valid image reference; the message names the offending part. */
export class InvalidImageReferenceError extends Error {
  constructor(
    /** The reference as given. */
    readonly reference: string,
    /** What is wrong with it. */
    readonly reason: string,
  ) {
    super(`invalid image reference "${reference}": ${reason}`);
    this.name = 'InvalidImageReferenceError';
  }
}

/**
 * True when `component` (the part before the first `/`) names a registry rather than a Docker Hub
 * namespace: it has a dot or a port, is `localhost`, or has an uppercase letter (repository paths are
 * lowercase, so an uppercase first component can only be a host). This is Docker's rule.
 */
function isRegistryComponent(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    component.toLowerCase() !== component
  );
}

function validateRegistry(input: string, registry: string): void {
  // A port follows the last colon, unless that colon is inside an IPv6 literal.
  const portAt = registry.lastIndexOf(':');
  const hasPort = portAt > registry.lastIndexOf(']');
  const host = hasPort ? registry.slice(0, portAt) : registry;
  const port = hasPort ? registry.slice(portAt + 1) : undefined;
  if (port !== undefined && !PORT.test(port)) {
    throw new InvalidImageReferenceError(input, `registry port "${port}" is not a number`);
  }
  if (!DOMAIN_NAME.test(host) && !IPV6_LITERAL.test(host)) {
    throw new InvalidImageReferenceError(input, `registry "${registry}" is not a valid host name`);
  }
}

function validateDigest(input: string, digest: string): void {
  if (!DIGEST.test(digest)) {
    throw new InvalidImageReferenceError(input, `digest "${digest}" is not of the form algorithm:hex`);
  }
  const [algorithm = '', hex = ''] = digest.split(':');
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) {
    throw new InvalidImageReferenceError(
      input,
      `digest algorithm "${algorithm}" is not supported (use sha256, sha384 or sha512)`,
    );
  }
  if (hex.length !== length || hex !== hex.toLowerCase()) {
    throw new InvalidImageReferenceError(
      input,
      `a ${algorithm} digest has ${length} lowercase hex characters, "${hex}" does not`,
    );
  }
}

/**
 * Parses an image reference and normalises it as `docker pull` / `crictl pull` would: the registry
 * defaults to `docker.io` (spelled `index.docker.io` in old references), single-component Docker Hub
 * repositories gain `library/`, and a reference with neither tag nor digest gets the tag `latest`.
 *
 * @throws {@link InvalidImageReferenceError} naming what is wrong: empty, uppercase repository, bad
 * characters, an invalid tag, port or digest, or a name longer than 255 characters.
 */
export function parseImageReference(input: string): ImageReference {
  if (input === '') throw new InvalidImageReferenceError(input, 'it is empty');
  if (input.trim() !== input) {
    throw new InvalidImageReferenceError(input, 'it has leading or trailing white space');
  }

  // The digest follows the first `@`; `@` is not allowed anywhere else.
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    validateDigest(input, digest);
  }

  // The tag follows the last `:` that comes after the last `/` (an earlier colon is a registry port).
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw new InvalidImageReferenceError(
        input,
        `tag "${tag}" is invalid (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`,
      );
    }
  }
  if (rest === '') throw new InvalidImageReferenceError(input, 'the repository name is empty');
  if (IMAGE_ID.test(rest)) {
    throw new InvalidImageReferenceError(
      input,
      'a 64-character hex string is an image ID, not a repository name; pin a digest with name@sha256:<hex>',
    );
  }

  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let registry = DOCKER_HUB;
  let repository = rest;
  if (slash >= 0 && isRegistryComponent(first)) {
    registry = first;
    repository = rest.slice(slash + 1);
    validateRegistry(input, registry);
  }
  if (registry === LEGACY_DOCKER_HUB) registry = DOCKER_HUB;
  if (repository.toLowerCase() !== repository) {
    throw new InvalidImageReferenceError(input, `repository name "${repository}" must be lowercase`);
  }
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw new InvalidImageReferenceError(
        input,
        component === ''
          ? 'the repository path has an empty component'
          : `repository path component "${component}" is invalid (lowercase letters and digits, separated by ".", "_", "__" or "-")`,
      );
    }
  }
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  const name = `${registry}/${repository}`;
  if (name.length > NAME_MAX_LENGTH) {
    throw new InvalidImageReferenceError(input, `the name is longer than ${NAME_MAX_LENGTH} characters`);
  }

  const tagImplied = tag === undefined && digest === undefined;
  return imageReference(registry, repository, tagImplied ? DEFAULT_TAG : tag, digest, tagImplied);
}

/**
 * The short name Docker prints: Docker Hub's registry and `library/` left off. Unlike Docker, the registry
 * stays when leaving it off would make the first path component read as a host (`docker.io/a.b/c`), so
 * the short name always parses back to the same image.
 */
function familiarNameOf(registry: string, repository: string): string {
  if (registry !== DOCKER_HUB) return `${registry}/${repository}`;
  const official = /^library\/([^/]+)$/.exec(repository);
  if (official?.[1]) return official[1];
  const first = repository.slice(0, repository.indexOf('/'));
  return isRegistryComponent(first) ? `${registry}/${repository}` : repository;
}

function imageReference(
  registry: string,
  repository: string,
  tag: string | undefined,
  digest: string | undefined,
  tagImplied: boolean,
): ImageReference {
  const suffix = `${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  const name = `${registry}/${repository}`;
  const familiarName = familiarNameOf(registry, repository);
  return {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    tagImplied,
    ...(digest !== undefined ? { digest } : {}),
    name,
    familiarName,
    familiar: `${familiarName}${suffix}`,
    canonical: `${name}${suffix}`,
  };
}

/**
 * The same repository pinned to `digest` and nothing else, e.g. to name exactly what a pod runs:
 * `withDigest(parse('nginx:1.25'), 'sha256:…')` is `docker.io/library/nginx@sha256:…`.
 *
 * @throws {@link InvalidImageReferenceError} when `digest` is not a valid digest.
 */
export function withDigest(reference: ImageReference, digest: string): ImageReference {
  validateDigest(`${reference.name}@${digest}`, digest);
  return imageReference(reference.registry, reference.repository, undefined, digest, false);
}

/**
 * The host (and port) that serves a registry's `/v2/` API. Only Docker Hub differs from its name: images
 * are named `docker.io/…` but pulled from `registry-1.docker.io`.
 */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB || registry === LEGACY_DOCKER_HUB ? DOCKER_HUB_API : registry;
}
