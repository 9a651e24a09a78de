import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, NETPOL_ADAPTER, run } from '../helpers.js';

// `nimbus validate` on files with deliberate mistakes at known lines: every finding must name the file, line
// and column of the field it is about, the object, and the fix.

describe('nimbus validate', () => {
  const intents = fixture('invalid/intents.yaml');
  const bindings = fixture('invalid/bindings.yaml');

  it('reports schema, ID pool and parameter mistakes of SecurityIntents at their lines', async () => {
    const { code, stdout, stderr } = await run(['validate', '-f', intents]);
    expect(code).toBe(1);
    expect(stdout.trimEnd().split('\n')).toEqual([
      `${intents}:8:9: SecurityIntent/typo: unknown intent ID "dnsManipulaton": no adapter enforces it; did you mean "dnsManipulation"?`,
      `${intents}:18:13: SecurityIntent/bad-action: spec.intent.action: unsupported value "Deny"; use one of "Block", "Audit", "Enforce"`,
      `${intents}:26:9: SecurityIntent/tutorial-alias: note: "pkgMgrs" is an alias of "swDeploymentTools"; adapters treat it as swDeploymentTools and name their policies after it`,
      `${intents}:38:7: SecurityIntent/escape-params: Parameter "psaLevel" of intent "escapeToHost" does not accept "strict": use one of "baseline", "restricted".`,
      `${intents}:39:7: SecurityIntent/escape-params: Intent "escapeToHost" has no parameter "psa_level": did you mean "psaLevel"?`,
      `${intents}:41:13: SecurityIntent/old-version: intent.security.nimbus.com/v1 is not served; use apiVersion: intent.security.nimbus.com/v1alpha1 (upstream Nimbus's samples still say intent.security.nimbus.com/v1)`,
      `${intents}:58:5: SecurityIntent/virtual-patch: Intent "virtualPatch" needs parameter "cveList" with at least one value (for example "CVE-2021-44228").`,
      `${intents}:59:7: SecurityIntent/virtual-patch: Intent "virtualPatch" has no parameter "cve_list": did you mean "cveList"?`,
      `${intents}:64:9: SecurityIntent/typo: defined twice; the first is at ${intents}:5:9, and applying both keeps only the last`,
    ]);
    expect(stderr).toBe('nimbus validate: invalid: 8 errors, 0 warnings, 1 note (7 objects in 1 file)\n');
  });

  it('reports binding mistakes: tutorial selectors, missing intents, CEL syntax, namespace selectors', async () => {
    const { code, stdout } = await run(['validate', '-f', bindings, '-f', intents]);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith(bindings))).toEqual([
      `${bindings}:10:5: SecurityIntentBinding/tutorial-selector: spec.selector.matchLabels: unknown field "matchLabels"; write spec.selector.workloadSelector.matchLabels (the flat selector is the Nimbus tutorial's, not this API)`,
      `${bindings}:20:13: SecurityIntentBinding/missing-intent: warning: SecurityIntent "not-written-anywhere" is not in the input; the operator skips it until it exists in the cluster`,
      `${bindings}:36:7: SecurityIntentBinding/bad-cel: spec.cel[0] "labels[\\"app\\"] ==" is not a usable selector (at character 17): Unexpected token: EOF. Fix spec.cel[0] so that it is a CEL expression over the pod's \`labels\` map that evaluates to a bool, for example labels["app"] == "web".`,
      `${bindings}:46:5: ClusterSecurityIntentBinding/both-names: spec.selector.nsSelector: matchNames and excludeNames are both set; keep matchNames to target only the listed namespaces, or excludeNames to target all namespaces but the listed ones; the operator marks the binding ValidationFail and never retries it`,
    ]);
    // Files are reported in the order they were named.
    expect(lines[0]?.startsWith(bindings)).toBe(true);
  });

  it('reports YAML syntax errors with their position', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-validate-'));
    const broken = join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: b\ndata: {}\n',
    );
    const { code, stdout } = await run(['validate', broken]);
    expect(code).toBe(1);
    expect(stdout).toBe(
      `${broken}:6:1: YAML: Flow map in block collection must be sufficiently indented and end with a }\n`,
    );
  });

  it('accepts the upstream examples: exit 0, notes and warnings only', async () => {
    // With the netpol example loaded, as its users would: every rule but cocoWorkload has an adapter.
    const { code, stdout, stderr } = await run([
      'validate',
      '-f',
      fixture('upstream'),
      '--adapter',
      NETPOL_ADAPTER,
    ]);
    expect(code).toBe(0);
    // With the Kyverno adapter built in, every intent of upstream's examples has an adapter here.
    expect(stdout).toBe('');
    expect(stderr).toBe('nimbus validate: valid: 0 errors, 0 warnings, 0 notes (11 objects in 3 files)\n');
  });

  it('fails on warnings only with --strict', async () => {
    const text = `apiVersion: intent.security.nimbus.com/v1alpha1
kind: SecurityIntentBinding
metadata: {name: everything}
spec:
  intents: []
  selector: {}
`;
    const lenient = await run(['validate', '-f', '-'], { stdin: text });
    expect(lenient.code).toBe(0);
    expect(lenient.stdout.trimEnd().split('\n')).toEqual([
      '<stdin>:5:3: SecurityIntentBinding/everything: warning: binds no intents, so the operator writes no NimbusPolicy',
      '<stdin>:6:3: SecurityIntentBinding/everything: warning: selects every pod of the namespace: spec.selector.workloadSelector.matchLabels is empty and there is no spec.cel',
    ]);
    const strict = await run(['validate', '-f', '-', '--strict'], { stdin: text });
    expect(strict.code).toBe(1);
  });

  it('prints JSON for scripts', async () => {
    const { code, stdout, stderr } = await run(['validate', '-f', '-', '-o', 'json'], {
      stdin:
        'apiVersion: intent.security.nimbus.com/v1alpha1\nkind: SecurityIntent\nmetadata: {name: x}\nspec: {intent: {id: dnsManipulation}}\n',
    });
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      valid: false,
      diagnostics: [
        {
          file: '<stdin>',
          line: 4,
          column: 8,
          severity: 'error',
          subject: 'SecurityIntent/x',
          message: 'spec.intent: missing required field "action"',
        },
      ],
      summary: { errors: 1, warnings: 0, notes: 0, files: 1, objects: 1 },
    });
  });

  it('checks types, names and kinds against the CRDs', async () => {
    const { stdout } = await run(['validate', '-f', '-'], {
      stdin: `apiVersion: intent.security.nimbus.com/v1alpha1
kind: SecurityIntentBindng
metadata: {name: a}
---
apiVersion: intent.security.nimbus.com/v1alpha1
kind: SecurityIntentBinding
metadata: {name: Web_Binding}
spec:
  intents: {name: x}
  selector: {workloadSelector: {matchLabels: {enabled: true}}}
  slector: {}
`,
    });
    expect(stdout.trimEnd().split('\n')).toEqual([
      '<stdin>:2:7: SecurityIntentBindng/a: intent.security.nimbus.com has no kind "SecurityIntentBindng"; did you mean "SecurityIntentBinding"?',
      "<stdin>:7:18: SecurityIntentBinding/Web_Binding: metadata.name: \"Web_Binding\" is not a valid name; use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
      '<stdin>:9:12: SecurityIntentBinding/Web_Binding: spec.intents: must be a list, not a map',
      '<stdin>:10:56: SecurityIntentBinding/Web_Binding: spec.selector.workloadSelector.matchLabels.enabled: must be a string, not boolean true',
      '<stdin>:11:3: SecurityIntentBinding/Web_Binding: spec.slector: unknown field "slector"; did you mean "selector"?',
    ]);
  });

  it('says when a path cannot be read', async () => {
    const { code, stderr } = await run(['validate', '-f', '/nonexistent/intents.yaml']);
    expect(code).toBe(1);
    expect(stderr).toBe('nimbus validate: error: -f /nonexistent/intents.yaml: no such file or directory\n');
  });
});

