import winston from 'winston';
import { redactSecrets, redactValue } from './redact.js';

/**
 * Applies {@link redactSecrets} to the message and every field of a line. Winston keeps the level and message
 * under symbols too; those are left as they are, and the JSON format writes the scrubbed fields.
 */
const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    const value = info[key];
    info[key] = typeof value === 'string' ? redactSecrets(value) : redactValue(value);
  }
  return info;
});

/** A structured JSON logger; every line carries `component` and whatever fields the caller adds. */
export type Logger = winston.Logger;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level; default `$LOG_LEVEL`, else `info`. */
  readonly level?: string;
  /** Where lines go; default stdout. Tests pass a stream to read what was logged. */
  readonly stream?: NodeJS.WritableStream;
}

/**
 * Creates the logger every nimbus-ts process uses: one JSON object per line with `timestamp`, `level`,
 * `message` and `component`, so logs can be filtered by field rather than grepped. Credentials in any string of a
 * line (URL userinfo, `Bearer`/`Basic` credentials, JWTs) are replaced by `[redacted]`.
 *
 * @param component - the emitting part, e.g. `core-operator` or `adapter-kubearmor`.
 */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  return winston.createLogger({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    defaultMeta: { component },
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      // Last before writing, so that it sees what errors() took out of an Error.
      redact(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stdout })],
  });
}
