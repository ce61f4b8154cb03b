/**
 * Signal handling for every `main.ts`: SIGINT/SIGTERM → stop (in reverse start order, done by the
 * caller's `stop`) → exit; a second signal or a timeout forces the exit.
 */
import type { Logger } from './logger.ts';

export function onShutdown(logger: Logger, stop: () => Promise<void>, timeoutMs = 15_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out: exiting');
      process.exit(1);
    }, timeoutMs);
    force.unref();
    stop().then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Prints a startup failure as one readable paragraph (config and registry errors) and exits. */
export function exitOnStartupError(logger: Logger, err: unknown): never {
  const e = err as { code?: string; message?: string };
  if (e.code === 'KANKI_CONFIG_INVALID' || e.code === 'KANKI_REGISTRY_INVALID') {
    console.error(`\nkanki: ${e.message}\n`);
  } else {
    logger.fatal({ err }, 'failed to start');
  }
  logger.flush();
  process.exit(e.code === 'KANKI_CONFIG_INVALID' || e.code === 'KANKI_REGISTRY_INVALID' ? 2 : 1);
}
