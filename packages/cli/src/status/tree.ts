import type { Style } from '../style.js';
import { drawTree, type TreeNode } from '../tree-text.js';
import type {
  AdapterView,
  BindingView,
  ConditionView,
  EngineObjectView,
  PolicyView,
  StatusReport,
} from './model.js';

function where(namespace: string | undefined, name: string): string {
  return `${namespace ? `${namespace}/` : ''}${name}`;
}

function conditionText(c: ConditionView, style: Style): string {
  const text = `${c.type}=${c.status} ${c.reason}${c.message ? `: ${c.message}` : ''}${c.stale ? ' (stale)' : ''}`;
  return c.status === 'True' && !c.stale ? style.dim(text) : text;
}

function problemNodes(problems: readonly string[], style: Style): TreeNode[] {
  return problems.map((p) => ({ label: `${style.fail} ${p}` }));
}

function objectNode(o: EngineObjectView, style: Style): TreeNode {
  const mark = o.state === 'present' ? style.ok : o.state === 'unchecked' ? style.unknown : style.fail;
  const note = {
    present: '',
    missing: ' missing',
    notOwned: ' not controlled by the policy',
    unchecked: ' (kind not known to nimbus; not checked)',
  }[o.state];
  const failed = o.ready?.status === 'False';
  const details = [
    ...(o.summary ? [o.summary] : []),
    ...(o.ready && (failed || o.ready.stale) ? [conditionText(o.ready, style)] : []),
  ];
  return {
    label: `${failed ? style.fail : mark} ${o.kind} ${where(o.namespace, o.name)}${note}${details.length > 0 ? `  ${details.join('; ')}` : ''}`,
  };
}

function adapterNode(a: AdapterView, style: Style): TreeNode {
  const mark = a.problems.length === 0 ? style.ok : style.fail;
  // Without a condition, the first problem says so; object problems show on the objects themselves.
  const condition = a.condition ? conditionText(a.condition, style) : (a.problems[0] ?? '');
  return {
    label: `${mark} adapter ${style.bold(a.name)}${condition ? `  ${condition}` : ''}`,
    children: a.objects.map((o) => objectNode(o, style)),
  };
}

function policyNode(p: PolicyView, style: Style): TreeNode {
  const mark =
    p.problems.length === 0 && p.adapters.every((a) => a.problems.length === 0) ? style.ok : style.fail;
  const label = `${mark} ${p.kind} ${style.bold(where(p.namespace, p.name))}`;
  if (!p.found) return { label: `${label} missing` };
  // A ClusterNimbusPolicy lists adapters only for engines with cluster-wide kinds; its rules are usually
  // enforced through the per-namespace NimbusPolicies, so an empty list there is not a gap.
  const clusterWithout = p.kind === 'ClusterNimbusPolicy' && p.rules.every((r) => r.adapters.length === 0);
  const arrow = style.unicode ? '→' : '->';
  const rules: TreeNode = {
    label: 'rules',
    children: p.rules.map((r) => ({
      label: clusterWithout
        ? r.id
        : `${r.id} ${arrow} ${r.adapters.length > 0 ? r.adapters.join(', ') : style.red('no adapter')}`,
    })),
  };
  return {
    label,
    children: [
      ...p.conditions.map((c) => ({
        label: `${c.status === 'True' && !c.stale ? style.ok : style.fail} ${conditionText(c, style)}`,
      })),
      ...problemNodes(
        p.problems.filter((problem) => !p.conditions.some((c) => problem.startsWith(`${c.type} `))),
        style,
      ),
      ...(p.rules.length > 0 ? [rules] : []),
      ...p.adapters.map((a) => adapterNode(a, style)),
    ],
  };
}

function bindingNode(b: BindingView, style: Style): TreeNode {
  const mark = b.healthy ? style.ok : style.fail;
  const intents: TreeNode = {
    label: 'intents',
    children: b.intents.map((i) => ({
      label: i.found
        ? `${i.problems.length === 0 ? style.ok : style.fail} ${i.name}  ${i.id} (${i.action})${i.problems.length > 0 ? `: ${i.problems.join('; ')}` : ''}`
        : `${style.fail} ${i.name}  not found`,
    })),
  };
  return {
    label: `${mark} ${b.kind} ${style.bold(where(b.namespace, b.name))}`,
    children: [
      ...b.conditions.map((c) => ({
        label: `${c.status === 'True' && !c.stale ? style.ok : style.fail} ${conditionText(c, style)}`,
      })),
      ...problemNodes(
        b.problems.filter((problem) => !b.conditions.some((c) => problem.startsWith(`${c.type} `))),
        style,
      ),
      intents,
      ...b.policies.map((p) => policyNode(p, style)),
    ],
  };
}

/**
 * The report as one tree per binding: its conditions, intents, policies, and per policy the adapters with the
 * engine objects they listed, each marked healthy or not; then a one-line summary.
 */
export function statusTree(report: StatusReport, style: Style): string {
  const scope = report.namespace ? `namespace ${report.namespace}` : 'any namespace';
  if (report.bindings.length === 0)
    return `No SecurityIntentBindings or ClusterSecurityIntentBindings in ${scope}.\n`;
  const degraded = report.bindings.filter((b) => !b.healthy).length;
  const summary = `${report.bindings.length} binding(s) in ${scope}: ${report.bindings.length - degraded} healthy, ${degraded} degraded`;
  return `${drawTree(
    report.bindings.map((b) => bindingNode(b, style)),
    style.unicode,
  )}\n\n${degraded > 0 ? style.red(summary) : style.green(summary)}\n`;
}
