/**
 * `npm run broker`: reads the environment, starts the broker, and stops it on SIGINT/SIGTERM.
 * The only module of the broker that touches `process`.
 */
import { ConfigError } from '../../common/errors.ts';
import { createLogger, type Logger } from '../../common/logger.ts';
import { startBroker, type RunningBroker } from './app.ts';
import { loadBrokerConfig } from './config.ts';

// Closing waits for aedes to disconnect every client; a stuck socket must not keep us alive forever.
const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Prints why the broker cannot start (one paragraph, no stack for configuration problems) and exits. */
function exitOnStartupError(err: unknown, logger?: Logger): never {
  if (err instanceof ConfigError) {
    console.error(`kanki broker: cannot start. ${err.message}\nFix the configuration (see broker/README.md) and start again.`);
    process.exit(2);
  }
  if (logger) logger.fatal({ err }, 'broker failed to start');
  else console.error('kanki broker: cannot start:', err);
  process.exit(1);
}

function handleSignals(running: RunningBroker, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping the broker');
    setTimeout(() => {
      logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'broker did not stop in time; forcing exit');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    running.close().then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping the broker');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadBrokerConfig(process.env);
  } catch (err) {
    exitOnStartupError(err);
  }
  const logger = createLogger({ level: config.logLevel, name: 'kanki-broker' });
  let running: RunningBroker;
  try {
    running = await startBroker(config, { logger });
  } catch (err) {
    exitOnStartupError(err, logger);
  }
  handleSignals(running, logger);
}

await main();
