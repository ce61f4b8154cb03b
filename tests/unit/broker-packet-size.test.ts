// The broker's MQTT framing scanner (broker/src/packet-size-guard.ts): packets split anywhere
// across TCP chunks pass; a header announcing more than the limit is caught before its body.
import { describe, expect, it } from 'vitest';
import { MalformedLengthError, PacketSizeScanner, PacketTooLargeError } from '../../broker/src/packet-size-guard.ts';

/** An MQTT packet: fixed header byte, remaining-length varint, body. */
function packet(bodyLength: number, type = 0x30): Buffer {
  const length: number[] = [];
  let n = bodyLength;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    length.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([type, ...length]), Buffer.alloc(bodyLength, 0x61)]);
}

describe('PacketSizeScanner', () => {
  const stream = Buffer.concat([packet(0, 0xc0), packet(100), packet(127), packet(128), packet(16_000), packet(1000 - 3)]);

  it('accepts packets up to the limit however the stream is chunked', () => {
    for (const chunkSize of [1, 2, 3, 7, 64, 1000, stream.length]) {
      const scanner = new PacketSizeScanner(16_003);
      for (let i = 0; i < stream.length; i += chunkSize) {
        expect(scanner.scan(stream.subarray(i, i + chunkSize))).toBeNull();
      }
    }
  });

  it('counts the whole packet, header included', () => {
    expect(new PacketSizeScanner(1000).scan(packet(997))).toBeNull(); // 1 + 2 + 997
    expect(new PacketSizeScanner(1000).scan(packet(998))).toBeInstanceOf(PacketTooLargeError);
  });

  it('refuses an oversized packet from its header alone, after earlier good packets', () => {
    const scanner = new PacketSizeScanner(65_536);
    expect(scanner.scan(packet(50))).toBeNull();
    const header = packet(1024 * 1024).subarray(0, 4);
    const error = scanner.scan(header);
    expect(error).toBeInstanceOf(PacketTooLargeError);
    expect((error as PacketTooLargeError).declaredBytes).toBe(1 + 3 + 1024 * 1024);
  });

  it('refuses a remaining length longer than 4 bytes', () => {
    const scanner = new PacketSizeScanner(300_000_000);
    expect(scanner.scan(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80]))).toBeInstanceOf(MalformedLengthError);
  });
});
