/**
 * `npm run bench:loop`: what Kanki's alerts are worth on a school day. Starts the real broker, an
 * ingest with an SQLite store in a temp dir (alert timings divided by the simulator's speed, as
 * `npm start` does) and the simulator with `--staff-loop` over the demo registry, for one
 * weekday 08:00–16:00 JST; then prints minutes above 1000 and 1500 ppm per room with the staff
 * reacting and in each room's counterfactual twin, and the reduction (goal: ≥ 70 % fewer minutes
 * above 1000 ppm in classrooms).
 *   npm run bench:loop
 *   npm run bench:loop -- --staff-delay 3 --staff-probability 1 --seed 7 --speed 60
 *   ALERT_ESCALATE_AFTER_SECONDS=600 npm run bench:loop      (alert rules in simulated seconds)
 * Flags are the simulator's (npx tsx firmware-sim/src/main.ts --help); the bench sets the broker,
 * the staff API and token, and defaults to --speed 100 --seed 1 --start 2026-11-25T08:00:00+09:00
 * --duration 28800. The ward-wide staff user of config/staff.example.yaml acknowledges.
 */
import { join } from 'node:path';
import { startBroker } from '../broker/src/app.ts';
import { loadBrokerConfig } from '../broker/src/config.ts';
import { createLogger } from '../common/logger.ts';
import { loadRegistryFile } from '../common/registry.ts';
import { createSqliteStore } from '../common/store/sqlite-store.ts';
import { startSimulator } from '../firmware-sim/src/app.ts';
import { parseSimArgs, simHelpRequested, formatSimHelp } from '../firmware-sim/src/config.ts';
import { formatCauses, sumCauses } from '../firmware-sim/src/exposure-causes.ts';
import { formatLoopReport, totalsOf } from '../firmware-sim/src/loop-report.ts';
import { startIngest } from '../ingest/src/app.ts';
import { alertEnvForSpeed, loadIngestConfig } from '../ingest/src/config.ts';
import { loadIngestFiles } from '../ingest/src/ingest-files.ts';
import { makeTempDir } from '../tests/helpers/temp-dir.ts';

const GOAL_PERCENT = 70;
const DEFAULTS = ['--speed', '100', '--seed', '1', '--start', '2026-11-25T08:00:00+09:00', '--duration', '28800', '--log-level', 'warn'];
const userArgs = process.argv.slice(2).filter((a) => a !== '--');
if (simHelpRequested(userArgs)) {
  process.stdout.write(`npm run bench:loop -- [simulator flags]\n\n${formatSimHelp(process.env)}`);
  process.exit(0);
}

/**
 * What-if on the alert rules: `ALERT_*` variables in the environment reach the ingest, with
 * `ALERT_*_SECONDS` given in simulated seconds (as an operator would set them) and divided by the speed.
 */
function alertRulesFromEnv(env: NodeJS.ProcessEnv, speed: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('ALERT_') || value === undefined || value === '') continue;
    out[name] = name.endsWith('_SECONDS') && Number.isFinite(Number(value)) ? String(Math.max(1, Math.round(Number(value) / speed))) : value;
  }
  return out;
}

const tmp = makeTempDir('kanki-bench-loop-');
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'bench-loop' });
const stops: (() => Promise<void>)[] = [() => Promise.resolve(tmp.remove())];
async function cleanUp(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
}

