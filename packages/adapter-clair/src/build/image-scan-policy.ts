import type { BuildContext } from '@nimbus-ts/adapter-sdk';
import type { NimbusPolicy } from '@nimbus-ts/api';
import { IntentIds } from '@nimbus-ts/idpool';
import { boundedName } from '@nimbus-ts/k8s';
import type { ImageScanPolicy } from '@nimbus-ts/scan-api';
import { SCANNING_API_VERSION, scanAction } from '@nimbus-ts/scan-api';
import { scanParams } from './params.js';

/** The canonical intent IDs the Clair adapter builds ImageScanPolicies for. */
export const CLAIR_SCAN_INTENTS = Object.freeze([IntentIds.vulnerabilityScanning] as const);

/**
 * Builds the ImageScanPolicies for one NimbusPolicy: one per `vulnerabilityScanning` rule (the SDK passes at
 * most one), named `<policy>-vulnerabilityscanning`.
 *
 * Every field the CRD defaults is written, so that the object the API server stores equals the built one and
 * a rebuild of an unchanged policy writes nothing. `notify` is written only when the rule names a Slack Secret.
 *
 * @param policy - The NimbusPolicy; only its name, namespace and selector are read.
 * @param context - `rules` holds the supported rules with canonical IDs; rules with other IDs are ignored.
 * @returns New objects without a namespace, owner reference or managed-by annotation, which the SDK adds.
 * Neither the policy nor the context is changed.
 * @throws Error naming the policy, the parameter and what it accepts when a rule's parameters are invalid;
 * the SDK reports it as the policy's BuildFailed condition.
 */
export function buildImageScanPolicies(policy: NimbusPolicy, context: BuildContext): ImageScanPolicy[] {
  const policyName = policy.metadata.name;
  if (!policyName) throw new Error('a NimbusPolicy without metadata.name cannot be built');
  const where = `NimbusPolicy ${policy.metadata.namespace ? `${policy.metadata.namespace}/` : ''}${policyName}`;
  const built: ImageScanPolicy[] = [];
  const seen = new Set<string>();
  for (const { id, rule } of context.rules) {
    if (id !== IntentIds.vulnerabilityScanning || seen.has(id)) continue;
    seen.add(id);
    // Shortened with a hash suffix when a long policy name would make it longer than the API server accepts.
    const name = boundedName([policyName, id.toLowerCase()]);
    let params: ReturnType<typeof scanParams>;
    try {
      params = scanParams(rule.rule.params);
    } catch (error) {
      throw new Error(`${where}, rule ${rule.id}: ${(error as Error).message}`);
    }
    built.push({
      apiVersion: SCANNING_API_VERSION,
      kind: 'ImageScanPolicy',
      metadata: { name },
      spec: {
        // Copied so the result shares nothing with the input: the SDK may add to what a builder returns.
        selector: { matchLabels: { ...policy.spec.selector.matchLabels } },
        severityThreshold: params.severityThreshold,
        rescanInterval: params.rescanInterval,
        ignoreUnfixed: params.ignoreUnfixed,
        action: scanAction(rule.rule.action),
        ...(params.slackWebhookSecret
          ? { notify: { slack: { webhookSecretRef: { ...params.slackWebhookSecret } } } }
          : {}),
      },
    });
  }
  return built;
}
