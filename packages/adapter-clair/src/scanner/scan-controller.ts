import type { KubernetesObject } from '@kubernetes/client-node';
import type { ImageScanner, ScanOutcome } from '@nimbus-ts/clair-client';
import {
  Action,
  type ApiServerAccess,
  type Component,
  Controller,
  type ControllerMetrics,
  isNamespaceTerminating,
  type KubeClient,
  type Logger,
  NODES,
  ObjectClient,
  PODS,
  type ResourceType,
  refOf,
  SECRETS,
  SERVICE_ACCOUNTS,
  type Store,
  updateStatus,
} from '@nimbus-ts/k8s';
import { type SecretLike, secretAccessError, selectCredentials } from '@nimbus-ts/registry';
import type { ImageScanPolicy, ImageScanPolicyStatus, VulnerabilityReport } from '@nimbus-ts/scan-api';
import {
  IMAGE_SCAN_POLICIES,
  inclusiveOptions,
  summarizeReport,
  VULNERABILITY_REPORTS,
} from '@nimbus-ts/scan-api';
import {
  decodeLedger,
  encodeLedger,
  newlyNotifiable,
  notifiedAnnotation,
  notifiedAnnotations,
  record as recordNotified,
} from '../notify/notified-ledger.js';
import { findingsMessage } from '../notify/slack-message.js';
import { SlackSender } from '../notify/slack-sender.js';
import { REPORT_MANAGER, reportLabels, reportName } from '../report/report-name.js';
import type { ScanMetrics } from './metrics.js';
import { DEFAULT_NAMESPACE_FILTER, type NamespaceFilter, namespaceVerdict } from './namespace-filter.js';
import {
  type ImageUse,
  planScan,
  podsIgnoreUnfixed,
  podsUsing,
  runsReportedManifest,
  type ScannedPod,
  selects,
} from './plan.js';
import { DEFAULT_RETRY_DELAYS, type RetryDelays } from './retry-delay.js';
import { ScanFailedError, scanErrorPolicy } from './scan-error-policy.js';
import { scanFailure } from './scan-failure.js';
import { excludedStatusFields, type ImageResult, planScanStatus, scanStatusFields } from './scan-status.js';

/**
 * The ClusterRole deploy/adapter-clair/rbac.yaml ships unbound: a namespace that binds it to the scanner lets it
 * read the pull Secrets and Slack webhook URLs there.
 */
const SECRET_READER_ROLE = 'nimbus-clair-secret-reader';

/** Options of {@link createScanController}. */
export interface ScanControllerOptions {
  readonly logger: Logger;
  readonly scanner: ImageScanner;
  readonly metrics?: ControllerMetrics;
  /** Clock; tests may pin it. */
  readonly now?: () => Date;
  /** Vulnerability gauges by namespace, image and severity, when given. */
  readonly scanMetrics?: ScanMetrics;
  /** Sends Slack notifications for policies that ask for them; default one sender with Slack's rate limit. */
  readonly slack?: SlackSender;
  /** Most policies reconciled at once; the scanner bounds the scans themselves. Default 2. */
  readonly concurrency?: number;
  /** The namespaces scanned; default every namespace but `kube-*`. */
  readonly namespaces?: NamespaceFilter;
  /** Waits after failed scans (Clair or a registry down): doubling from `initialMs` to `maxMs`. */
  readonly retry?: RetryDelays;
  /**
   * Its ServiceAccount as `<namespace>:<name>`, for the fix a refused Secret read names. Default
   * `nimbus-system:nimbus-clair`.
   */
  readonly serviceAccount?: string;
  /** The client of its reads and writes; default an `ObjectClient` with field manager `nimbus-clair`. */
  readonly client?: KubeClient;
}

/** A running scan controller. */
export interface ScanController extends Component {
  /** Reconciles so far, by outcome (for tests and diagnostics). */
  readonly reconciles: { success: number; error: number };
  /**
   * Rescans, now, every policy of a namespace with a VulnerabilityReport of one of these manifest (or index)
   * digests — what Clair's notifier names when new advisories affect an indexed image.
   *
   * @returns how many policies were queued.
   */
  refresh(digests: readonly string[]): number;
}

