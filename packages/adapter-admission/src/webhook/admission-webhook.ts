import { readFileSync } from 'node:fs';
import type { KubernetesObject, V1LabelSelector } from '@kubernetes/client-node';
import { ClairClient, ImageScanner } from '@nimbus-ts/clair-client';
import {
  Action,
  type ApiServerAccess,
  type Component,
  type Condition,
  Controller,
  type ControllerMetrics,
  EventRecorder,
  type Logger,
  ObjectClient,
  type ResourceType,
  SECRETS,
  SERVICE_ACCOUNTS,
  setConditions,
  updateStatus,
} from '@nimbus-ts/k8s';
import type { SecretLike } from '@nimbus-ts/registry';
import { secretAccessError } from '@nimbus-ts/registry';
import type { ImageAdmissionPolicy, ImageAdmissionPolicyStatus } from '@nimbus-ts/scan-api';
import { IMAGE_ADMISSION_POLICIES } from '@nimbus-ts/scan-api';
import {
  type CertificateSource,
  FileCertificates,
  SelfManagedCertificates,
  type TlsMaterial,
  WebhookConfigurationKeeper,
  type WebhookOptions,
} from '@nimbus-ts/webhook';
import {
  type AdmissionServer,
  createAdmissionHandler,
  type ImageAdmissionPolicyView,
  startAdmissionServer,
  type VerdictSource,
} from '../admission/index.js';
import { auditEventRecorder } from './audit-events.js';
import type { WebhookConfig } from './config.js';
import { coveredNamespaceSelector, coveredNamespaces } from './covered-namespaces.js';
import { imageVerdicts, type PullSecretReader } from './image-verdicts.js';
import { RETIRED_CONFIGURATION } from './retired-configuration.js';
import { RetiredConfigurationRemover } from './retired-configuration-remover.js';
import { WebhookMetrics } from './webhook-metrics.js';

/** The name the webhook reports as in Events and as the field manager of what it writes. */
export const WEBHOOK_MANAGER = 'nimbus-admission';

/**
 * The ClusterRole deploy/adapter-admission/rbac.yaml ships unbound: a namespace that binds it to the webhook lets it
 * read the pull Secrets of the pods it judges there.
 */
const SECRET_READER_ROLE = 'nimbus-admission-secret-reader';

/** The webhooks of the configuration: pods (every pod, however it is made) and workloads (early feedback). */
export function admissionWebhooks(
  settings: { readonly failurePolicy: 'Fail' | 'Ignore'; readonly timeoutSeconds: number },
  namespaceSelector?: V1LabelSelector,
): WebhookOptions[] {
  const common = {
    path: '/validate',
    failurePolicy: settings.failurePolicy,
    timeoutSeconds: settings.timeoutSeconds,
    ...(namespaceSelector ? { namespaceSelector } : {}),
  };
  return [
    {
      ...common,
      name: 'pods.images.scanning.nimbus-ts.io',
      rules: [
        {
          operations: ['CREATE', 'UPDATE'],
          apiGroups: [''],
          apiVersions: ['v1'],
          resources: ['pods', 'pods/ephemeralcontainers'],
          scope: 'Namespaced',
        },
      ],
    },
    {
      ...common,
      name: 'workloads.images.scanning.nimbus-ts.io',
      rules: [
        {
          operations: ['CREATE', 'UPDATE'],
          apiGroups: ['apps'],
          apiVersions: ['v1'],
          resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
          scope: 'Namespaced',
        },
        {
          operations: ['CREATE', 'UPDATE'],
          apiGroups: ['batch'],
          apiVersions: ['v1'],
          resources: ['jobs', 'cronjobs'],
          scope: 'Namespaced',
        },
        {
          operations: ['CREATE', 'UPDATE'],
          apiGroups: [''],
          apiVersions: ['v1'],
          resources: ['replicationcontrollers'],
          scope: 'Namespaced',
        },
      ],
    },
  ];
}

/** Options of {@link createAdmissionWebhook}. */
export interface AdmissionWebhookOptions {
  readonly config: WebhookConfig;
  readonly logger: Logger;
  readonly metrics?: ControllerMetrics;
  /** This replica's name, for Events. */
  readonly identity?: string;
  /** Listen address; default all interfaces. */
  readonly host?: string;
  /**
   * Narrows further the namespaces the configuration sends, which are only those an ImageAdmissionPolicy covers
   * (tests confine it to theirs).
   */
  readonly namespaceSelector?: V1LabelSelector;
  /**
   * The name of the configuration an earlier version kept, deleted once this one's is in shape when it is
   * recognisably this webhook's. Default `RETIRED_CONFIGURATION` (tests, sharing one control plane, give their own).
   */
  readonly retiredConfiguration?: string;
}

/** A running admission webhook. */
export interface AdmissionWebhook extends Component {
  /** The listening server, once started. */
  readonly server: AdmissionServer | undefined;
}