try {
  // The whole demo registry (the example staff file names its facilities); the goal is about its classrooms.
  const registryFile = 'config/registry.demo.yaml';
  const registry = loadRegistryFile(registryFile);

  const broker = await startBroker(loadBrokerConfig({ MQTT_PORT: '0', MQTT_HOST: '127.0.0.1' }), { logger });
  stops.push(() => broker.close());
  const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
  const draft = parseSimArgs([...DEFAULTS, ...userArgs, '--staff-token', 'unused'], {});
  const ingestConfig = loadIngestConfig(alertEnvForSpeed({
    MQTT_URL: mqttUrl, DATA_DIR: tmp.path, INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1',
    INGEST_WARMUP_SECONDS: '0', KANKI_STAFF: 'config/staff.example.yaml', KANKI_REGISTRY: registryFile, LOG_LEVEL: 'warn',
    ...alertRulesFromEnv(process.env, draft.speed),
  }, draft.speed));
  const store = createSqliteStore({ file: join(tmp.path, 'kanki.sqlite') }, { logger });
  await store.init();
  stops.push(() => store.close());
  const ingest = await startIngest(ingestConfig, { logger, registry, store, ...loadIngestFiles(ingestConfig, {}, registry) });
  stops.push(() => ingest.close());

  const config = parseSimArgs([
    ...DEFAULTS, '--broker', mqttUrl, '--staff-loop', '--staff-api', `http://127.0.0.1:${ingest.httpPort}`,
    '--staff-token', 'kanki-example-staff-ward-ops', ...userArgs,
  ], {});
  const hours = (config.duration ?? 0) / 3600;
  process.stdout.write(
    `bench:loop — ${registry.rooms.length} rooms of ${registry.facilities.length} facilities, ${new Date(config.start ?? 0).toISOString()} + ${hours} h at ${config.speed}× ` +
    `(≈ ${Math.round((config.duration ?? 0) / config.speed)} s), seed ${config.seed}; staff: p ${config.staffProbability}, delay ${config.staffDelay} min, ` +
    `wide ${config.staffWideMinutes} min, then ajar at ${config.staffAjarAch} ACH until ${({ 'lesson-and-resolved': 'the lesson is over and the alert resolved', resolved: 'the alert resolves', lesson: 'the lesson ends' })[config.staffAjarUntil]}; ingest sustain ${ingestConfig.ALERT_SUSTAIN_SECONDS} s, window ${ingestConfig.ALERT_WINDOW_SECONDS} s, ` +
    `escalate ${ingestConfig.ALERT_ESCALATE_AFTER_SECONDS} s, verify ${ingestConfig.ALERT_VERIFY_SECONDS} s (real), ` +
    `early warning (ALERT_RISING) ${ingestConfig.ALERT_RISING ? `on: horizon ${ingestConfig.ALERT_RISING_HORIZON_SECONDS} s, span ${ingestConfig.ALERT_RISING_SPAN_SECONDS} s (real)` : 'off'}\n`,
  );
  const sim = await startSimulator(config, { logger, registry });
  stops.push(() => sim.close());
  await sim.done;
  await sim.close();
  const report = sim.loopReport();
  if (!report) throw new Error('the simulator ran without its closed loop');
  const classroomRows = report.rows.filter((r) => r.use === 'classroom');
  const classrooms = totalsOf(classroomRows);
  // The table lists the schools' rooms; the totals cover every simulated room too.
  const schools = new Set(registry.facilities.filter((f) => f.kind === 'school').map((f) => f.id));
  const schoolRows = report.rows.filter((r) => schools.has(r.facility));
  process.stdout.write(`\n${formatLoopReport({ ...report, rows: schoolRows }, [
    { label: 'School rooms', totals: totalsOf(schoolRows) }, { label: 'Classrooms', totals: classrooms },
  ])}`);
  process.stdout.write(`\n${formatCauses(sumCauses(classroomRows.map((r) => r.causes)), 'Classrooms')}\n`);
  const met = classrooms.reduction1000 !== null && classrooms.reduction1000 >= GOAL_PERCENT;
  process.stdout.write(`Goal (≥ ${GOAL_PERCENT} % fewer minutes above 1000 ppm in classrooms): ${met ? 'met' : 'not met'}\n`);
  await cleanUp();
  process.exit(0);
} catch (err) {
  console.error('bench:loop failed:', err instanceof Error ? err.message : err);
  await cleanUp();
  process.exit(2);
}
