import { TypeError as CelTypeError, Environment, EvaluationError, ParseError } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';
import {
  CEL_COST_LIMIT,
  type CelSyntaxNode,
  estimateCelCost,
  labelsSizeOf,
  RE2_MATCHES_FUNCTION,
} from './cel-budget.js';

/**
 * The name and labels of one pod, as much of a pod as the CEL selector needs. The caller lists the pods of
 * the binding's namespace; this module never talks to the API server.
 */
export interface PodLabels {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * `spec.cel[index]` cannot be used: the CEL library rejected it (syntax or type error), it does not produce a
 * bool, or it evaluated to a non-bool value for some pod.
 */
export interface CelInvalidExpression {
  readonly kind: 'invalid';
  /** Position of the expression in `spec.cel`. */
  readonly index: number;
  /** The expression exactly as written in the binding. */
  readonly expression: string;
  /** The CEL library's own one-line message (its `summary`), or ours for a non-bool result. */
  readonly message: string;
  /** Zero-based character offset into `expression` that the library points at, when it gives one. */
  readonly position?: number;
}

/**
 * One pod for which an expression could not be evaluated (for example `labels.tier` on a pod without a `tier`
 * label). Such a pod simply does not match; these are kept so a "no pod matches" report can say why.
 */
export interface CelEvaluationFailure {
  readonly pod: string;
  /** Position of the failing expression in `spec.cel`. */
  readonly index: number;
  /** The failing expression as written. */
  readonly expression: string;
  /** The CEL library's one-line evaluation message. */
  readonly message: string;
}

/** Every expression compiled, but no pod satisfies all of them, so CEL contributes no selector. */
export interface CelNoMatch {
  readonly kind: 'noMatch';
  readonly message: string;
  /** How many pods were evaluated. */
  readonly podCount: number;
  /** Pods whose evaluation raised an error rather than returning false, in pod-name order. */
  readonly evaluationFailures: readonly CelEvaluationFailure[];
}

/**
 * Some pods were selected, but they share no label (key and value) outside the controller-generated ones, so
 * the selection cannot be written as a NimbusPolicy `matchLabels`.
 */
export interface CelNoCommonLabels {
  readonly kind: 'noCommonLabels';
  readonly message: string;
  /** The pods the expressions did select, sorted by name. */
  readonly selected: readonly string[];
}

/**
 * `spec.cel[index]` would cost more than {@link CEL_COST_LIMIT} to evaluate against the labels of `pod`, so it
 * was not run (see `cel-budget.ts`). Typically comprehensions nested inside each other over `labels`.
 */
export interface CelBudgetExceeded {
  readonly kind: 'budgetExceeded';
  /** Position of the expression in `spec.cel`. */
  readonly index: number;
  /** The expression as written. */
  readonly expression: string;
  /** The first pod (in name order) whose labels make the expression too costly. */
  readonly pod: string;
  /** The estimated cost, in cost units, of evaluating the expression against that pod. */
  readonly cost: number;
  /** The limit it exceeds. */
  readonly limit: number;
}

/** Every way a `spec.cel` list can fail to become a label selector; switch on `kind`. */
export type CelSelectorError = CelInvalidExpression | CelBudgetExceeded | CelNoMatch | CelNoCommonLabels;

/** The expressions of one binding, parsed and type-checked once, ready to be run against many pods. */
export interface CompiledCelSelector {
  readonly kind: 'compiled';
  /** The source expressions, in `spec.cel` order. */
  readonly expressions: readonly string[];
  /**
   * Whether a pod with these labels satisfies every expression (an empty list is satisfied by every pod).
   *
   * An expression whose evaluation fails for this pod, typically `labels["x"]` or `labels.x` on a pod without
   * an `x` label, counts as "does not match" rather than as an error: one unlabelled pod must not break the
   * selection for the rest of the namespace, and CEL lets the author guard the access with `has(labels.x)` or
   * `"x" in labels`. A value that is not a bool is returned as {@link CelInvalidExpression}, because a selector
   * expression that can produce a non-bool is wrong as written, whichever pod exposed it.
   */
  matches(labels: Readonly<Record<string, string>>): boolean | CelInvalidExpression | CelBudgetExceeded;
  /**
   * The estimated cost, in cost units, of evaluating each expression (in `spec.cel` order) against a pod with
   * these labels: what the budget compares against {@link CEL_COST_LIMIT} before anything runs.
   */
  costs(labels: Readonly<Record<string, string>>): number[];
}

/**
 * What `spec.cel` selects in a namespace, and the label selector that stands for it in the NimbusPolicy.
 */
export interface CelSelection {
  readonly kind: 'selection';
  /** Names of the pods that satisfy every expression, sorted. */
  readonly selected: string[];
  /**
   * The labels, same key and same value, that every selected pod carries, leaving out `pod-template-hash`,
   * `controller-revision-hash` and `pod-template-generation`. Never empty.
   */
  readonly matchLabels: Record<string, string>;
  /**
   * Names of pods the expressions did NOT select that still carry all of `matchLabels`, sorted: the NimbusPolicy
   * will apply to them too, so the caller should warn when this is not empty.
   */
  readonly broader: string[];
}

// These labels are stamped by Deployment/ReplicaSet, StatefulSet and DaemonSet controllers and change with
// every rollout; a selector pinned to them would stop matching the workload after its next update.
const CONTROLLER_GENERATED_LABELS: ReadonlySet<string> = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
]);

