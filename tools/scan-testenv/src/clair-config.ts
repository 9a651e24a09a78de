/** Everything {@link clairConfig} needs to render a combo-mode Clair config. */
export interface ClairConfigInput {
  /** Port of the API (`http_listen_addr`) on 127.0.0.1. */
  readonly httpPort: number;
  /** Port of `/metrics`, `/healthz` and `/readyz` (`introspection_addr`) on 127.0.0.1. */
  readonly introspectionPort: number;
  /** libpq connection strings of the three services' databases (they may be the same database). */
  readonly connStrings: { readonly indexer: string; readonly matcher: string; readonly notifier: string };
  /** Base64 pre-shared key; clients sign HS256 JWTs with its decoded bytes. */
  readonly pskKey: string;
  /** JWT issuers Clair accepts besides its own `clair-intraservice`. */
  readonly issuers: readonly string[];
  /** Where the notifier POSTs `{notification_id, callback}`; without it the notifier delivers nothing. */
  readonly notifierWebhook?: string;
  /**
   * The API origin of a combo-mode Clair whose indexer and matcher this Clair uses: set, the config is for a
   * notifier alone (`-mode notifier`) on that Clair's notifier database (`connStrings.notifier`), which the two
   * notifiers then share as replicas do, each on its own timers.
   */
  readonly notifierOf?: string;
  /** `debug-color`, `debug`, `info`, `warn`, `error`; default `info`. */
  readonly logLevel?: string;
  /**
   * Local copies of the two Red Hat mapping files (`{"data":{}}` will do). Without them the RHEL scanners
   * download the files from security.access.redhat.com, and with no Internet every index fails with
   * "rhel: unable to create a mappingFile object" — even for Debian images.
   */
  readonly rhelMappingFiles: { readonly repositoryToCpe: string; readonly containerNameToRepos: string };
}

/** Content of an empty Red Hat mapping file, for {@link ClairConfigInput.rhelMappingFiles}. */
export const EMPTY_MAPPING_FILE = '{"data":{}}\n';

/**
 * Renders a Clair v4 config for tests, as a JSON document (Clair reads `.json` configs; since 4.7 any unknown
 * key is fatal, so only keys of the v4.9 config schema appear):
 *
 * - combo mode on loopback ports, PSK JWT auth;
 * - `migrations: true` everywhere, so Clair creates its schemas in the empty databases;
 * - `matcher.disable_updaters`: vulnerability data comes only from `clairctl import-updaters`, never from the
 *   Internet; `update_retention` 10 keeps the previous operations the notifier diffs against;
 * - `indexer.airgap`: layer fetches may only reach private and loopback addresses, which is exactly our
 *   registry; a test can never fetch from the Internet by accident;
 * - scanners that would call out to the Internet are kept local: the RHEL repository and container scanners
 *   read mapping files from disk, the Java scanner does not query Maven Central;
 * - notifier intervals of 1 minute, the least Clair accepts (shorter values are silently raised to the
 *   6 h / 1 h defaults);
 * - with `notifierOf`, a notifier alone instead, on the given Clair's indexer, matcher and notifier database.
 */
export function clairConfig(input: ClairConfigInput): Record<string, unknown> {
  const api = `http://127.0.0.1:${input.httpPort}`;
  const notifier = {
    connstring: input.connStrings.notifier,
    migrations: true,
    poll_interval: '1m',
    delivery_interval: '1m',
    ...(input.notifierWebhook
      ? { webhook: { target: input.notifierWebhook, callback: `${api}/notifier/api/v1/notification/` } }
      : {}),
  };
  const common = {
    http_listen_addr: `127.0.0.1:${input.httpPort}`,
    introspection_addr: `127.0.0.1:${input.introspectionPort}`,
    log_level: input.logLevel ?? 'info',
  };
  const rest = {
    auth: { psk: { key: input.pskKey, iss: [...input.issuers] } },
    metrics: { name: 'prometheus' },
  };
  if (input.notifierOf) {
    // The combo-mode Clair migrated the database; this one reaches its indexer and matcher over their APIs.
    const remote = { migrations: false, indexer_addr: input.notifierOf, matcher_addr: input.notifierOf };
    return { ...common, notifier: { ...notifier, ...remote }, ...rest };
  }
  return {
    ...common,
    indexer: {
      connstring: input.connStrings.indexer,
      migrations: true,
      airgap: true,
      scanlock_retry: 1,
      scanner: {
        package: {
          rhel_containerscanner: { name2repos_mapping_file: input.rhelMappingFiles.containerNameToRepos },
          java: { disable_api: true },
        },
        repo: {
          'rhel-repository-scanner': { repo2cpe_mapping_file: input.rhelMappingFiles.repositoryToCpe },
        },
      },
      // A test may POST several manifests at once; Clair answers 429 beyond this many concurrent POSTs.
      index_report_request_concurrency: 16,
    },
    matcher: {
      connstring: input.connStrings.matcher,
      migrations: true,
      disable_updaters: true,
      update_retention: 10,
    },
    notifier,
    ...rest,
  };
}
