/**
 * `npm run sim -- [flags]`: the only place that reads argv and env, creates the root logger,
 * handles signals and exits. Exit codes: 0 done or stopped, 1 failure, 2 bad flags or files.
 */
import { ConfigError } from '../../common/errors.ts';
import { createLogger } from '../../common/logger.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { startSimulator, type Simulator } from './app.ts';
import { formatSimHelp, parseSimArgs, simHelpRequested, type SimConfig } from './config.ts';
import { startLoadSimulator } from './load-mode.ts';
import { colorWanted, resolveProgressMode } from './progress.ts';
import { startProgressReporter } from './progress-reporter.ts';
import { createTerminalPanel } from './terminal-panel.ts';
import { formatLoopReport } from './loop-report.ts';
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

const progressMode = resolveProgressMode(config.progress, process.stderr.isTTY === true);
// With the live panel on, log lines are written above it (terminal-panel.ts says why stdout/stderr).
const panel = progressMode === 'tty' ? createTerminalPanel(process.stderr) : undefined;
const logger = createLogger({
  level: config.logLevel,
  name: 'kanki-sim',
  destination: panel ? { write: (line: string) => panel.writeAbove(process.stdout, line) } : undefined,
});

async function main(): Promise<void> {
  let sim: Simulator;
  if (config.load !== undefined) {
    sim = await startLoadSimulator(config, { logger });
  } else {
    let registry;
    try {
      registry = loadRegistryFile(config.registry);
    } catch (err) {
      logger.fatal({ err }, 'cannot load the registry');
      process.exitCode = 2;
      return;
    }
    sim = await startSimulator(config, { logger, registry, staffMqttPassword: process.env.KANKI_SIM_STAFF_MQTT_PASSWORD || undefined });
  }

  // The reporter's ref'd timer is also what keeps the process alive: every other timer is unref'd.
  const progress = startProgressReporter({
    mode: progressMode,
    stats: sim.stats,
    simStartMs: sim.startMs,
    logger,
    panel,
    color: colorWanted(process.env, process.stderr.isTTY === true),
    // The table only for a person at a terminal; otherwise one JSON `summary` log line.
    tableOut: progressMode === 'tty' && process.stdout.isTTY ? process.stdout : undefined,
  });

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) {
      logger.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ reason }, 'stopping');
    const force = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    await sim.close();
    progress.finish();
    const report = sim.loopReport();
    // A table for a person at a terminal; one JSON log line for everything else (as the summary).
    if (report && progressMode === 'tty' && process.stdout.isTTY) process.stdout.write(`\n${formatLoopReport(report)}`);
    else if (report) logger.info({ loopReport: report }, 'closed-loop report: minutes above 1000/1500 ppm with and without staff reacting');
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
