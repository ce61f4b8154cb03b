/**
 * `npm start`: the whole system in one process for local use — broker, ingest, dashboard and
 * simulated sensors — started in that order and stopped in reverse (Ctrl-C). Configuration is the
 * same environment each part reads alone (README "Configuration"); flags after `--` go to the
 * simulator (`npm start -- --speed 60 --sensors 10`), and `--no-sim` leaves the simulator out
 * (real monitors publish to the broker instead).
 */
import { loadBrokerConfig } from './broker/src/config.ts';
import { startBroker } from './broker/src/app.ts';
import { createLogger } from './common/logger.ts';
import { loadRegistryFile } from './common/registry.ts';
import { exitOnStartupError, onShutdown } from './common/shutdown.ts';
import { createStoreFromEnv } from './common/store/store-config.ts';
import { startDashboard } from './dashboard/src/app.ts';
import { loadDashboardConfig } from './dashboard/src/config.ts';
import { resolveStaffConsole } from './dashboard/src/staff/staff-console-config.ts';
import { startSimulator, type Simulator } from './firmware-sim/src/app.ts';
import { formatSimHelp, parseSimArgs, simHelpRequested } from './firmware-sim/src/config.ts';
import { formatLoopReport } from './firmware-sim/src/loop-report.ts';
import { startIngest } from './ingest/src/app.ts';
import { alertEnvForSpeed, loadIngestConfig } from './ingest/src/config.ts';
import { loadIngestFiles } from './ingest/src/ingest-files.ts';

const argv = process.argv.slice(2);
const withSim = !argv.includes('--no-sim');
const simArgv = argv.filter((a) => a !== '--no-sim' && a !== '--');
if (simHelpRequested(simArgv)) {
  process.stdout.write('npm start [-- --no-sim] [-- simulator flags]\n\nSimulator flags:\n');
  process.stdout.write(formatSimHelp(process.env));
  process.exit(0);
}

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'kanki' });
const stops: (() => Promise<void>)[] = [];
onShutdown(logger, async () => {
  for (const stop of stops.reverse()) await stop();
});

try {
  // Parse every configuration before starting anything, so a mistake is reported at once.
  const brokerConfig = loadBrokerConfig(process.env);
  const dashboardConfig = loadDashboardConfig(process.env);
  const ingestEnv = { ...process.env };
  const registry = loadRegistryFile(dashboardConfig.registryFile);

  const broker = await startBroker(brokerConfig, { logger });
  stops.push(() => broker.close());
  const mqttUrl = process.env.MQTT_URL ?? `mqtt://127.0.0.1:${broker.port}`;
  // A faster-than-real demo without a --start shows a school day (08:00 JST of today or the next
  // school day), so the classrooms fill whatever the hour `npm start -- --speed 60` is run at.
  const fastDemo = withSim && parseSimArgs(['--broker', mqttUrl, ...simArgv], process.env).speed > 1;
  const demoStart = fastDemo && !simArgv.some((a) => a === '--start' || a.startsWith('--start=')) ? ['--start', 'school-day'] : [];
  const simConfig = withSim ? parseSimArgs(['--broker', mqttUrl, ...demoStart, ...simArgv], process.env) : undefined;
  if (simConfig && demoStart.length > 0) logger.info({ simStart: new Date(simConfig.start ?? 0).toISOString() }, 'simulated time starts at 08:00 Japan time on a school day (set --start to choose)');
  // The simulated sensors are warm before their first reading (warm-up faults are not simulated
  // yet): without this, every room would show "no data" for the first 3 minutes of a demo.
  const warmup = simConfig && ingestEnv.INGEST_WARMUP_SECONDS === undefined ? { INGEST_WARMUP_SECONDS: '0' } : {};
  const ingestConfig = loadIngestConfig(alertEnvForSpeed({ ...ingestEnv, ...warmup, MQTT_URL: mqttUrl }, simConfig?.speed ?? 1));
  if ((simConfig?.speed ?? 1) > 1) {
    logger.info({ sustainSeconds: ingestConfig.ALERT_SUSTAIN_SECONDS, windowSeconds: ingestConfig.ALERT_WINDOW_SECONDS, escalateSeconds: ingestConfig.ALERT_ESCALATE_AFTER_SECONDS }, `alert timings divided by the simulator's speed (${simConfig?.speed}×)`);
  }
  const ingestFiles = loadIngestFiles(ingestConfig, process.env, registry);

  // One store instance serves the ingest (writes) and the dashboard (reads) in this process.
  const store = createStoreFromEnv(ingestConfig, { logger: logger.child({ component: 'store' }) });
  await store.init().catch((err: unknown) => logger.warn({ err }, 'store not ready; readings are spooled until it is'));
  stops.push(() => store.close());

  // Stopping runs this list backwards. The simulated devices disconnect (each saying `offline`) only
  // after the ingest has stopped, so a Ctrl-C does not raise a sensor-offline alert for every room;
  // their clock and staff halt first (below).
  let sim: Simulator | undefined;
  stops.push(async () => sim?.close());
  const ingest = await startIngest(ingestConfig, { logger, registry, store, ...ingestFiles });
  stops.push(() => ingest.close());
  // The staff console calls this process's ingest (unless told otherwise), at the port it really got,
  // with the staff users the ingest already loaded.
  const ingestHost = ['0.0.0.0', '::', ''].includes(ingestConfig.INGEST_HTTP_HOST) ? '127.0.0.1' : ingestConfig.INGEST_HTTP_HOST;
  const ingestUrl = process.env.KANKI_INGEST_URL || `http://${ingestHost.includes(':') ? `[${ingestHost}]` : ingestHost}:${ingest.httpPort}`;
  const staffConsole = resolveStaffConsole({ ...dashboardConfig, ingestUrl }, { registry, logger, staff: ingestFiles.staff });
  // The dashboard takes live room states from the same broker (unless told otherwise).
  const dashboard = await startDashboard({ ...dashboardConfig, liveMqttUrl: dashboardConfig.liveMqttUrl ?? mqttUrl }, { registry, store, logger, staffConsole });
  stops.push(() => dashboard.close());
  if (simConfig) {
    const started = (sim = await startSimulator(simConfig, { logger, registry }));
    stops.push(async () => {
      await started.halt();
      // With --staff-loop: what the alerts were worth, per room and day, before the system stops.
      const report = started.loopReport();
      if (report) process.stdout.write(`\n${formatLoopReport(report)}\n`);
    });
  }

  const where = ingestConfig.INFLUX_URL ? `InfluxDB ${ingestConfig.INFLUX_URL} (database ${ingestConfig.INFLUX_DB})` : `${ingestConfig.DATA_DIR}/kanki.sqlite`;
  process.stdout.write(
    `\n  Kanki is running.\n` +
      `  Dashboard:  ${dashboard.url}\n` +
      `  Staff:      ${staffConsole ? `${dashboard.url}/staff` : 'console off'}\n` +
      `  MQTT:       mqtt://localhost:${broker.port}${brokerConfig.secretsFile ? '' : '  (no device authentication: development mode)'}\n` +
      `  Store:      ${where}\n` +
      `  Metrics:    http://localhost:${ingest.httpPort}/metrics\n` +
      `  Sensors:    ${simConfig ? `${registry.rooms.reduce((n, r) => n + r.sensors.length, 0)} simulated${simConfig.speed !== 1 ? ` at ${simConfig.speed}× speed` : ''}` : 'none simulated (--no-sim)'}\n` +
      `  Stop with Ctrl-C.\n\n`,
  );
} catch (err) {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  exitOnStartupError(logger, err);
}
