/**
 * Which platform's manifest of a multi-arch image a node runs. Clair indexes single-platform manifests,
 * so a pod's index digest must be narrowed to the manifest its node pulled — the one matching the node's
 * OS and CPU, chosen with the same preferences as containerd.
 */
import type { Descriptor, Platform } from './manifest-document.js';

export type { Platform } from './manifest-document.js';

/** What a node is assumed to be when its labels say nothing: the Kubernetes default. */
export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** The well-known node label carrying the node's OS (set by the kubelet). */
export const NODE_OS_LABEL = 'kubernetes.io/os';
/** The well-known node label carrying the node's CPU architecture (set by the kubelet). */
export const NODE_ARCH_LABEL = 'kubernetes.io/arch';

/** Spellings of architectures that mean a Go/OCI `GOARCH`, as containerd normalises them. */
const ARCH_ALIASES: Readonly<Record<string, Platform['architecture']>> = {
  i386: '386',
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
};

/**
 * A platform in the canonical OCI spelling: lowercase, `x86_64` → `amd64`, `aarch64` → `arm64`, and the
 * variants containerd implies (`arm64` is `v8` unless said otherwise, `armhf` is `arm/v7`, `armel` is
 * `arm/v6`).
 */
export function normalizePlatform(platform: Platform): Platform {
  const os = platform.os.toLowerCase();
  const given = platform.architecture.toLowerCase();
  const architecture = ARCH_ALIASES[given] ?? given;
  let variant = platform.variant?.toLowerCase();
  if (given === 'armhf' && !variant) variant = 'v7';
  if (given === 'armel' && !variant) variant = 'v6';
  if (architecture === 'arm64' && (variant === '8' || !variant)) variant = 'v8';
  if (architecture === 'arm' && variant && /^\d$/.test(variant)) variant = `v${variant}`;
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** `os/architecture[/variant]`, e.g. `linux/arm64/v8`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/**
 * A node's platform from its labels: `kubernetes.io/os` and `kubernetes.io/arch` (the old `beta.`
 * prefixed labels as a fallback), defaulting to linux/amd64. Node labels carry no variant.
 */
export function nodePlatform(labels: Readonly<Record<string, string>> | undefined): Platform {
  const os = labels?.[NODE_OS_LABEL] ?? labels?.[`beta.${NODE_OS_LABEL}`] ?? DEFAULT_PLATFORM.os;
  const architecture =
    labels?.[NODE_ARCH_LABEL] ?? labels?.[`beta.${NODE_ARCH_LABEL}`] ?? DEFAULT_PLATFORM.architecture;
  return { os, architecture };
}

/**
 * The variants a CPU of `wanted` runs, best first. 32-bit ARM runs older variants (v7 runs v6 and v5);
 * with no variant known (node labels carry none) the newest common one is preferred.
 */
function acceptedVariants(wanted: Platform): readonly (string | undefined)[] {
  if (wanted.architecture === 'arm') {
    const order = ['v8', 'v7', 'v6', 'v5'];
    const from = wanted.variant ? order.indexOf(wanted.variant) : 1;
    return [...order.slice(from < 0 ? 1 : from), undefined];
  }
  if (wanted.architecture === 'arm64') return ['v8', undefined];
  // Other architectures: the wanted variant if any, else a manifest without one.
  return wanted.variant ? [wanted.variant, undefined] : [undefined];
}

/**
 * The entry of an index a node of `wanted` platform pulls, or `undefined` if none fits. Entries are
 * compared after {@link normalizePlatform}; among fitting entries the best variant wins, then the first
 * listed. Entries without a platform (attestations, signatures) are never chosen.
 */
export function selectPlatformManifest(
  manifests: readonly Descriptor[],
  wanted: Platform,
): Descriptor | undefined {
  const want = normalizePlatform(wanted);
  const variants = acceptedVariants(want);
  let best: { entry: Descriptor; rank: number } | undefined;
  for (const entry of manifests) {
    if (!entry.platform) continue;
    const have = normalizePlatform(entry.platform);
    if (have.os !== want.os || have.architecture !== want.architecture) continue;
    const rank = variants.indexOf(have.variant);
    if (rank < 0) continue;
    if (!best || rank < best.rank) best = { entry, rank };
  }
  return best?.entry;
}
