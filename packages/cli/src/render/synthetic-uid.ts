import { createHash } from 'node:crypto';

/** The prefix of every made-up UID: all zeros, which no API server hands out, so nobody mistakes it for a real one. */
export const SYNTHETIC_UID_PREFIX = '00000000-0000-0000-0000-';

/**
 * A UID for an object that was never created, so that owner references in a rendering are well-formed:
 * UUID-shaped, obviously fake (see {@link SYNTHETIC_UID_PREFIX}) and deterministic, derived from the object's
 * kind, namespace and name, so the same input always renders the same text. Output for kubectl leaves them,
 * and the references to them, out (`applyReady`).
 */
export function syntheticUid(kind: string, namespace: string | undefined, name: string): string {
  const digest = createHash('sha256')
    .update(`${kind}/${namespace ?? ''}/${name}`)
    .digest('hex');
  return `${SYNTHETIC_UID_PREFIX}${digest.slice(0, 12)}`;
}

/** The object with a synthetic UID when it has none; a UID it has (e.g. exported from a cluster) is kept. */
export function withUid<
  T extends { kind?: string; metadata?: { name?: string; namespace?: string; uid?: string } },
>(object: T): T {
  if (object.metadata?.uid) return object;
  const uid = syntheticUid(object.kind ?? '', object.metadata?.namespace, object.metadata?.name ?? '');
  return { ...object, metadata: { ...object.metadata, uid } };
}