// cel-js implements `matches` with a backtracking JavaScript RegExp: `(a+)+$` against a 31-character label runs
// for minutes. CEL's specification (and Kubernetes' CEL) gives `matches` RE2 semantics, which re2js implements
// in linear time. cel-js refuses a second `string.matches(string)` overload, so each parsed `matches` call is
// renamed to this function before type-checking, and messages say `matches` again (see libraryMessage).
const RE2_MATCHES = RE2_MATCHES_FUNCTION;

// Compiled patterns by source. Literal patterns are compiled once when the expression is; a pattern computed
// per pod is compiled on first use. Bounded, so patterns taken from labels cannot grow it without limit.
const compiledPatterns = new Map<string, RE2JS>();
const COMPILED_PATTERN_LIMIT = 1024;

function re2(pattern: string): RE2JS {
  let compiled = compiledPatterns.get(pattern);
  if (compiled === undefined) {
    compiled = RE2JS.compile(pattern);
    if (compiledPatterns.size >= COMPILED_PATTERN_LIMIT) {
      const oldest = compiledPatterns.keys().next().value;
      if (oldest !== undefined) compiledPatterns.delete(oldest);
    }
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

// Building an Environment is the costly part of the library, and this one is never changed after it is
// built, so every binding shares it. Declaring the variable's type lets the library type-check at compile time.
const environment = new Environment()
  .registerVariable('labels', 'map<string, string>')
  // `test` is RE2's partial match, which is what CEL's `matches` means (anchor with ^ and $ for a full one).
  .registerFunction(`string.${RE2_MATCHES}(string): bool`, (text: string, pattern: string) =>
    re2(pattern).test(text),
  );

type Evaluation =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'failed'; readonly index: number; readonly expression: string; readonly message: string }
  | {
      readonly kind: 'overBudget';
      readonly index: number;
      readonly expression: string;
      readonly cost: number;
    }
  | CelInvalidExpression;

type Program = (context: { labels: ReadonlyMap<string, string> }) => unknown;

interface CompiledExpression {
  readonly index: number;
  readonly expression: string;
  readonly program: Program;
  /** The estimated cost for a labels size bound (see cel-budget.ts); memoized, pods share few sizes. */
  readonly cost: (labelsSize: number) => number;
}

/**
 * Parses and type-checks every expression once, with `labels` declared as `map(string, string)`.
 *
 * The first expression the library rejects is returned as {@link CelInvalidExpression}; its message is the
 * library's. An expression the checker types as anything but `bool` (or `dyn`, which is only known per pod) is
 * invalid too. The expression text is handed to the library untouched and never inspected here.
 */
export function compileCelSelector(
  expressions: readonly string[],
): CompiledCelSelector | CelInvalidExpression {
  const compiled = compileAll(expressions);
  if (compiled.kind === 'invalid') return compiled;
  const { programs } = compiled;
  return {
    kind: 'compiled',
    expressions: [...expressions],
    matches(labels) {
      const outcome = evaluateAll(programs, labels);
      if (outcome.kind === 'invalid') return outcome;
      if (outcome.kind === 'overBudget') return overBudget(outcome, '');
      return outcome.kind === 'true';
    },
    costs(labels) {
      const size = labelsSizeOf(labels);
      return programs.map((p) => p.cost(size));
    },
  };
}

/**
 * Evaluates `spec.cel` against the pods of a namespace and derives the `matchLabels` that stand for the result.
 *
 * - `expressions` empty: returns `undefined`, meaning the binding has no CEL and the caller skips this step.
 * - An expression that does not compile: {@link CelInvalidExpression}.
 * - A pod is selected when every expression is true for its labels (see {@link CompiledCelSelector.matches}
 *   for pods on which an expression fails to evaluate).
 * - No pod selected: {@link CelNoMatch}; the caller reports it and builds no selector from CEL.
 * - `matchLabels` is the set of labels, same key and same value, shared by every selected pod, ignoring the
 *   controller-generated `pod-template-hash`, `controller-revision-hash` and `pod-template-generation`.
 *   If that set is empty: {@link CelNoCommonLabels}, because a NimbusPolicy selector is matchLabels only.
 * - `broader` lists the unselected pods that `matchLabels` would still select.
 *
 * CEL selects pods but the NimbusPolicy holds a label selector, so the result is only as exact as the labels
 * the selected pods have in common; `broader` says when it is not exact.
 */
export function resolveCelSelector(
  expressions: readonly string[],
  pods: readonly PodLabels[],
): CelSelection | CelSelectorError | undefined {
  if (expressions.length === 0) return undefined;
  const compiled = compileAll(expressions);
  if (compiled.kind === 'invalid') return compiled;

  const ordered = [...pods].sort((a, b) => compareStrings(a.name, b.name));
  const selected: PodLabels[] = [];
  const rejected: PodLabels[] = [];
  const failures: CelEvaluationFailure[] = [];
  for (const pod of ordered) {
    const outcome = evaluateAll(compiled.programs, pod.labels);
    switch (outcome.kind) {
      case 'invalid':
        return outcome;
      case 'overBudget':
        return overBudget(outcome, pod.name);
      case 'true':
        selected.push(pod);
        break;
      case 'failed':
        failures.push({
          pod: pod.name,
          index: outcome.index,
          expression: outcome.expression,
          message: outcome.message,
        });
        rejected.push(pod);
        break;
      case 'false':
        rejected.push(pod);
        break;
    }
  }

  if (selected.length === 0) return noMatch(ordered.length, failures);

  const matchLabels = sharedLabels(selected);
  const selectedNames = selected.map((p) => p.name);
  if (Object.keys(matchLabels).length === 0) {
    return {
      kind: 'noCommonLabels',
      message:
        `the ${selected.length} pod(s) selected by spec.cel (${selectedNames.join(', ')}) share no label ` +
        'that a matchLabels selector could use',
      selected: selectedNames,
    };
  }

  const broader = rejected.filter((pod) => carriesAll(pod.labels, matchLabels)).map((pod) => pod.name);
  return { kind: 'selection', selected: selectedNames, matchLabels, broader };
}

/**
 * A one-line, human explanation of a {@link CelSelectorError} for a status condition or an event: it names the
 * offending `spec.cel[i]` and its expression where there is one, and says how to fix it.
 */
export function describeCelError(err: CelSelectorError): string {
  switch (err.kind) {
    case 'invalid': {
      const where = err.position === undefined ? '' : ` (at character ${err.position + 1})`;
      return (
        `spec.cel[${err.index}] ${JSON.stringify(err.expression)} is not a usable selector${where}: ${err.message}. ` +
        `Fix spec.cel[${err.index}] so that it is a CEL expression over the pod's \`labels\` map that evaluates ` +
        'to a bool, for example labels["app"] == "web".'
      );
    }
    case 'budgetExceeded':
      return (
        `spec.cel[${err.index}] ${JSON.stringify(err.expression)} would cost an estimated ${err.cost} units ` +
        `against the labels of pod ${err.pod || '(given)'}, over the limit of ${err.limit} per evaluation, so it ` +
        `was not evaluated. Simplify spec.cel[${err.index}]: avoid comprehensions (all, exists, map, filter) ` +
        'nested inside each other over labels; compare specific labels instead, for example labels["app"] == "web".'
      );
    case 'noMatch': {
      const first = err.evaluationFailures[0];
      const why =
        first === undefined
          ? ''
          : ` ${err.evaluationFailures.length} pod(s) could not be evaluated, e.g. pod ${first.pod} at ` +
            `spec.cel[${first.index}] ${JSON.stringify(first.expression)}: ${first.message}; guard label lookups ` +
            'with has(labels.key) or "key" in labels.';
      const none =
        err.podCount === 0
          ? 'the namespace has no pods, so spec.cel selects none'
          : `spec.cel selects none of the ${err.podCount} pod(s) in the namespace`;
      return (
        `${none}, so no selector was derived from it.${why} Compare the expressions with the pod labels ` +
        '(kubectl get pods --show-labels) and adjust them or the labels.'
      );
    }
    case 'noCommonLabels':
      return (
        `${err.message}, so the selection cannot be expressed as a NimbusPolicy selector. Narrow spec.cel so the ` +
        'selected pods share a label, give those pods a common label, or use spec.selector.workloadSelector instead.'
      );
  }
}

function compileAll(
  expressions: readonly string[],
): { readonly kind: 'ok'; readonly programs: readonly CompiledExpression[] } | CelInvalidExpression {
  const programs: CompiledExpression[] = [];
  for (const [index, expression] of expressions.entries()) {
    const result = compileOne(index, expression);
    if (result.kind === 'invalid') return result;
    programs.push(result.value);
  }
  return { kind: 'ok', programs };
}

function compileOne(
  index: number,
  expression: string,
): { readonly kind: 'ok'; readonly value: CompiledExpression } | CelInvalidExpression {
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = environment.parse(expression);
  } catch (error) {
    return invalid(index, expression, error);
  }
  const regexError = useRe2ForMatches(parsed.ast as CelSyntaxNode);
  if (regexError !== undefined) return { kind: 'invalid', index, expression, ...regexError };
  const checked = parsed.check();
  if (!checked.valid) return invalid(index, expression, checked.error);
  // `dyn` passes here because its concrete type depends on the pod; evaluation re-checks the value.
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return {
      kind: 'invalid',
      index,
      expression,
      message: `expression has type ${checked.type ?? 'unknown'}, but a selector expression must be a bool`,
    };
  }
  const ast = parsed.ast as CelSyntaxNode;
  const costs = new Map<number, number>();
  const cost = (labelsSize: number): number => {
    let known = costs.get(labelsSize);
    if (known === undefined) {
      known = estimateCelCost(ast, labelsSize);
      costs.set(labelsSize, known);
    }
    return known;
  };
  return { kind: 'ok', value: { index, expression, program: parsed, cost } };
}

