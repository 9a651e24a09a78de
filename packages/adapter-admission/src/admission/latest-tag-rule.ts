/**
 * The `disallowLatestTag` rule for one image. Both an explicit `:latest` and a reference with neither tag
 * nor digest (which runs `latest`) break it, as in kube-image-bouncer. A digest pins the content whatever
 * the tag says, so `nginx:latest@sha256:…` passes: what runs cannot change under it.
 */
import { DEFAULT_TAG, type ImageReference } from '@nimbus-ts/registry';

/** Why `reference` breaks `disallowLatestTag`, or undefined when it does not. */
export function latestTagReason(reference: ImageReference): string | undefined {
  if (reference.digest !== undefined || reference.tag !== DEFAULT_TAG) return undefined;
  return reference.tagImplied
    ? `has no tag, so it runs the mutable tag ${DEFAULT_TAG}; pin a version or a digest`
    : `uses the mutable tag ${DEFAULT_TAG}; pin a version or a digest`;
}