/** An ImageAdmissionPolicy as the decisions read it. */
function view(policy: ImageAdmissionPolicy): ImageAdmissionPolicyView {
  return {
    metadata: {
      name: policy.metadata.name ?? '',
      namespace: policy.metadata.namespace ?? '',
      ...(policy.metadata.uid ? { uid: policy.metadata.uid } : {}),
      ...(policy.metadata.generation !== undefined ? { generation: policy.metadata.generation } : {}),
    },
    spec: policy.spec as ImageAdmissionPolicyView['spec'],
  };
}

/** GETs of pull Secrets and ServiceAccounts, each remembered for a short while (a rollout asks many times). */
function cachedReader(client: ObjectClient, serviceAccount: string, ttlMs = 30_000): PullSecretReader {
  const cache = new Map<string, { readonly value: Promise<unknown>; readonly expires: number }>();
  const get = <T extends KubernetesObject>(resource: ResourceType, namespace: string, name: string) => {
    const key = `${resource.kind}/${namespace}/${name}`;
    const hit = cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.value as Promise<T | undefined>;
    const value = client.get<T>(resource, { namespace, name });
    if (cache.size >= 10_000) cache.clear();
    cache.set(key, { value, expires: Date.now() + ttlMs });
    // A failed read is not remembered.
    value.catch(() => cache.delete(key));
    return value;
  };
  return {
    secret: (namespace, name) =>
      get<SecretLike & KubernetesObject>(SECRETS, namespace, name).catch((error: unknown) => {
        throw secretAccessError(error, namespace, name, serviceAccount, SECRET_READER_ROLE);
      }),
    serviceAccount: (namespace, name) =>
      get<KubernetesObject & { imagePullSecrets?: { name?: string }[] }>(SERVICE_ACCOUNTS, namespace, name),
  };
}

/**
 * The image admission webhook: serves AdmissionReviews (`/validate`) and ImageReviews (`/imagepolicy`) over HTTPS
 * with the decisions of `../admission` against the ImageAdmissionPolicies in its cache; keeps its serving
 * certificate (from files, or a Secret the replicas share and rotate) and its ValidatingWebhookConfiguration (CA
 * bundle injected, its own namespace and kube-system exempt); scans images not yet scanned through Clair within
 * the time budget; records Audit findings as Events; and marks each ImageAdmissionPolicy Ready once it is served.
 * Every replica does all of it, leader or standby (`needLeaderElection: false`: every replica must answer the
 * apiserver).
 */