/**
 * Points every `x.matches(p)` call of a parsed expression at the RE2 implementation, and compiles each literal
 * pattern now, so a pattern RE2 rejects (backreferences, lookaround, ...) makes the expression invalid before it
 * meets a pod. Returns the first rejection, or undefined.
 */
function useRe2ForMatches(ast: CelSyntaxNode): { message: string; position?: number } | undefined {
  let rejected: { message: string; position?: number } | undefined;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (typeof value !== 'object' || value === null || typeof (value as CelSyntaxNode).op !== 'string')
      return;
    const node = value as CelSyntaxNode & { args: unknown; start?: number };
    if (node.op === 'rcall' && Array.isArray(node.args) && node.args[0] === 'matches') {
      node.args[0] = RE2_MATCHES;
      const pattern = (node.args[2] as CelSyntaxNode[] | undefined)?.[0] as
        | (CelSyntaxNode & { start?: number })
        | undefined;
      if (rejected === undefined && pattern?.op === 'value' && typeof pattern.args === 'string') {
        try {
          re2(pattern.args);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          rejected = {
            message:
              `the pattern ${JSON.stringify(pattern.args)} is not valid RE2 syntax (${reason}); matches() uses ` +
              'RE2, which has no backreferences or lookaround and repeats at most 1000 times: rewrite the pattern ' +
              'without them',
            ...(pattern.start === undefined ? {} : { position: pattern.start }),
          };
        }
      }
    }
    visit(node.args);
  };
  visit(ast);
  return rejected;
}

