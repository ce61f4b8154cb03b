/**
 * Enforces a maximum MQTT packet size in front of aedes.
 *
 * aedes 1.x has no packet-size option, and the mqtt-packet parser it uses buffers a packet until
 * its full declared length (up to 256 MiB) has arrived. So every connection is routed through a
 * pass-through stream that follows the MQTT framing (fixed header byte + "remaining length"
 * varint, MQTT 3.1.1 §2.2) and destroys the connection as soon as a header announces a packet
 * larger than the limit, before any of its body is buffered. Bytes are passed on unchanged; only
 * header bytes are inspected, so the cost is a few operations per packet. Mosquitto's
 * `max_packet_size` behaves the same way (MQTT 3.1.1 has no way to tell the client why).
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/** A client announced a packet larger than the limit. */
export class PacketTooLargeError extends Error {
  readonly code = 'KANKI_MQTT_PACKET_TOO_LARGE';
  constructor(readonly declaredBytes: number, readonly maxBytes: number) {
    super(`MQTT packet of ${declaredBytes} bytes exceeds the limit of ${maxBytes} bytes`);
  }
}

/** The remaining-length field has more than 4 bytes: not MQTT. */
export class MalformedLengthError extends Error {
  readonly code = 'KANKI_MQTT_MALFORMED_LENGTH';
  constructor() {
    super('malformed MQTT remaining length');
  }
}

/** Follows MQTT framing across chunks and reports the first packet announced larger than the limit. */
export class PacketSizeScanner {
  // Where we are in the current packet: its first byte, its length varint, or its body.
  private state: 'header' | 'length' | 'body' = 'header';
  private length = 0;
  private lengthBytes = 0;
  private bodyLeft = 0;

  constructor(private readonly maxBytes: number) {}

  /** Consumes the next bytes of the stream; returns an error once the stream must be cut. */
  scan(chunk: Buffer): PacketTooLargeError | MalformedLengthError | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const skip = Math.min(this.bodyLeft, chunk.length - i);
        i += skip;
        this.bodyLeft -= skip;
        if (this.bodyLeft === 0) this.state = 'header';
      } else if (this.state === 'header') {
        i++;
        this.state = 'length';
        this.length = 0;
        this.lengthBytes = 0;
      } else {
        const byte = chunk[i++] ?? 0;
        this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
        this.lengthBytes++;
        const total = 1 + this.lengthBytes + this.length;
        // Checked on every length byte: the announced size only grows, so refuse early.
        if (total > this.maxBytes) return new PacketTooLargeError(total, this.maxBytes);
        if (byte & 0x80) {
          if (this.lengthBytes === 4) return new MalformedLengthError();
        } else {
          this.bodyLeft = this.length;
          this.state = this.length > 0 ? 'body' : 'header';
        }
      }
    }
    return null;
  }
}

/**
 * What aedes gets instead of the raw socket: reads are scanned, writes go straight to the socket.
 * (A Transform plus `Duplex.from` did the same but cost ~30 % of delivery throughput, all of it
 * on the write path: mqtt-packet writes each packet in several corked pieces, and forwarding them
 * one callback at a time was the cost. Here corked pieces reach `_writev` and the socket together.)
 */
export class SizeLimitedConnection extends Duplex {
  private readonly scanner: PacketSizeScanner;

  constructor(
    private readonly socket: Socket,
    maxBytes: number,
    onTooLarge: (error: PacketTooLargeError | MalformedLengthError) => void,
  ) {
    super({ allowHalfOpen: false });
    this.scanner = new PacketSizeScanner(maxBytes);
    socket.on('data', (chunk: Buffer) => {
      if (this.destroyed) return;
      const error = this.scanner.scan(chunk);
      if (error) {
        onTooLarge(error);
        this.destroy(error);
      } else if (!this.push(chunk)) {
        socket.pause();
      }
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  /** The peer address, as on a socket (aedes and log lines read it). */
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.write(chunk)) callback();
    else this.socket.once('drain', () => callback());
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.socket.cork();
    let flushed = true;
    for (const { chunk } of chunks) flushed = this.socket.write(chunk);
    this.socket.uncork();
    if (flushed) callback();
    else this.socket.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
