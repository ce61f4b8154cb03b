import type { Registry } from '../../../common/registry.ts';
import { airgradientDecoder } from './airgradient.ts';
import type { DecodeResult, Decoder } from './decoder.ts';
import { createEsphomeDecoder } from './esphome.ts';
import { nativeDecoder } from './native.ts';
import { tasmotaDecoder } from './tasmota.ts';

/**
 * Every decoder the ingest knows, in the order they are asked. Native first: it is the bulk of
 * the traffic, and ESPHome's `{prefix}/status` shape would otherwise also fit Kanki's own topics.
 * The ESPHome decoder remembers values per device and reads the registry's `objects` maps, so
 * each ingest builds its own set.
 */
export function createDecoders(deps: { registry?: Pick<Registry, 'roomForDevice'>; now?: () => number } = {}): readonly Decoder[] {
  return [nativeDecoder, tasmotaDecoder, createEsphomeDecoder(deps), airgradientDecoder];
}

/** A default set (ESPHome by common object names only); the ingest uses `createDecoders` with its registry. */
export const DECODERS: readonly Decoder[] = createDecoders();

/** Asks each decoder in turn; a topic no decoder claims is an `unknown_topic` reject. */
export function decodeMessage(topic: string, payload: Buffer, decoders: readonly Decoder[] = DECODERS): DecodeResult {
  for (const d of decoders) {
    const result = d.decode(topic, payload);
    if (result) return result;
  }
  return { type: 'reject', reason: 'unknown_topic', detail: `no decoder for topic ${topic.slice(0, 200)}` };
}

export type { DecodeResult, Decoder } from './decoder.ts';