function evaluateAll(
  compiled: readonly CompiledExpression[],
  labels: Readonly<Record<string, string>>,
): Evaluation {
  // A Map makes the label set the map's whole key space, so nothing inherited from Object.prototype can ever
  // look like a label to the library.
  const context = { labels: new Map(Object.entries(labels)) };
  const labelsSize = labelsSizeOf(labels);
  for (const entry of compiled) {
    // The budget is checked before anything runs: cel-js cannot stop an evaluation once it has started.
    const cost = entry.cost(labelsSize);
    if (cost > CEL_COST_LIMIT) {
      return { kind: 'overBudget', index: entry.index, expression: entry.expression, cost };
    }
    let value: unknown;
    try {
      value = entry.program(context);
    } catch (error) {
      return {
        kind: 'failed',
        index: entry.index,
        expression: entry.expression,
        message: libraryMessage(error).message,
      };
    }
    if (typeof value !== 'boolean') {
      return {
        kind: 'invalid',
        index: entry.index,
        expression: entry.expression,
        message: `expression evaluated to a ${celTypeName(value)} value, but a selector expression must be a bool`,
      };
    }
    // The list is a conjunction, so the first false decides and the remaining expressions need not run.
    if (!value) return { kind: 'false' };
  }
  return { kind: 'true' };
}

