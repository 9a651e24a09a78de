import type { IntentDefinition, ParamDefinition } from './intent-id.js';

/**
 * One problem with the parameters of a SecurityIntent.
 */
export interface ParamIssue {
  /** The parameter the problem is about, as written in `spec.intent.params` or in the intent's definition. */
  readonly param: string;
  /** What is wrong and how to fix it, ready to show to the person who wrote the intent. */
  readonly message: string;
}

/** The shape of `spec.intent.params`: each parameter maps to a list of values. */
export type IntentParams = Readonly<Record<string, readonly string[]>>;

// Names are compared without case and punctuation to suggest a fix, because the usual mistakes are `cve_list` for
// `cveList` (upstream's own example makes it) and `High` written as `high`.
function looseKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function closest(wanted: string, candidates: readonly string[]): string | undefined {
  const key = looseKey(wanted);
  return candidates.find((candidate) => looseKey(candidate) === key);
}

function quoteList(items: readonly string[]): string {
  return items.map((item) => `"${item}"`).join(', ');
}

function unknownParamIssue(definition: IntentDefinition, name: string): ParamIssue {
  const names = definition.params.map((param) => param.name);
  const suggestion = closest(name, names);
  let fix: string;
  if (suggestion !== undefined) fix = `did you mean "${suggestion}"?`;
  else if (names.length === 0) fix = 'this intent takes no parameters, so remove it.';
  else fix = `use one of ${quoteList(names)} or remove it.`;
  return { param: name, message: `Intent "${definition.id}" has no parameter "${name}": ${fix}` };
}

function missingParamIssue(definition: IntentDefinition, param: ParamDefinition): ParamIssue {
  const sample = param.example ?? param.values;
  const hint = sample === undefined || sample.length === 0 ? '' : ` (for example ${quoteList(sample)})`;
  return {
    param: param.name,
    message: `Intent "${definition.id}" needs parameter "${param.name}" with at least one value${hint}.`,
  };
}

function valueIssue(definition: IntentDefinition, param: ParamDefinition, value: string): ParamIssue {
  const allowed = param.values ?? [];
  const suggestion = closest(value, allowed);
  const fix =
    suggestion === undefined
      ? `use one of ${quoteList(allowed)}`
      : `did you mean "${suggestion}"? Values are case-sensitive`;
  return {
    param: param.name,
    message: `Parameter "${param.name}" of intent "${definition.id}" does not accept "${value}": ${fix}.`,
  };
}

/**
 * Checks `params` against what `definition` declares: every name must be declared, every required parameter must
 * have a value, and enumerated parameters only take their listed values.
 *
 * @returns one issue per problem, empty when the parameters are fine.
 */
export function validateIntentParams(
  definition: IntentDefinition,
  params: IntentParams | undefined,
): ParamIssue[] {
  const given = params ?? {};
  const issues: ParamIssue[] = [];
  const declared = new Map(definition.params.map((param) => [param.name, param]));

  for (const [name, values] of Object.entries(given)) {
    const param = declared.get(name);
    if (param === undefined) {
      issues.push(unknownParamIssue(definition, name));
      continue;
    }
    if (param.values === undefined) continue;
    for (const value of values) {
      if (!param.values.includes(value)) issues.push(valueIssue(definition, param, value));
    }
  }

  // An empty list counts as missing: adapters read the first value, so `[]` behaves exactly like an absent key.
  for (const param of definition.params) {
    if (param.required && (given[param.name]?.length ?? 0) === 0)
      issues.push(missingParamIssue(definition, param));
  }
  return issues;
}
