/**
 * The cost of evaluating one CEL selector expression against one pod, bounded before it runs.
 *
 * `@marcbachmann/cel-js` has structural parse limits (AST nodes, nesting depth) but no step counter or time
 * limit during evaluation, and a selector runs on the operator's only thread: one expression that runs long
 * stalls every binding of every namespace. Kubernetes' own CEL bounds each expression with a cost estimate
 * derived from the sizes of its inputs; this module mirrors that idea. Its estimate is an upper bound on the
 * steps one evaluation can take, computed from the expression's syntax and the size of the pod's labels, so an
 * evaluation within budget provably stays within it and one over budget is refused without being run.
 *
 * The unit is one step: one AST node visited, one character a string function reads, one iteration of a
 * comprehension, one (character × pattern character) of an RE2 match, which is linear in both.
 */

/**
 * The most cost units one expression may spend on one pod: 1,000,000, Kubernetes' per-expression limit for
 * CRD validation rules. Real selectors cost well under 1,000 (a label lookup and a comparison about 10, a
 * `matches` over a 63-character label a few hundred); the limit leaves room for comprehensions over a pod's
 * labels, even two or three nested, and refuses deeper nesting, whose cost grows as the number of labels to the
 * power of the depth. Measured in cel-js, a unit costs some 20 ns, so one evaluation stays within tens of ms.
 */
export const CEL_COST_LIMIT = 1_000_000;

/**
 * The name `matches` calls are renamed to so that they run on RE2 (see `cel-selector.ts`); the estimator
 * prices both names as an RE2 match.
 */
export const RE2_MATCHES_FUNCTION = 'nimbusRe2Matches';

/**
 * The shape of a parsed expression this estimator reads: cel-js's `ASTNode` (`op` and `args`), which the
 * library exposes as `parse(expression).ast`. Macros (`all`, `exists`, `map`, ...) keep their surface form
 * here, a method call whose arguments are the iteration variable(s) and the body.
 */
export interface CelSyntaxNode {
  readonly op: string;
  readonly args: unknown;
}

/** The methods cel-js expands into comprehensions: each iterates its receiver once. */
const COMPREHENSIONS: ReadonlySet<string> = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** What the estimator knows about a sub-expression: its cost, and a bound on its size. */
interface Estimate {
  readonly cost: number;
  /**
   * An upper bound on every length inside the value: a string's characters, a list's or map's entries, and
   * the same for anything nested in it. One bound for all is coarser than Kubernetes' separate ones, but it
   * keeps the rules short and stays an upper bound: an element is never larger than its container's bound,
   * and a concatenation never exceeds the sum of its parts.
   */
  readonly size: number;
}

/**
 * Upper bound, in cost units, of one evaluation of `ast` with `labels` bound to a map whose size bound is
 * `labelsSize` (see {@link labelsSizeOf}). The result grows with the input only where the expression's work
 * does, so it is what a budget compares against {@link CEL_COST_LIMIT}.
 */
export function estimateCelCost(ast: CelSyntaxNode, labelsSize: number): number {
  return estimate(ast, new Map([['labels', labelsSize]])).cost;
}

/**
 * The size bound of a pod's `labels` map for {@link estimateCelCost}: the number of labels or the longest
 * key or value, whichever is larger (at least 1).
 */
export function labelsSizeOf(labels: Readonly<Record<string, string>>): number {
  let size = Math.max(1, Object.keys(labels).length);
  for (const [key, value] of Object.entries(labels)) size = Math.max(size, key.length, value.length);
  return size;
}