function overBudget(
  outcome: { readonly index: number; readonly expression: string; readonly cost: number },
  pod: string,
): CelBudgetExceeded {
  return {
    kind: 'budgetExceeded',
    index: outcome.index,
    expression: outcome.expression,
    pod,
    cost: outcome.cost,
    limit: CEL_COST_LIMIT,
  };
}

function invalid(index: number, expression: string, error: unknown): CelInvalidExpression {
  const { message, position } = libraryMessage(error);
  return { kind: 'invalid', index, expression, message, ...(position === undefined ? {} : { position }) };
}

function libraryMessage(error: unknown): { message: string; position?: number } {
  // The library's `message` repeats the source with a caret drawn under it over several lines; `summary` is
  // the same text without that, which suits a condition, and the offset is kept apart for describeCelError.
  if (error instanceof ParseError || error instanceof CelTypeError || error instanceof EvaluationError) {
    const position = error.range?.start;
    return { message: publicName(error.summary), ...(position === undefined ? {} : { position }) };
  }
  return { message: publicName(error instanceof Error ? error.message : String(error)) };
}

// The author wrote `matches`; never show them the name it was renamed to.
function publicName(message: string): string {
  return message.replaceAll(RE2_MATCHES, 'matches');
}

function celTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'double';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Map || typeof value === 'object') return 'map';
  return typeof value;
}

function noMatch(podCount: number, failures: readonly CelEvaluationFailure[]): CelNoMatch {
  const tail = failures.length === 0 ? '' : `; ${failures.length} of them could not be evaluated`;
  return {
    kind: 'noMatch',
    message:
      podCount === 0
        ? 'no pod to evaluate spec.cel against: the namespace has no pods'
        : `no pod satisfies every spec.cel expression (${podCount} pod(s) checked${tail})`,
    podCount,
    evaluationFailures: [...failures],
  };
}

function sharedLabels(pods: readonly PodLabels[]): Record<string, string> {
  const [first, ...rest] = pods;
  if (first === undefined) return {};
  const shared = Object.entries(first.labels)
    .filter(([key]) => !CONTROLLER_GENERATED_LABELS.has(key))
    .filter(([key, value]) =>
      rest.every((pod) => Object.hasOwn(pod.labels, key) && pod.labels[key] === value),
    )
    .sort(([a], [b]) => compareStrings(a, b));
  return Object.fromEntries(shared);
}

function carriesAll(
  labels: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(wanted).every(([key, value]) => Object.hasOwn(labels, key) && labels[key] === value);
}

// Code-unit order, not locale order, so the output is the same on every machine.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
