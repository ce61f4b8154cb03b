/**
 * The alert engine wired into the ingest: a room whose CO₂ climbs past 1000 ppm raises exactly
 * one alert after the sustain window, published on its alert topic, and it resolves when the air
 * is good again. Real broker, real ingest, real SQLite store; the timing rules are shortened.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AlertMessageSchema } from '../../common/alert-message.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { ALERTS_FILTER, buildSensorReadingTopic } from '../../common/topics.ts';
import type { AlertMessage } from '../../ingest/src/alerts/alert-service.ts';
import { startIngestFixture } from '../helpers/ingest-fixture.ts';
import { connectClient } from '../helpers/mqtt.ts';
import { waitFor } from '../helpers/wait-for.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Broker, SQLite store and ingest with `env`; a staff client collecting alert messages; the classroom's monitor. */
async function startAlerting(env: Record<string, string>) {
  const { broker, ingest } = await startIngestFixture(loadRegistryFile('config/registry.demo.yaml'), cleanups, {
    ALERT_SUSTAIN_SECONDS: '1', ALERT_WINDOW_SECONDS: '1', ALERT_TICK_MS: '100', ...env,
  });
  const staff = await connectClient(broker.url);
  cleanups.push(() => staff.endAsync());
  const alerts: AlertMessage[] = [];
  staff.on('message', (_t, p) => alerts.push(JSON.parse(p.toString()) as AlertMessage));
  await staff.subscribeAsync(ALERTS_FILTER, { qos: 1 });
  const device = await connectClient(broker.url, { clientId: 'tbe-c32-01' });
  cleanups.push(() => device.endAsync());
  return { ingest, alerts, device };
}

describe('ingest alerts', () => {
  it('raises one alert after the sustain window and resolves it when the air is good again', async () => {
    const { alerts, device } = await startAlerting({});

    let co2 = 1250;
    let seq = 0;
    const feeder = setInterval(() => {
      void device.publishAsync(buildSensorReadingTopic('tbe-c32-01'), JSON.stringify({ co2, ts: Date.now(), seq: seq++ }), { qos: 1 });
    }, 100);
    cleanups.push(() => clearInterval(feeder));

    const raised = await waitFor(() => alerts.find((a) => a.type === 'raised'), 10_000, 'alert raised');
    expect(raised).toMatchObject({ facility: 'tobe-elementary', room: 'class-3-2', level: 'ventilate' });
    expect(raised.co2).toBe(1250);
    const raisedAt = Date.now();
    // It stays one alert while the room stays high.
    await waitFor(() => Date.now() - raisedAt > 1500, 3000, 'time passing');
    expect(alerts.filter((a) => a.type === 'raised')).toHaveLength(1);

    co2 = 600;
    const resolved = await waitFor(() => alerts.find((a) => a.type === 'resolved'), 10_000, 'alert resolved');
    expect(resolved.alertId).toBe(raised.alertId);
    // Resolution comes as soon as the room is below 'ventilate' (minus hysteresis) long enough: fair or good.
    expect(['fair', 'good']).toContain(resolved.level);
    expect(alerts.filter((a) => a.type === 'raised')).toHaveLength(1);
    expect(JSON.stringify(alerts)).not.toContain('tbe-c32-01');
  });

  it('with ALERT_RISING, warns early for a room climbing steadily towards the line and resolves when it levels off below it', async () => {
    const { alerts, device } = await startAlerting({ ALERT_RISING: 'true', ALERT_RISING_SPAN_SECONDS: '2', ALERT_RISING_HORIZON_SECONDS: '2' });

    // +8 ppm every 100 ms (160 ppm per 2-s span) from 820, levelling off at 960: never at 1000.
    let co2 = 820;
    let seq = 0;
    const feeder = setInterval(() => {
      co2 = Math.min(960, co2 + 8);
      void device.publishAsync(buildSensorReadingTopic('tbe-c32-01'), JSON.stringify({ co2, ts: Date.now(), seq: seq++ }), { qos: 1 });
    }, 100);
    cleanups.push(() => clearInterval(feeder));

    const raised = await waitFor(() => alerts.find((a) => a.type === 'raised'), 10_000, 'early alert raised');
    const parsed = AlertMessageSchema.parse(raised);
    expect(parsed).toMatchObject({ facility: 'tobe-elementary', room: 'class-3-2', reason: 'rising' });
    expect(parsed.projectedMinutes).toBeGreaterThanOrEqual(1);
    expect(['good', 'fair']).toContain(parsed.level);
    expect(parsed.co2).toBeLessThan(1000);

    const resolved = await waitFor(() => alerts.find((a) => a.type === 'resolved'), 15_000, 'early alert resolved');
    expect(resolved.alertId).toBe(raised.alertId);
    expect(alerts.filter((a) => a.type === 'raised')).toHaveLength(1);
    expect(alerts.some((a) => a.level === 'ventilate' || a.level === 'critical')).toBe(false);
  });
});
