import type { ObjectClient } from '@nimbus-ts/k8s';
import { pollUntil } from '@nimbus-ts/k8s/testing';
import type { ImageScanPolicy } from '@nimbus-ts/scan-api';
import { IMAGE_SCAN_POLICIES } from '@nimbus-ts/scan-api';

/**
 * Has an ImageScanPolicy scanned again and waits until that scan is over, returning the policy as it then is. A
 * change to its spec — the rescan interval, which decides nothing within a test — is a rescan, and the status's
 * observedGeneration reaches the new generation only after the scan's reports and notifications are done: what a
 * test needs before it says "that scan wrote or sent nothing".
 */
export async function rescan(
  admin: ObjectClient,
  ref: { readonly namespace: string; readonly name: string },
): Promise<ImageScanPolicy | undefined> {
  const live = await admin.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, ref);
  if (!live) throw new Error(`ImageScanPolicy ${ref.namespace}/${ref.name} is missing`);
  const changed = await admin.replace<ImageScanPolicy>(IMAGE_SCAN_POLICIES, {
    ...live,
    spec: { ...live.spec, rescanInterval: live.spec.rescanInterval === '7h' ? '6h' : '7h' },
  });
  return pollUntil(
    `the rescan of ImageScanPolicy ${ref.namespace}/${ref.name}`,
    60_000,
    () => admin.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, ref),
    { until: (p) => p?.status?.observedGeneration === changed.metadata?.generation },
  );
}