/**
 * Everything a scan reconcile uses besides the policy, passed in rather than closed over: the seam a test
 * substitutes (the FakeClient of `@nimbus-ts/k8s/testing` and its stores, a scanner that does not need Clair).
 */
export interface ScanPolicyContext {
  readonly client: KubeClient;
  readonly scanner: Pick<ImageScanner, 'scan'>;
  readonly slack: Pick<SlackSender, 'send'>;
  readonly logger: Logger;
  /** The clock of reports, messages and conditions. */
  readonly now: () => Date;
  /** The namespaces scanned. */
  readonly namespaces: NamespaceFilter;
  /** Its ServiceAccount as `<namespace>:<name>`, for the fix a refused Secret read names. */
  readonly serviceAccount: string;
  /** The caches of ImageScanPolicies, Pods, Nodes and VulnerabilityReports. */
  readonly store: <U extends KubernetesObject>(resource: ResourceType) => Store<U>;
}

/** Reads an object of the reconciled namespace by kind and name, once per reconcile. */
type ReadOnce = <T extends KubernetesObject>(resource: ResourceType, name: string) => Promise<T | undefined>;

type Outcome = { use: ImageUse; result: ScanOutcome } | { use: ImageUse; error: unknown; hint?: string };

/** The cached ImageScanPolicies of a namespace. */
function policiesIn(ctx: Pick<ScanPolicyContext, 'store'>, namespace: string | undefined): ImageScanPolicy[] {
  return ctx
    .store<ImageScanPolicy>(IMAGE_SCAN_POLICIES)
    .list()
    .filter((p) => p.metadata.namespace === namespace);
}

/**
 * One scan reconcile of one ImageScanPolicy. It sequences cache reads, the pure decisions (`planScan`,
 * `summarizeReport`, {@link planScanStatus}), the scans, the report writes and the status write. When images could
 * not be scanned it throws {@link ScanFailedError} after the status says why, so the failure counts as a failed
 * reconcile and the controller's error policy schedules the retry.
 */
export async function reconcileScanPolicy(policy: ImageScanPolicy, ctx: ScanPolicyContext): Promise<Action> {
  if (policy.metadata.deletionTimestamp) return Action.awaitChange();
  try {
    return await scanPolicy(policy, ctx);
  } catch (error) {
    // The namespace is going: its reports and policies go with it, so there is nothing to retry.
    if (isNamespaceTerminating(error)) return Action.awaitChange();
    throw error;
  }
}