describe('nimbus validate of intent IDs third-party adapters enforce', () => {
  const intent = (id: string, params = '') => `apiVersion: intent.security.nimbus.com/v1alpha1
kind: SecurityIntent
metadata: {name: guard}
spec:
  intent: {id: ${id}, action: Block${params}}
`;

  it('flags an ID outside the ID pool while no adapter that enforces it is loaded', async () => {
    const { code, stdout } = await run(['validate', '-f', '-'], { stdin: intent('acmeGuard') });
    expect(code).toBe(1);
    expect(stdout).toBe(
      '<stdin>:5:16: SecurityIntent/guard: unknown intent ID "acmeGuard": no adapter enforces it; the ID pool has ' +
        'swDeploymentTools, unAuthorizedSaTokenAccess, dnsManipulation, escapeToHost, ' +
        'preventExecutionFromTempOrLogsFolders, denyExternalNetworkAccess, cocoWorkload, virtualPatch, assessTLS, ' +
        'vulnerabilityScanning, disallowLatestTag, allowedRegistries, blockVulnerableImages; if a third-party ' +
        'adapter enforces it, load the adapter with --adapter\n',
    );
  });

  it('accepts it with the adapter loaded by --adapter, and says its parameters are not checked', async () => {
    const { code, stdout, stderr } = await run(
      ['validate', '-f', '-', '--adapter', fixture('adapters/acme.mjs'), '--strict'],
      { stdin: intent('acmeGuard') },
    );
    expect(stderr).toBe('nimbus validate: valid: 0 errors, 0 warnings, 1 note (1 object in 1 file)\n');
    expect(code).toBe(0);
    expect(stdout).toBe(
      '<stdin>:5:16: SecurityIntent/guard: note: "acmeGuard" is not in the ID pool; adapter acme enforces it, and defines no parameters for nimbus to check\n',
    );
  });

  it("checks parameters against the adapter's own registry when it defines the ID", async () => {
    const adapter = ['--adapter', fixture('adapters/acme-defined.mjs')];
    const good = await run(['validate', '-f', '-', ...adapter], {
      stdin: intent('acmeStrictGuard', ', params: {level: [high]}'),
    });
    expect(good.stdout).toBe('');
    expect(good.code).toBe(0);
    const bad = await run(['validate', '-f', '-', ...adapter], {
      stdin: intent('acmeStrictGuard', ', params: {level: [extreme]}'),
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe(
      '<stdin>:5:57: SecurityIntent/guard: Parameter "level" of intent "acmeStrictGuard" does not accept "extreme": use one of "low", "high".\n',
    );
  });
});
