/**
 * Errors with a stable `code` (for logs, metrics and tests) and a `retryable` verdict, in the spirit
 * of influxdb-client's `HttpError.canRetry()`.
 */
export class KankiError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A configuration value (env var, flag, file) is missing or wrong. Never retryable. */
export class ConfigError extends KankiError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('KANKI_CONFIG_INVALID', message, options);
  }
}

/** The registry file cannot be used; `problems` lists every error with its path in the file. */
export class RegistryError extends KankiError {
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[], options: { cause?: unknown } = {}) {
    super('KANKI_REGISTRY_INVALID', `registry ${file} has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`, options);
    this.problems = problems;
  }
}

/** A store operation failed. `retryable` is true for outages and overload, false for rejected data. */
export class StoreError extends KankiError {
  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(code, message, options);
  }
}
