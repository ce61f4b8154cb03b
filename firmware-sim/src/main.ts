/**
 * `npm run sim -- [flags]`: the only place that reads argv and env, creates the root logger,
 * handles signals and exits. Exit codes: 0 done or stopped, 1 failure, 2 bad flags or files.
 */
import { ConfigError } from '../../common/errors.ts';
import { createLogger } from '../../common/logger.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { startSimulator } from './app.ts';
import { formatSimHelp, parseSimArgs, simHelpRequested, type SimConfig } from './config.ts';
import { formatLoopReport } from './loop-report.ts';

/** Real seconds between two progress lines. */
const PROGRESS_EVERY_MS = 10_000;
/** A shutdown that takes longer than this is cut short. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

const argv = process.argv.slice(2);
if (simHelpRequested(argv)) {
  process.stdout.write(formatSimHelp(process.env));
  process.exit(0);
}

let config: SimConfig;
try {
  config = parseSimArgs(argv, process.env);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

const logger = createLogger({ level: config.logLevel, name: 'kanki-sim' });

async function main(): Promise<void> {
  let registry;
  try {
    registry = loadRegistryFile(config.registry);
  } catch (err) {
    logger.fatal({ err }, 'cannot load the registry');
    process.exitCode = 2;
    return;
  }
  const sim = await startSimulator(config, { logger, registry, staffMqttPassword: process.env.KANKI_SIM_STAFF_MQTT_PASSWORD || undefined });

  // This ref'd timer is also what keeps the process alive: every other timer is unref'd.
  const progress = setInterval(() => {
    const s = sim.stats();
    logger.info(s, `sim ${s.simTime} | ${s.connected}/${s.devices} connected | ${s.published} published | ${s.buffered} buffered | ${s.dropped} dropped | ${s.errors} errors`);
  }, PROGRESS_EVERY_MS);

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) {
      logger.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ reason }, 'stopping');
    clearInterval(progress);
    const force = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    await sim.close();
    const report = sim.loopReport();
    if (report) process.stdout.write(`\n${formatLoopReport(report)}`);
    logger.flush();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await sim.done;
  if (!stopping) await stop('duration reached');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    logger.fatal({ err }, err.message);
    process.exitCode = 2;
  } else {
    logger.fatal({ err }, 'simulator failed');
    process.exitCode = 1;
  }
});