async function scanPolicy(policy: ImageScanPolicy, ctx: ScanPolicyContext): Promise<Action> {
  const { client, now } = ctx;
  const key = `${policy.metadata.namespace}/${policy.metadata.name}`;
  const namespace = policy.metadata.namespace ?? '';
  const scope = namespaceVerdict(namespace, ctx.namespaces);
  if (!scope.scanned) {
    await updateStatus<ImageScanPolicyStatus>(client, IMAGE_SCAN_POLICIES, policy, (status) =>
      excludedStatusFields(policy, scope.reason, status, now),
    );
    return Action.awaitChange();
  }
  const nodes = ctx.store(NODES);
  const pods = ctx.store<ScannedPod & { apiVersion?: string; kind?: string }>(PODS).list();
  const nodeLabels = (name: string) => nodes.get({ name })?.metadata?.labels;
  const plan = planScan(policy, pods, nodeLabels);
  // Images of one namespace share Secrets and ServiceAccounts: each is read once per reconcile.
  const read = readOnce(client, namespace);
  const outcomes = await Promise.all(plan.images.map((use) => scanOne(ctx, namespace, use, read)));
  const reports = ctx.store<VulnerabilityReport>(VULNERABILITY_REPORTS);
  const notifyProblems: string[] = [];
  const results: ImageResult[] = [];
  for (const outcome of outcomes) {
    const image = `${outcome.use.registry}/${outcome.use.repository}@${outcome.use.digest}`;
    if ('error' in outcome || outcome.result.kind === 'pending') {
      // The last report stands until a scan replaces it: an outage loses nothing, not even in the totals.
      const last = reports
        .list()
        .find((r) => r.metadata?.namespace === namespace && reportIsOf(r, outcome.use))?.report.summary;
      if ('error' in outcome) {
        const failure = scanFailure(image, outcome.error, outcome.hint);
        ctx.logger[failure.level]('an image could not be scanned', {
          policy: key,
          image,
          reason: failure.reason,
        });
        results.push({ kind: 'failed', text: failure.text, last });
      } else results.push({ kind: 'pending', last });
      continue;
    }
    const { image: resolved, report } = outcome.result;
    const name = reportName(resolved.repository, resolved.manifestDigest);
    const previous = reports.get({ namespace, name });
    // One report per image manifest and namespace: its owners and options come from every pod running that
    // manifest (of a multi-arch image: the pods on nodes of its platform) and every policy selecting one of
    // them, so policies that share an image write the same report.
    const owners = podsUsing(
      pods,
      namespace,
      {
        registry: resolved.registry,
        repository: resolved.repository,
        digest: resolved.manifestDigest,
        indexDigest: resolved.indexDigest,
        platform: resolved.platform,
      },
      nodeLabels,
    );
    const sharing = policiesIn(ctx, namespace).filter((p) =>
      owners.some((pod) => selects(p.spec.selector.matchLabels, pod)),
    );
    const inclusive = inclusiveOptions(sharing.map((p) => p.spec));
    const content = summarizeReport(report, {
      now: now(),
      severityThreshold: inclusive.severityThreshold,
      // The policies may leave unfixed findings out, or every pod running the image (by annotation).
      ignoreUnfixed: inclusive.ignoreUnfixed || podsIgnoreUnfixed(owners),
      previous: previous?.report,
    });
    results.push({ kind: 'scanned', summary: content.summary });
    const desired: VulnerabilityReport = {
      apiVersion: VULNERABILITY_REPORTS.apiVersion as VulnerabilityReport['apiVersion'],
      kind: 'VulnerabilityReport',
      metadata: {
        name,
        namespace,
        labels: reportLabels({ repository: resolved.repository, digest: resolved.manifestDigest }),
        // Owned by the pods running this manifest: when the last of them goes, the garbage collector deletes it.
        ownerReferences: owners.map((p) => ({
          apiVersion: 'v1',
          kind: 'Pod',
          name: p.metadata?.name ?? '',
          uid: p.metadata?.uid ?? '',
        })),
      },
      image: {
        registry: resolved.registry,
        repository: resolved.repository,
        digest: resolved.manifestDigest,
        ...(resolved.indexDigest ? { indexDigest: resolved.indexDigest } : {}),
        platform: {
          os: resolved.platform.os,
          architecture: resolved.platform.architecture,
          ...(resolved.platform.variant ? { variant: resolved.platform.variant } : {}),
        },
      },
      scanner: { name: 'Clair' },
      report: content,
    };
    // Every destination's ledger is carried over; this policy's own is brought up to date.
    const ledgers = {
      ...notifiedAnnotations(previous?.metadata?.annotations),
      ...(await notify(ctx, policy, desired, previous, notifyProblems, read)),
    };
    if (Object.keys(ledgers).length > 0) desired.metadata = { ...desired.metadata, annotations: ledgers };
    await client.createOrUpdate(VULNERABILITY_REPORTS, desired, previous);
  }

  const status = planScanStatus({ policy, results, skipped: plan.skipped, notifyProblems });
  await updateStatus<ImageScanPolicyStatus>(client, IMAGE_SCAN_POLICIES, policy, (current) =>
    scanStatusFields(policy, status, current, now),
  );
  // The reconcile failed: counted as such, and retried by the error policy (scanErrorPolicy).
  if (status.failed.length > 0) throw new ScanFailedError(key, status.failed);
  return Action.requeue(status.requeueAfterMs);
}

/**
 * Sends the findings of a report that no message has announced yet (at or above the policy's threshold) to the
 * policy's Slack webhook, and returns the destination's updated ledger of what was announced (as the annotation
 * to write) — stored on the report, so each (image, vulnerability) is announced once per destination, also
 * across restarts. Nothing is recorded when sending fails, so the next scan tries again.
 */