function estimate(node: CelSyntaxNode, scope: ReadonlyMap<string, number>): Estimate {
  const args = node.args;
  switch (node.op) {
    case 'value':
      return { cost: 1, size: typeof args === 'string' ? Math.max(1, args.length) : 1 };
    case 'id':
      // Every name in scope is `labels` or bound below; anything else is refused by the type checker, and
      // sizing it as the largest value in scope keeps the estimate an upper bound even so.
      return { cost: 1, size: scope.get(String(args)) ?? Math.max(1, ...scope.values()) };
    case 'rcall': {
      const [name, receiver, callArgs] = args as [string, CelSyntaxNode, CelSyntaxNode[]];
      if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && callArgs.length === 3) {
        return bind(callArgs as [CelSyntaxNode, CelSyntaxNode, CelSyntaxNode], scope);
      }
      const recv = estimate(receiver, scope);
      if (COMPREHENSIONS.has(name) && callArgs.length >= 2) return comprehension(name, recv, callArgs, scope);
      const parts = callArgs.map((a) => estimate(a, scope));
      const cost = 1 + recv.cost + sum(parts.map((p) => p.cost));
      if (name === 'matches' || name === RE2_MATCHES_FUNCTION) {
        // RE2 simulates the pattern's automaton over the input: time linear in input × pattern.
        const pattern = parts[0]?.size ?? 1;
        return { cost: cost + recv.size * (pattern + 1), size: 1 };
      }
      if (name === 'join') {
        // Flattens a list: as many elements as the bound, each as long as the bound, plus separators.
        const size = recv.size * (recv.size + (parts[0]?.size ?? 0));
        return { cost: cost + size, size };
      }
      // Every other string or list method reads its inputs once and returns at most what it read.
      const size = recv.size + sum(parts.map((p) => p.size));
      return { cost: cost + size, size };
    }
    default: {
      const parts = children(node).map((c) => estimate(c, scope));
      const size = sum(parts.map((p) => p.size));
      // Comparisons, concatenation, `in` and calls read their operands once: charge their sizes.
      return { cost: 1 + sum(parts.map((p) => p.cost)) + size, size: Math.max(1, size) };
    }
  }
}

// A comprehension runs its body once per element of the receiver, with the iteration variable(s) no larger
// than the receiver. `all(k, v, body)` binds two variables; `map(x, filter, transform)` has two bodies.
function comprehension(
  name: string,
  receiver: Estimate,
  callArgs: readonly CelSyntaxNode[],
  scope: ReadonlyMap<string, number>,
): Estimate {
  const twoVariables = name !== 'map' && name !== 'filter' && callArgs.length === 3;
  const variables = callArgs.slice(0, twoVariables ? 2 : 1);
  const bodies = callArgs.slice(variables.length);
  const inner = new Map(scope);
  for (const v of variables) if (v.op === 'id') inner.set(String(v.args), receiver.size);
  const parts = bodies.map((b) => estimate(b, inner));
  const perElement = 1 + sum(parts.map((p) => p.cost));
  const iterations = receiver.cost + receiver.size * perElement;
  const last = parts[parts.length - 1]?.size ?? 1;
  const size = name === 'map' ? Math.max(receiver.size, last) : name === 'filter' ? receiver.size : 1;
  return { cost: 1 + iterations, size };
}

// `cel.bind(x, value, body)`: the body sees `x` as large as `value`. The value is charged once per use of `x`
// in case the library evaluates it lazily, which is at most its cost times the body's.
function bind(
  [variable, value, body]: readonly [CelSyntaxNode, CelSyntaxNode, CelSyntaxNode],
  scope: ReadonlyMap<string, number>,
): Estimate {
  const bound = estimate(value, scope);
  const inner = new Map(scope);
  if (variable.op === 'id') inner.set(String(variable.args), bound.size);
  const result = estimate(body, inner);
  return { cost: 1 + bound.cost * result.cost + result.cost, size: result.size };
}

function children(node: CelSyntaxNode): CelSyntaxNode[] {
  const found: CelSyntaxNode[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) visit(v);
    else if (isNode(value)) found.push(value);
  };
  visit(node.args);
  return found;
}

function isNode(value: unknown): value is CelSyntaxNode {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string';
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
