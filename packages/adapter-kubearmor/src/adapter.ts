import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';
import { buildKubeArmorPolicies, KUBEARMOR_INTENTS } from './build.js';
import { KUBEARMOR_POLICIES } from './kinds.js';

/**
 * The KubeArmor adapter: KubeArmorPolicies for the runtime intents. KubeArmor's cluster-wide kind is not
 * used: the core operator already turns a ClusterSecurityIntentBinding into one NimbusPolicy per namespace,
 * and building from both would enforce every rule twice.
 */
export const kubearmorAdapter: AdapterDeclaration = {
  name: 'kubearmor',
  intents: KUBEARMOR_INTENTS,
  kinds: [KUBEARMOR_POLICIES],
  build: buildKubeArmorPolicies,
};
