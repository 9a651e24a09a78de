import winston from 'winston';

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
 * `message` and `component`, so logs can be filtered by field rather than grepped.
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
      winston.format.json(),
    ),
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stdout })],
  });
}
