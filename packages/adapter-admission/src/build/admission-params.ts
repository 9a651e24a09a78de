// The parameters of the admission intents (disallowLatestTag, allowedRegistries, blockVulnerableImages), read and
// checked. As for vulnerabilityScanning, each parameter of a NimbusPolicy rule is a list of strings, an empty list
// counts as absent, values are case-sensitive, and every problem of a rule is reported at once.

import type { SeverityThreshold, UnscannedImages } from '@nimbus-ts/scan-api';
import { DEFAULT_SEVERITY_THRESHOLD, rescanIntervalSeconds, SEVERITY_THRESHOLDS } from '@nimbus-ts/scan-api';

/** What admission does with an image whose scan is not ready in time when the rule does not say: fail closed. */
export const DEFAULT_UNSCANNED_IMAGES: UnscannedImages = 'Deny';

/** How long admission waits for a scan when the rule does not say, in seconds (the CRD's default). */
export const DEFAULT_SCAN_TIMEOUT_SECONDS = 10;

/** The shortest scan timeout, in seconds. */
export const MIN_SCAN_TIMEOUT_SECONDS = 1;

/**
 * The longest scan timeout, in seconds: the API server waits at most 30 s for a validating webhook, and the
 * webhook needs the rest to answer before the API server gives up on it.
 */
export const MAX_SCAN_TIMEOUT_SECONDS = 25;

/** The most registries one allowedRegistries rule may list (the CRD's maxItems). */
export const MAX_REGISTRIES = 64;

/** The longest registry entry, host, port and path prefix together (the CRD's maxLength). */
export const MAX_REGISTRY_LENGTH = 255;

/**
 * An allowed registry as the CRD stores it: a lower-case DNS host, an optional port, and an optional repository
 * path prefix of lower-case path components as the OCI distribution spec spells them, e.g. `docker.io`,
 * `registry.example.com:5000` or `ghcr.io/my-org`. No scheme and no trailing slash.
 */
export const REGISTRY_PATTERN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;

/** The admission intents this module reads the parameters of. */
type AdmissionIntent = 'disallowLatestTag' | 'allowedRegistries' | 'blockVulnerableImages';

/** Each admission intent's parameters, with what each accepts (for error messages). */
const ACCEPTED: { readonly [I in AdmissionIntent]: Readonly<Record<string, string>> } = {
  disallowLatestTag: {},
  allowedRegistries: {
    registries:
      'registry hosts, each with an optional port and repository path prefix and without a scheme, ' +
      'e.g. docker.io, registry.example.com:5000 or ghcr.io/my-org',
  },
  blockVulnerableImages: {
    severityThreshold: SEVERITY_THRESHOLDS.join(', '),
    unscannedImages: 'allow, deny',
    scanTimeout: `a duration from ${MIN_SCAN_TIMEOUT_SECONDS}s to ${MAX_SCAN_TIMEOUT_SECONDS}s, e.g. 10s or 20s`,
  },
};

/** The names of the parameters each admission intent accepts. */
export const ADMISSION_PARAMS: { readonly [I in AdmissionIntent]: readonly string[] } = {
  disallowLatestTag: Object.keys(ACCEPTED.disallowLatestTag),
  allowedRegistries: Object.keys(ACCEPTED.allowedRegistries),
  blockVulnerableImages: Object.keys(ACCEPTED.blockVulnerableImages),
};

/** An allowedRegistries rule's parameters: the registries, normalized, without duplicates. */
export interface AllowedRegistriesParams {
  readonly registries: readonly string[];
}

/** A blockVulnerableImages rule's parameters, defaults filled in, in the CRD's spelling. */
export interface BlockVulnerableImagesParams {
  readonly severityThreshold: SeverityThreshold;
  readonly unscannedImages: UnscannedImages;
  readonly scanTimeoutSeconds: number;
}

/** A rule's parameters as a NimbusPolicy carries them. */
type RuleParams = Readonly<Record<string, readonly string[]>> | undefined;

const quoted = (values: readonly string[]) => values.map((value) => `"${value}"`).join(', ');

/** Reads one rule's parameters, collecting every problem so that they are all reported at once. */
class ParamReader {
  private readonly problems: string[] = [];
  private readonly accepted: Readonly<Record<string, string>>;

  /** Records a problem for each parameter the intent does not have. */
  constructor(
    intent: AdmissionIntent,
    private readonly params: RuleParams,
  ) {
    this.accepted = ACCEPTED[intent];
    const names = ADMISSION_PARAMS[intent];
    for (const name of Object.keys(params ?? {})) {
      if (names.includes(name)) continue;
      this.problems.push(
        names.length === 0
          ? `there is no parameter "${name}"; ${intent} takes no parameters, so remove it`
          : `there is no parameter "${name}"; accepted parameters: ${names.join(', ')}`,
      );
    }
  }

  /** Every value of a parameter; none when it is absent. */
  list(name: string): readonly string[] {
    return this.params?.[name] ?? [];
  }

  /** The value of a one-value parameter, or undefined when it is absent (more than one value is a problem). */
  single(name: string): string | undefined {
    const values = this.list(name);
    if (values.length > 1) {
      this.problems.push(
        `parameter "${name}" takes one value, got ${values.length} (${quoted(values)}); ` +
          `accepted values: ${this.accepted[name]}`,
      );
    }
    return values[0];
  }