async function notify(
  ctx: ScanPolicyContext,
  policy: ImageScanPolicy,
  report: VulnerabilityReport,
  previous: VulnerabilityReport | undefined,
  problems: string[],
  read: ReadOnce,
): Promise<Record<string, string>> {
  const slackRef = policy.spec.notify?.slack?.webhookSecretRef;
  if (!slackRef) return {};
  const annotation = notifiedAnnotation(slackRef);
  const stored = previous?.metadata?.annotations?.[annotation];
  const keep = (value: string | undefined): Record<string, string> => (value ? { [annotation]: value } : {});
  const { ledger } = decodeLedger(stored, report.image.digest);
  const threshold = policy.spec.severityThreshold ?? 'Low';
  const due = newlyNotifiable(ledger, report.report.vulnerabilities, threshold);
  if (due.findings.length === 0) return keep(stored ?? encodeLedger(ledger));
  const namespace = policy.metadata.namespace ?? '';
  const secret = await read<SecretLike & { apiVersion: string; kind: string }>(SECRETS, slackRef.name).catch(
    (error: unknown) => {
      throw secretAccessError(error, namespace, slackRef.name, ctx.serviceAccount, SECRET_READER_ROLE);
    },
  );
  const url = secret?.data?.[slackRef.key];
  if (!url) {
    problems.push(
      `Secret ${namespace}/${slackRef.name} has no key ${slackRef.key}; create it with the Slack webhook URL`,
    );
    return keep(stored);
  }
  const outcome = await ctx.slack.send(
    { url: Buffer.from(url, 'base64').toString('utf8').trim(), name: `${namespace}/${slackRef.name}` },
    findingsMessage({
      kind: due.kind,
      namespace,
      image: report.image,
      threshold,
      findings: due.findings,
      summary: report.report.summary,
      policy: policy.metadata.name,
      time: ctx.now(),
    }),
  );
  if (outcome.status !== 'sent') {
    problems.push(
      `Slack webhook ${outcome.webhook}: ${outcome.reason}${outcome.httpStatus ? ` (HTTP ${outcome.httpStatus})` : ''}`,
    );
    return keep(stored);
  }
  return keep(
    encodeLedger(recordNotified(ledger, due.findings, { currentFindings: report.report.vulnerabilities })),
  );
}

/** Scans one image with the credentials its pods would pull with; a failure becomes a message, not a throw. */
async function scanOne(
  ctx: ScanPolicyContext,
  namespace: string,
  use: ImageUse,
  read: ReadOnce,
): Promise<Outcome> {
  try {
    const podSecrets = await readSecrets(ctx, read, namespace, use.pullSecrets);
    const account = await read<{
      apiVersion: string;
      kind: string;
      imagePullSecrets?: { name?: string }[];
    }>(SERVICE_ACCOUNTS, use.serviceAccountName);
    const accountSecrets = await readSecrets(
      ctx,
      read,
      namespace,
      (account?.imagePullSecrets ?? []).flatMap((s) => (s.name ? [s.name] : [])),
    );
    const missing = [...use.pullSecrets].filter((n) => !podSecrets.some((s) => s.metadata?.name === n));
    const { candidates } = selectCredentials(`${use.registry}/${use.repository}`, {
      podSecrets,
      serviceAccountSecrets: accountSecrets,
    });
    try {
      return { use, result: await ctx.scanner.scan({ ...use, credentials: candidates }) };
    } catch (error) {
      const hint =
        missing.length > 0
          ? ` (imagePullSecret ${missing.join(', ')} does not exist in ${namespace}; create it)`
          : '';
      return { use, error, hint };
    }
  } catch (error) {
    return { use, error };
  }
}

/** GETs of one namespace's objects, each made at most once (concurrent callers share the request). */
function readOnce(client: KubeClient, namespace: string): ReadOnce {
  const reads = new Map<string, Promise<unknown>>();
  return <T extends KubernetesObject>(resource: ResourceType, name: string) => {
    const key = `${resource.kind}/${name}`;
    let pending = reads.get(key);
    if (!pending) {
      pending = client.get<T>(resource, { namespace, name });
      reads.set(key, pending);
    }
    return pending as Promise<T | undefined>;
  };
}

