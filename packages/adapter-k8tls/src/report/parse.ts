/**
 * k8tls's JSON report, as its `tlsscan` script writes it (and `k8s_tlsscan` combines it with jq):
 *
 * ```json
 * { "app": { "version": "v0.1" },
 *   "endpoints": [
 *     { "namespace": "optional", "svc": "default/kubernetes[https]", "host": "10.0.0.1", "port": "443",
 *       "finding": [ { "plugin": "tls-security", "title": "…", "compliance": "NIST.SP.800-52", "control-id": "2.1",
 *                      "description": "…", "link": "…", "severity": "critical", "remediationEstEffort": "medium",
 *                      "solution": "…", "status": "OK" } ] } ] }
 * ```
 *
 * `status` is `OK` or `PASS` when a check passes, `FAIL` when it does not and `ERROR` when it could not run;
 * `port` is a string. The script writes the JSON with heredocs, so one plugin (exposed-ports) emits a line
 * without its trailing comma; {@link parseK8tlsReport} repairs exactly that.
 */

/** One check k8tls ran on one endpoint. */
export interface K8tlsFinding {
  readonly plugin: string;
  readonly title: string;
  readonly status: string;
  readonly severity?: string;
  readonly compliance?: string;
  readonly controlId?: string;
  readonly description?: string;
  readonly solution?: string;
  readonly link?: string;
}

/** One scanned address with its findings. */
export interface K8tlsEndpoint {
  /** What k8tls calls it: `<namespace>/<service>[<port name>]` for Services, the address for external ones. */
  readonly name: string;
  /** The Service's namespace, from the report or from `name`. */
  readonly namespace?: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly findings: readonly K8tlsFinding[];
}

/** A parsed k8tls report. */
export interface K8tlsReport {
  /** k8tls's report format version (`app.version`), when given. */
  readonly version?: string;
  readonly endpoints: readonly K8tlsEndpoint[];
}

/** The outcome of {@link parseK8tlsReport}: the report, or why the text is not one. */
export type ParseResult =
  | { readonly ok: true; readonly report: K8tlsReport }
  | { readonly ok: false; readonly error: string };

/** Whether a finding's status says the check did not pass. */
export function isFailed(finding: K8tlsFinding): boolean {
  return finding.status.toUpperCase() !== 'OK' && finding.status.toUpperCase() !== 'PASS';
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

// A string value ending a line, followed by a line that starts a new "key": the comma k8tls forgot.
const MISSING_COMMA = /("[^"\n]*"[ \t]*:[ \t]*"[^"\n]*")([ \t]*\r?\n[ \t]*")/g;

function parseJson(raw: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(raw) };
  } catch (first) {
    try {
      return { value: JSON.parse(raw.replace(MISSING_COMMA, '$1,$2')) };
    } catch {
      return { error: (first as Error).message };
    }
  }
}

function finding(value: unknown): K8tlsFinding | undefined {
  if (!isRecord(value)) return undefined;
  const plugin = text(value.plugin);
  const status = text(value.status);
  if (!plugin || status === undefined) return undefined;
  const optional = {
    severity: text(value.severity),
    compliance: text(value.compliance),
    controlId: text(value['control-id']),
    description: text(value.description),
    solution: text(value.solution),
    link: text(value.link),
  };
  return {
    plugin,
    title: text(value.title) ?? plugin,
    status,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined && v !== '')),
  };
}

/**
 * Parses the text of a k8tls JSON report. Findings without a plugin or a status are skipped (k8tls writes none
 * such); anything that is not a report at all is an error that says what was expected.
 */
export function parseK8tlsReport(raw: string): ParseResult {
  const parsed = parseJson(raw);
  if ('error' in parsed) return { ok: false, error: `the k8tls report is not JSON: ${parsed.error}` };
  const root = parsed.value;
  if (!isRecord(root) || !Array.isArray(root.endpoints)) {
    return { ok: false, error: 'the k8tls report has no "endpoints" list' };
  }
  const endpoints: K8tlsEndpoint[] = [];
  for (const entry of root.endpoints) {
    if (!isRecord(entry)) continue;
    const name = text(entry.svc) ?? '';
    const host = text(entry.host) ?? '';
    const portText = text(entry.port);
    const port = portText !== undefined && /^\d+$/.test(portText) ? Number(portText) : undefined;
    // k8s_tlsscan names Services <namespace>/<service>[<port name>]; tlsscan may give the namespace itself.
    const namespace = text(entry.namespace) ?? (name.includes('/') ? name.split('/')[0] : undefined);
    const findings = (Array.isArray(entry.finding) ? entry.finding : [])
      .map(finding)
      .filter((f): f is K8tlsFinding => f !== undefined);
    endpoints.push({
      name: name || `${host}:${portText ?? ''}`,
      ...(namespace ? { namespace } : {}),
      host,
      port,
      findings,
    });
  }
  const version = isRecord(root.app) ? text(root.app.version) : undefined;
  return { ok: true, report: { ...(version ? { version } : {}), endpoints } };
}