export function createAdmissionWebhook(
  kc: ApiServerAccess,
  options: AdmissionWebhookOptions,
): AdmissionWebhook {
  const { config, logger } = options;
  const client = new ObjectClient(kc, WEBHOOK_MANAGER);
  const metrics = options.metrics ? new WebhookMetrics(options.metrics.registry) : undefined;
  let server: AdmissionServer | undefined;
  let keeper: WebhookConfigurationKeeper | undefined;

  const onTls = (material: TlsMaterial) => {
    try {
      server?.reloadTls();
    } catch (error) {
      logger.error('the new serving certificate could not be loaded; serving the previous one', {
        error: (error as Error).message,
      });
    }
    keeper?.setCaBundle(material.caBundle);
  };
  const certificates: CertificateSource =
    config.tls.kind === 'files'
      ? new FileCertificates({
          certFile: config.tls.certFile,
          keyFile: config.tls.keyFile,
          ...(config.tls.caFile ? { caFile: config.tls.caFile } : {}),
          onChange: onTls,
          logger,
        })
      : new SelfManagedCertificates(client, {
          namespace: config.namespace,
          name: config.tls.secretName,
          hosts: config.tls.hosts,
          onChange: onTls,
          logger,
        });

  const controller = new Controller<ImageAdmissionPolicy>(kc, IMAGE_ADMISSION_POLICIES, {
    name: 'clair/imageadmissionpolicy',
    logger,
    concurrency: 2,
    ...(options.metrics ? { onReconciled: options.metrics.recorder('clair/imageadmissionpolicy') } : {}),
  });
  const policies = controller.store<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES);

  // The configuration sends only the namespaces some policy covers, so that a webhook that is down (failurePolicy
  // Fail) blocks nothing else. The set is recomputed from the whole cache on every policy change (level-triggered);
  // the keeper writes only when the selector differs from the live one.
  const settings = config.configuration;
  const coverage = new WeakMap<readonly WebhookOptions[], ReadonlySet<string>>();
  let asked = '';
  let served: ReadonlySet<string> = new Set();
  const webhooksCovering = (covered: readonly string[]) => {
    const webhooks = settings
      ? admissionWebhooks(settings, coveredNamespaceSelector(covered, options.namespaceSelector))
      : [];
    coverage.set(webhooks, new Set(covered));
    return webhooks;
  };
  const followCoverage = () => {
    const covered = coveredNamespaces(policies.list());
    const key = covered.join(',');
    if (!keeper || key === asked) return;
    asked = key;
    keeper.setWebhooks(webhooksCovering(covered));
  };
  if (settings) {
    keeper = new WebhookConfigurationKeeper(client, {
      name: settings.name,
      namespace: config.namespace,
      target: settings.target,
      webhooks: webhooksCovering([]),
      logger,
      onSynced: () => {
        const now = coverage.get(keeper?.syncedWebhooks ?? []) ?? served;
        if (now === served) return;
        served = now;
        // Policies whose namespace just became covered can now say they are enforced.
        controller.enqueueAll();
      },
    });
    // Any change to a policy may change the covered set: the mapper recomputes it and queues nothing itself (the
    // controller already reconciles the policy).
    controller.watches<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES, () => {
      followCoverage();
      return [];
    });
  }
  // The configuration of the name an earlier version kept would, after an upgrade, send pods to a Service that no
  // longer answers: deleted once ours is in shape (never when ours has that very name).
  const retiredName = options.retiredConfiguration ?? RETIRED_CONFIGURATION;
  const retired =
    settings && settings.name !== retiredName
      ? new RetiredConfigurationRemover(client, {
          name: retiredName,
          replacement: `ValidatingWebhookConfiguration ${settings.name}`,
          namespace: config.namespace,
          webhookNames: admissionWebhooks(settings).map((w) => w.name),
          logger,
        })
      : undefined;
  const policiesIn = (namespace: string) =>
    policies
      .list()
      .filter((p) => p.metadata.namespace === namespace && !p.metadata.deletionTimestamp)
      .map(view);

  const scanner = config.clair
    ? new ImageScanner({
        clair: new ClairClient({
          url: config.clair.clairUrl,
          ...(config.clair.pskKey ? { auth: { key: config.clair.pskKey, issuer: config.clair.issuer } } : {}),
        }),
        logger,
        concurrency: config.clair.concurrency,
        insecureRegistries: config.clair.insecureRegistries,
      })
    : undefined;
  const verdicts: VerdictSource = scanner
    ? imageVerdicts({
        scanner,
        reader: cachedReader(client, `${config.namespace}:nimbus-admission`),
        platform: config.platform,
        logger,
      })
    : async (images) =>
        new Map(
          images.map((image) => [
            image,
            {
              status: 'unscanned',
              reason: 'the webhook has no Clair to scan with (CLAIR_URL is not set)',
            } as const,
          ]),
        );
  const audit = auditEventRecorder(
    new EventRecorder(client, WEBHOOK_MANAGER, options.identity ?? WEBHOOK_MANAGER, logger),
  );
  const handler = createAdmissionHandler({
    policiesIn,
    verdicts,
    onAudit: async (event) => {
      metrics?.audited(event.review);
      if (event.review === 'AdmissionReview') await audit(event);
    },
    logger,
    maxScanBudgetMs: config.maxScanBudgetMs,
  });

  // The policy is enforced once this replica serves it and the configuration sends its namespace: Ready says so,
  // and names the configuration. Until then nothing is written; the keeper's next sync queues the policy again.
  const reconcile = async (policy: ImageAdmissionPolicy): Promise<Action> => {
    if (policy.metadata.deletionTimestamp) return Action.awaitChange();
    if (keeper && !served.has(policy.metadata.namespace ?? '')) return Action.awaitChange();
    const where = config.configuration
      ? `the admission webhooks of ValidatingWebhookConfiguration ${config.configuration.name}`
      : 'the admission webhook (its configuration is managed outside nimbus-ts)';
    await updateStatus<ImageAdmissionPolicyStatus>(client, IMAGE_ADMISSION_POLICIES, policy, (status) => ({
      observedGeneration: policy.metadata.generation,
      conditions: setConditions(status?.conditions as Condition[] | undefined, [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Serving',
          message: `pods and workloads of this namespace are checked by ${where}`,
          observedGeneration: policy.metadata.generation,
        },
      ]) as ImageAdmissionPolicyStatus['conditions'],
    }));
    return Action.awaitChange();
  };

  const tls = () => {
    const material = certificates.current();
    if (!material) throw new Error('no serving certificate yet');
    return { key: material.key, cert: material.cert };
  };

  return {
    // The API server may call any replica: every one serves, keeps the configuration and marks what it serves,
    // whichever holds the Lease (only the holder builds ImageAdmissionPolicies).
    needLeaderElection: false,
    get server() {
      return server;
    },
    get ready() {
      return server !== undefined && certificates.ready && (keeper?.ready ?? true) && controller.ready;
    },
    async start() {
      await certificates.start();
      // Policies first, so the first request already sees them; then serve; then tell the apiserver.
      await controller.start(reconcile, undefined);
      const clientAuth = config.clientAuth;
      server = await startAdmissionServer({
        ...(options.host ? { host: options.host } : {}),
        port: config.port,
        tls,
        ...(clientAuth
          ? { clientAuth: { ca: () => readFileSync(clientAuth.caFile), names: clientAuth.names } }
          : {}),
        handler: metrics ? metrics.instrument(handler) : handler,
      });
      logger.info('serving admission reviews', { url: server.url });
      if (keeper) {
        keeper.setCaBundle(certificates.current()?.caBundle);
        followCoverage();
        await keeper.start();
        await retired?.start();
      }
    },
    async stop() {
      await retired?.stop();
      await keeper?.stop();
      await server?.close();
      await controller.stop();
      await certificates.stop();
    },
  };
}
