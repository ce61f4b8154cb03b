/**
 * AirGradient (ONE, Open Air; firmware 3.x): `airgradient/readings/{serial}` with the same JSON the
 * device serves at `/measures/current`:
 *
 * ```json
 * {"wifi":-46,"serialno":"ecda3b1eaaaf","rco2":447,"pm02":7,"atmp":25.87,"atmpCompensated":24.47,"rhum":43,"rhumCompensated":49,…}
 * ```
 */
import { z } from 'zod';
import type { DecodeResult, Decoder, DeviceRef } from './decoder.ts';
import { parseJsonObject, toReading } from './third-party.ts';

/** AirGradient publishes readings only; it has no status topic or Last Will. */
export const AIRGRADIENT_FILTERS = ['airgradient/readings/+'] as const;

const SERIAL = /^[0-9a-f]{12}$/;

/**
 * Only the fields Kanki uses; each is optional here so that a missing one gets its own clear
 * reject below, and values are checked by the shared reading schema afterwards.
 */
const AirGradientSchema = z.looseObject({
  serialno: z.string().optional(),
  rco2: z.unknown().optional(),
  atmp: z.unknown().optional(),
  atmpCompensated: z.unknown().optional(),
  rhum: z.unknown().optional(),
  rhumCompensated: z.unknown().optional(),
  wifi: z.unknown().optional(),
  boot: z.unknown().optional(),
});

export const airgradientDecoder: Decoder = {
  name: 'airgradient',
  filters: AIRGRADIENT_FILTERS,
  decode(topic: string, payload: Buffer): DecodeResult | null {
    const parts = topic.split('/');
    if (parts.length !== 3 || parts[0] !== 'airgradient' || parts[1] !== 'readings') return null;
    // The registry stores serials in lower case; devices print them in either case.
    const serial = (parts[2] ?? '').toLowerCase();
    if (!SERIAL.test(serial)) return { type: 'reject', reason: 'unknown_topic', detail: 'an AirGradient serial is 12 hex digits' };
    const device: DeviceRef = { kind: 'airgradient', id: serial };
    const json = parseJsonObject(payload);
    if (!json.ok) return { type: 'reject', reason: json.reason, detail: json.detail, device };
    const m = AirGradientSchema.safeParse(json.value);
    if (!m.success) return { type: 'reject', reason: 'invalid_payload', detail: 'serialno must be a string', device };
    const msg = m.data;
    // A device publishing under another device's serial is misconfigured (or impersonating it).
    if (msg.serialno !== undefined && msg.serialno.toLowerCase() !== serial) {
      return { type: 'reject', reason: 'invalid_payload', detail: `serialno "${msg.serialno.slice(0, 20)}" does not match the topic's serial`, device };
    }
    // The firmware leaves rco2 out when the S8 reads outside 0–10000 ppm, i.e. when it failed.
    if (msg.rco2 === undefined) return { type: 'reject', reason: 'invalid_payload', detail: 'no CO₂ in this message (rco2 missing: sensor failed or absent)', device };
    // Compensated values correct the enclosure's self-heating; the raw ones are the fallback of older firmware.
    return toReading(device, {
      co2: msg.rco2,
      temperature: msg.atmpCompensated ?? msg.atmp,
      humidity: msg.rhumCompensated ?? msg.rhum,
      rssi: msg.wifi,
      // `boot` counts measurement cycles since power-on: a QoS 1 redelivery repeats it.
      seq: typeof msg.boot === 'number' ? msg.boot : undefined,
    });
  },
};
