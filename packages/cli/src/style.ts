import type { OutputStream } from './io.js';

/**
 * How output is decorated: ANSI colour and Unicode symbols on a terminal, plain ASCII in pipes, files, CI logs
 * and whenever `NO_COLOR` is set (https://no-color.org) or `TERM=dumb`.
 */
export interface Style {
  /** Whether ANSI colour codes are written. */
  readonly color: boolean;
  /** Whether ✔/✘ and box-drawing characters are written, rather than their ASCII stand-ins. */
  readonly unicode: boolean;
  /** The mark of something healthy. */
  readonly ok: string;
  /** The mark of something degraded or missing. */
  readonly fail: string;
  /** The mark of something that is neither, e.g. an object of a kind that cannot be checked. */
  readonly unknown: string;
  /** Colours `text` for errors and failed verdicts. */
  red(text: string): string;
  /** Colours `text` for success. */
  green(text: string): string;
  /** Colours `text` for warnings. */
  yellow(text: string): string;
  /** Colours `text` for notes. */
  cyan(text: string): string;
  /** Emphasizes `text`, e.g. object names and error locations. */
  bold(text: string): string;
  /** Fades `text` that needs no attention, e.g. conditions that are fine. */
  dim(text: string): string;
}

function paint(enabled: boolean, open: number, close: number): (text: string) => string {
  return enabled ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
}

/** The style for one output stream. */
export function styleFor(stream: OutputStream, env: Readonly<Record<string, string | undefined>>): Style {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const fancy = stream.isTTY === true && !noColor && env.TERM !== 'dumb';
  const red = paint(fancy, 31, 39);
  const green = paint(fancy, 32, 39);
  const yellow = paint(fancy, 33, 39);
  return {
    color: fancy,
    unicode: fancy,
    ok: green(fancy ? '✔' : 'ok'),
    fail: red(fancy ? '✘' : 'FAIL'),
    unknown: yellow(fancy ? '?' : '??'),
    red,
    green,
    yellow,
    cyan: paint(fancy, 36, 39),
    bold: paint(fancy, 1, 22),
    dim: paint(fancy, 2, 22),
  };
}
