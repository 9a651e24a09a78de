import type {
  V1LabelSelector,
  V1LabelSelectorRequirement,
  V1ValidatingWebhook,
  V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { VALIDATING_WEBHOOK_CONFIGURATIONS } from '@nimbus-ts/k8s';

/**
 * The label every webhook configuration built here carries, valued with its name: the keeper watches its
 * configuration through it.
 */
export const WEBHOOK_CONFIGURATION_LABEL = 'webhook.nimbus-ts.io/configuration';

/** The label Kubernetes puts on every Namespace, holding its name (selectable since 1.21). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** An admission operation a rule matches. */
export type WebhookOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT' | '*';

/** Which requests a webhook receives: any of `operations` on any of the resources named. */
export interface WebhookRule {
  /** The operations to send, e.g. `CREATE` and `UPDATE`. */
  readonly operations: readonly WebhookOperation[];
  /** API groups, `''` for the core group, `'*'` for all. */
  readonly apiGroups: readonly string[];
  /** API versions, e.g. `v1`; `'*'` for all. */
  readonly apiVersions: readonly string[];
  /** Plural resource names, with subresources as `pods/ephemeralcontainers`; `'*'` for all. */
  readonly resources: readonly string[];
  /** `Cluster`, `Namespaced` or `*` (both). Default `*`. */
  readonly scope?: 'Cluster' | 'Namespaced' | '*';
}

/**
 * Where kube-apiserver sends the requests: a Service (the usual case, `namespace` defaulting to the
 * webhook's own) or a base URL such as `https://127.0.0.1:8443` (tests, out-of-cluster webhooks). Each
 * webhook's `path` is appended.
 */
export type WebhookTarget =
  | { readonly service: { readonly name: string; readonly port: number; readonly namespace?: string } }
  | { readonly url: string };

/** One webhook of a configuration. */
export interface WebhookOptions {
  /** Fully qualified name, at least three DNS labels, e.g. `images.scanning.nimbus-ts.io`. */
  readonly name: string;
  /** HTTP path of this webhook on the target, e.g. `/validate-images`. */
  readonly path: string;
  readonly rules: readonly WebhookRule[];
  /** `Fail` rejects requests while the webhook cannot answer; `Ignore` admits them. */
  readonly failurePolicy: 'Fail' | 'Ignore';
  /** 1–30 s. Default 10 (the API server's default). */
  readonly timeoutSeconds?: number;
  /** Narrows the namespaces further; the exclusions of the configuration are added to it. */
  readonly namespaceSelector?: V1LabelSelector;
  /** Only objects whose labels match. */
  readonly objectSelector?: V1LabelSelector;
}

/** Options of {@link validatingWebhookConfiguration}. */
export interface ValidatingWebhookConfigurationOptions {
  /** Name of the (cluster-scoped) configuration; at most 63 characters (it is also a label value). */
  readonly name: string;
  /** The webhook's own Namespace: owner of the configuration, and never sent to the webhook. */
  readonly namespace: { readonly name: string; readonly uid: string };
  readonly target: WebhookTarget;
  readonly webhooks: readonly WebhookOptions[];
  /** PEM CA bundle that signs the webhook's serving certificate; left out when undefined. */
  readonly caBundle?: string | undefined;
  /** Namespaces never sent to the webhooks, besides the webhook's own and `kube-system`. */
  readonly excludeNamespaces?: readonly string[];
  /** More labels. */
  readonly labels?: Readonly<Record<string, string>>;
}

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_WEBHOOK_NAME = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL}){2,}$`);
const OBJECT_NAME = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);

function invalid(config: string, problem: string, fix: string): Error {
  return new Error(`ValidatingWebhookConfiguration ${config}: ${problem}. Fix: ${fix}.`);
}

function checkWebhook(config: string, webhook: WebhookOptions): void {
  const what = `webhook ${webhook.name || '(unnamed)'}`;
  if (!QUALIFIED_WEBHOOK_NAME.test(webhook.name)) {
    throw invalid(
      config,
      `${what} needs a fully qualified name`,
      'use at least three DNS labels, e.g. images.example.com',
    );
  }
  if (!webhook.path.startsWith('/'))
    throw invalid(config, `${what} has path "${webhook.path}"`, 'start the path with /');
  const timeout = webhook.timeoutSeconds ?? 10;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 30) {
    throw invalid(
      config,
      `${what} has timeoutSeconds ${timeout}`,
      'use a whole number of seconds from 1 to 30',
    );
  }
  if (webhook.failurePolicy !== 'Fail' && webhook.failurePolicy !== 'Ignore') {
    throw invalid(config, `${what} has failurePolicy ${String(webhook.failurePolicy)}`, 'use Fail or Ignore');
  }
  if (webhook.rules.length === 0) throw invalid(config, `${what} has no rules`, 'name what it validates');
  for (const rule of webhook.rules) {
    const empty = (['operations', 'apiGroups', 'apiVersions', 'resources'] as const).find(
      (k) => rule[k].length === 0,
    );
    if (empty) throw invalid(config, `a rule of ${what} has no ${empty}`, `list ${empty}, or '*' for all`);
  }
}

function checkTarget(config: string, target: WebhookTarget): void {
  if ('url' in target) {
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      throw invalid(
        config,
        `the target URL "${target.url}" does not parse`,
        'give a URL like https://host:port',
      );
    }
    if (url.protocol !== 'https:' || url.search || url.hash || url.username) {
      throw invalid(
        config,
        `the target URL "${target.url}" is not a plain https URL`,
        'use https://host:port',
      );
    }
  } else if (
    !Number.isInteger(target.service.port) ||
    target.service.port < 1 ||
    target.service.port > 65535
  ) {
    throw invalid(
      config,
      `the service port ${target.service.port} is out of range`,
      'use a port from 1 to 65535',
    );
  }
}

function check(options: ValidatingWebhookConfigurationOptions): void {
  const config = options.name;
  if (!OBJECT_NAME.test(config) || config.length > 63) {
    throw invalid(
      config,
      'the name is not a DNS name of at most 63 characters',
      'choose a shorter, lower-case name',
    );
  }
  if (!options.namespace.uid) {
    throw invalid(
      config,
      `Namespace ${options.namespace.name} has no uid`,
      'pass the Namespace as read from the API',
    );
  }
  if (options.webhooks.length === 0) throw invalid(config, 'it has no webhooks', 'add at least one');
  const names = options.webhooks.map((w) => w.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw invalid(config, `webhook ${twice} appears twice`, 'give each webhook its own name');
  for (const webhook of options.webhooks) checkWebhook(config, webhook);
  checkTarget(config, options.target);
  if (options.caBundle !== undefined && !options.caBundle.includes('-----BEGIN CERTIFICATE-----')) {
    throw invalid(
      config,
      'the CA bundle holds no PEM certificate',
      'pass the PEM text of the CA certificates',
    );
  }
}

/**
 * A namespace selector that adds "not one of `excluded`" to the webhook's own. Excluding the webhook's own
 * namespace and kube-system is what keeps a fail-closed webhook from deadlocking the cluster: its own pods,
 * and the system pods it depends on, can always be (re)created while it is down.
 */
function namespaceSelector(own: V1LabelSelector | undefined, excluded: readonly string[]): V1LabelSelector {
  const exclusion: V1LabelSelectorRequirement = {
    key: NAMESPACE_NAME_LABEL,
    operator: 'NotIn',
    values: [...excluded],
  };
  return {
    ...(own?.matchLabels ? { matchLabels: { ...own.matchLabels } } : {}),
    matchExpressions: [...(own?.matchExpressions ?? []), exclusion],
  };
}

function clientConfig(options: ValidatingWebhookConfigurationOptions, path: string) {
  const caBundle =
    options.caBundle === undefined ? {} : { caBundle: Buffer.from(options.caBundle).toString('base64') };
  const { target } = options;
  if ('url' in target) return { url: `${target.url.replace(/\/+$/, '')}${path}`, ...caBundle };
  const { name, port } = target.service;
  return {
    service: { namespace: target.service.namespace ?? options.namespace.name, name, port, path },
    ...caBundle,
  };
}

/**
 * Builds a ValidatingWebhookConfiguration, every field the API server would default set explicitly (so a
 * stored copy compares equal and re-applying it writes nothing): `sideEffects: None`,
 * `admissionReviewVersions: [v1]`, `matchPolicy: Equivalent`, rule `scope`, `timeoutSeconds`,
 * `objectSelector: {}`.
 *
 * The configuration is owned by the webhook's Namespace — cluster-scoped, so a valid owner of a
 * cluster-scoped object — without `blockOwnerDeletion`: deleting the namespace lets the garbage collector
 * delete the configuration, instead of leaving behind a fail-closed webhook that nothing answers.
 *
 * @throws an error naming the configuration, the problem and the fix when the options are invalid.
 */
export function validatingWebhookConfiguration(
  options: ValidatingWebhookConfigurationOptions,
): V1ValidatingWebhookConfiguration {
  check(options);
  const excluded = [
    ...new Set([options.namespace.name, 'kube-system', ...(options.excludeNamespaces ?? [])]),
  ].sort();
  const webhooks: V1ValidatingWebhook[] = options.webhooks.map((w) => ({
    name: w.name,
    clientConfig: clientConfig(options, w.path),
    rules: w.rules.map((r) => ({
      operations: [...r.operations],
      apiGroups: [...r.apiGroups],
      apiVersions: [...r.apiVersions],
      resources: [...r.resources],
      scope: r.scope ?? '*',
    })),
    failurePolicy: w.failurePolicy,
    matchPolicy: 'Equivalent',
    namespaceSelector: namespaceSelector(w.namespaceSelector, excluded),
    objectSelector: w.objectSelector ?? {},
    sideEffects: 'None',
    timeoutSeconds: w.timeoutSeconds ?? 10,
    admissionReviewVersions: ['v1'],
  }));
  return {
    apiVersion: VALIDATING_WEBHOOK_CONFIGURATIONS.apiVersion,
    kind: VALIDATING_WEBHOOK_CONFIGURATIONS.kind,
    metadata: {
      name: options.name,
      labels: { ...options.labels, [WEBHOOK_CONFIGURATION_LABEL]: options.name },
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Namespace', name: options.namespace.name, uid: options.namespace.uid },
      ],
    },
    webhooks,
  };
}
