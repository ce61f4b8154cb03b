import type { DecodeResult, Decoder } from './decoder.ts';
import { nativeDecoder } from './native.ts';

/** Every decoder the ingest knows, in the order they are asked. */
export const DECODERS: readonly Decoder[] = [nativeDecoder];

/** Asks each decoder in turn; a topic no decoder claims is an `unknown_topic` reject. */
export function decodeMessage(topic: string, payload: Buffer, decoders: readonly Decoder[] = DECODERS): DecodeResult {
  for (const d of decoders) {
    const result = d.decode(topic, payload);
    if (result) return result;
  }
  return { type: 'reject', reason: 'unknown_topic', detail: `no decoder for topic ${topic.slice(0, 200)}` };
}

export type { DecodeResult, Decoder } from './decoder.ts';