  /** Records a value the parameter does not accept, with what it accepts. */
  reject(name: string, value: string): void {
    this.problems.push(
      `parameter "${name}" does not accept "${value}"; accepted values: ${this.accepted[name]}`,
    );
  }

  /** Records a problem worded by the caller. */
  add(problem: string): void {
    this.problems.push(problem);
  }

  /** @throws Error listing every problem recorded, when there is one. */
  done(): void {
    if (this.problems.length > 0) throw new Error(this.problems.join('; '));
  }
}

/**
 * A registry as the CRD stores it, or undefined when `text` is not one (see {@link REGISTRY_PATTERN}).
 * Surrounding white space is dropped and the host lower-cased, since host names are case-insensitive; the path
 * prefix is kept as written, because repository names are case-sensitive and must already be lower case.
 */
export function normalizeRegistry(text: string): string | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const host = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const registry = host.toLowerCase() + (slash < 0 ? '' : trimmed.slice(slash));
  if (registry.length > MAX_REGISTRY_LENGTH || !REGISTRY_PATTERN.test(registry)) return undefined;
  const port = /:([0-9]+)/.exec(host)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) return undefined;
  return registry;
}

/**
 * The length of a scan timeout in seconds, or undefined when `text` is not a duration in whole hours, minutes
 * and seconds (the syntax of rescanInterval, e.g. `10s` or `1m`). Limits are not checked here.
 */
export function scanTimeoutSeconds(text: string): number | undefined {
  return rescanIntervalSeconds(text);
}

/**
 * Checks the parameters of a disallowLatestTag rule, which takes none.
 *
 * @throws Error naming every parameter given, since any is one too many.
 */
export function disallowLatestTagParams(params: RuleParams): void {
  new ParamReader('disallowLatestTag', params).done();
}

/**
 * Reads the parameters of an allowedRegistries rule: `registries`, required. Each value is trimmed and its host
 * lower-cased (see {@link normalizeRegistry}); repeats are dropped, keeping the first, so that two spellings of
 * one host give one entry.
 *
 * @throws Error listing every problem: an unknown parameter, no registry at all, an invalid registry (quoted as
 * given, with the accepted form) or more than {@link MAX_REGISTRIES}.
 */
export function allowedRegistriesParams(params: RuleParams): AllowedRegistriesParams {
  const reader = new ParamReader('allowedRegistries', params);
  const given = reader.list('registries');
  if (given.length === 0) {
    reader.add(
      `parameter "registries" needs at least one value; accepted values: ${ACCEPTED.allowedRegistries.registries}`,
    );
  }
  const registries: string[] = [];
  for (const value of given) {
    const registry = normalizeRegistry(value);
    if (registry === undefined) reader.reject('registries', value);
    else if (!registries.includes(registry)) registries.push(registry);
  }
  if (registries.length > MAX_REGISTRIES) {
    reader.add(
      `parameter "registries" lists ${registries.length} distinct registries; at most ${MAX_REGISTRIES} are ` +
        'accepted, so use path prefixes or fewer hosts',
    );
  }
  reader.done();
  return { registries };
}

/**
 * Reads the parameters of a blockVulnerableImages rule, each optional: `severityThreshold` (default
 * {@link DEFAULT_SEVERITY_THRESHOLD}), `unscannedImages` (`allow` or `deny`, written Allow or Deny; default
 * {@link DEFAULT_UNSCANNED_IMAGES}) and `scanTimeout` (a duration from 1s to 25s, written as seconds; default
 * {@link DEFAULT_SCAN_TIMEOUT_SECONDS}).
 *
 * @throws Error listing every problem: an unknown parameter (with the accepted names), more than one value, or
 * a value a parameter does not accept (with the accepted values).
 */
export function blockVulnerableImagesParams(params: RuleParams): BlockVulnerableImagesParams {
  const reader = new ParamReader('blockVulnerableImages', params);

  let severityThreshold: SeverityThreshold = DEFAULT_SEVERITY_THRESHOLD;
  const threshold = reader.single('severityThreshold');
  if (threshold !== undefined) {
    const known = SEVERITY_THRESHOLDS.find((t) => t === threshold);
    if (known === undefined) reader.reject('severityThreshold', threshold);
    else severityThreshold = known;
  }

  let unscannedImages = DEFAULT_UNSCANNED_IMAGES;
  const unscanned = reader.single('unscannedImages');
  if (unscanned === 'allow') unscannedImages = 'Allow';
  else if (unscanned === 'deny') unscannedImages = 'Deny';
  else if (unscanned !== undefined) reader.reject('unscannedImages', unscanned);

  let timeoutSeconds = DEFAULT_SCAN_TIMEOUT_SECONDS;
  const timeout = reader.single('scanTimeout');
  if (timeout !== undefined) {
    const seconds = scanTimeoutSeconds(timeout);
    if (seconds === undefined || seconds < MIN_SCAN_TIMEOUT_SECONDS || seconds > MAX_SCAN_TIMEOUT_SECONDS) {
      reader.reject('scanTimeout', timeout);
    } else {
      timeoutSeconds = seconds;
    }
  }

  reader.done();
  return { severityThreshold, unscannedImages, scanTimeoutSeconds: timeoutSeconds };
}