async function readSecrets(
  ctx: ScanPolicyContext,
  read: ReadOnce,
  namespace: string,
  names: readonly string[],
): Promise<SecretLike[]> {
  const found = await Promise.all(
    names.map((name) =>
      read<SecretLike & { apiVersion: string; kind: string }>(SECRETS, name).catch((error: unknown) => {
        throw secretAccessError(error, namespace, name, ctx.serviceAccount, SECRET_READER_ROLE);
      }),
    ),
  );
  return found.filter((s): s is SecretLike & { apiVersion: string; kind: string } => s !== undefined);
}

/**
 * Scans what each ImageScanPolicy selects: every running pod's images by digest, through the {@link ImageScanner};
 * writes one VulnerabilityReport per image manifest in the namespace, owned by the pods running it (of a
 * multi-arch image, the pods on nodes of that manifest's platform), so it goes when they go; and the policy's
 * status: images scanned, counts by severity, and a Ready condition that names the image and the fix when a
 * scan fails. Rescans every `rescanInterval` by re-matching, not re-indexing. Failed scans are failed reconciles,
 * retried by {@link scanErrorPolicy} after `options.retry`'s delays.
 */
export function createScanController(kc: ApiServerAccess, options: ScanControllerOptions): ScanController {
  const slack = options.slack ?? new SlackSender();
  const reconciles = { success: 0, error: 0 };
  const record = options.metrics?.recorder('clair/imagescanpolicy');
  const controller = new Controller<ImageScanPolicy>(kc, IMAGE_SCAN_POLICIES, {
    name: 'clair/imagescanpolicy',
    logger: options.logger,
    concurrency: options.concurrency ?? 2,
    onReconciled: (outcome, ms) => {
      reconciles[outcome]++;
      record?.(outcome, ms);
    },
  });
  const ctx: ScanPolicyContext = {
    client: options.client ?? new ObjectClient(kc, REPORT_MANAGER),
    scanner: options.scanner,
    slack,
    logger: options.logger,
    now: options.now ?? (() => new Date()),
    namespaces: options.namespaces ?? DEFAULT_NAMESPACE_FILTER,
    serviceAccount: options.serviceAccount ?? 'nimbus-system:nimbus-clair',
    store: (resource) => controller.store(resource),
  };
  // A pod that appears, changes image status or goes re-plans the policies of its namespace.
  controller.watches(PODS, (pod) => policiesIn(ctx, pod.metadata?.namespace).map(refOf));
  controller.watches(VULNERABILITY_REPORTS, (report) =>
    policiesIn(ctx, report.metadata?.namespace).map(refOf),
  );
  controller.watches(NODES, () => [], { metadataOnly: true });

  options.scanMetrics?.observeReports(() =>
    controller
      .store<VulnerabilityReport>(VULNERABILITY_REPORTS)
      .list()
      .map((r) => ({
        namespace: r.metadata?.namespace ?? '',
        image: `${r.image.repository}@${r.image.digest}`,
        summary: r.report.summary,
      })),
  );

  return {
    reconciles,
    refresh(digests) {
      const wanted = new Set(digests);
      const affected = new Set(
        controller
          .store<VulnerabilityReport>(VULNERABILITY_REPORTS)
          .list()
          .filter(
            (r) =>
              wanted.has(r.image.digest) ||
              (r.image.indexDigest !== undefined && wanted.has(r.image.indexDigest)),
          )
          .map((r) => r.metadata?.namespace),
      );
      const queued = [...affected].flatMap((namespace) => policiesIn(ctx, namespace));
      for (const policy of queued) controller.enqueue(refOf(policy));
      return queued.length;
    },
    get ready() {
      return controller.ready;
    },
    start: () =>
      controller.start(reconcileScanPolicy, ctx, scanErrorPolicy(options.retry ?? DEFAULT_RETRY_DELAYS)),
    stop: async () => {
      await controller.stop();
      if (!options.slack) await slack.close();
    },
  };
}

/**
 * Whether a report is about the image pods run: by its manifest digest, or by the index digest they pulled on
 * nodes of the report's platform (the other platforms' reports of that index are not theirs).
 */
function reportIsOf(report: VulnerabilityReport, use: ImageUse): boolean {
  return runsReportedManifest(use, use.platform, report.image);
}
