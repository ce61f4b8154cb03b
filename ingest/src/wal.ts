/**
 * The write-ahead log: every accepted reading is appended here before its MQTT message is
 * acknowledged, and the writer drains it to the store, advancing a checkpoint only after the store
 * acknowledged. The same log is the outage spool. Why this shape (see DESIGN.md "Delivery guarantees"):
 * MQTT.js processes QoS 1 messages one at a time, so acknowledging only after a database write
 * would make every batch one message long. A plain `write(2)` costs microseconds and survives a
 * SIGKILL of the process (the bytes are in the OS page cache); `fdatasync` on a short interval
 * bounds what a power failure can lose to that interval.
 *
 * Layout under `dir`: segments `000000000001.log`, … (one JSON array per line) and
 * `checkpoint.json` = `{ segment, offset }`, the first byte not yet known to be in the store.
 * Segments wholly before the checkpoint are deleted. Replays after a crash are harmless because
 * store writes are idempotent.
 */
import {
  closeSync, fdatasync, fdatasyncSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync,
  readFileSync, fsyncSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Reading } from '../../common/reading.ts';

/** A position in the log: segment number and byte offset inside it. */
export type WalPosition = { segment: number; offset: number };

export type WalOptions = {
  dir: string;
  /** A new segment is started when the current one exceeds this many bytes. */
  segmentBytes?: number;
  /** `isFull()` turns true when the bytes not yet checkpointed exceed this. */
  maxBytes?: number;
  /** Interval of `fdatasync`; 0 = after every append (slow, for the paranoid). */
  fsyncIntervalMs?: number;
};

export type WalBatch = { readings: Reading[]; end: WalPosition; corrupt: number };

const SEGMENT_NAME = /^(\d{12})\.log$/;
const segmentFile = (dir: string, n: number) => join(dir, `${String(n).padStart(12, '0')}.log`);

/** Encodes a reading as one log line. Arrays keep lines short and parsing fast. */
export function encodeWalLine(r: Reading): string {
  return `${JSON.stringify([r.time, r.facility, r.room, r.sensor, r.co2, r.temperature ?? null, r.humidity ?? null, r.quality])}\n`;
}

/** Decodes one log line; returns null for a line that is not a valid record (e.g. torn by a crash). */
export function decodeWalLine(line: string): Reading | null {
  try {
    const a: unknown = JSON.parse(line);
    if (!Array.isArray(a) || a.length !== 8) return null;
    const [time, facility, room, sensor, co2, temperature, humidity, quality] = a as unknown[];
    if (typeof time !== 'number' || typeof facility !== 'string' || typeof room !== 'string' || typeof sensor !== 'string') return null;
    if (typeof co2 !== 'number' || typeof quality !== 'string') return null;
    const r: Reading = { time, facility, room, sensor, co2, quality };
    if (typeof temperature === 'number') r.temperature = temperature;
    if (typeof humidity === 'number') r.humidity = humidity;
    return r;
  } catch {
    return null;
  }
}

export class WriteAheadLog {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly maxBytes: number;
  private readonly fsyncIntervalMs: number;
  private fd: number;
  private segment: number;
  private size: number;
  /** Bytes of every segment, for the backlog figure. */
  private readonly segmentSizes = new Map<number, number>();
  private checkpoint: WalPosition;
  private readPos: WalPosition;
  private readFd: { segment: number; fd: number } | null = null;
  private dirty = false;
  /** The segment a background sync is running on, and a segment to close when it returns. */
  private syncingFd: number | null = null;
  private closeAfterSync: number | null = null;
  private fsyncTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private group: string[] | null = null;
  /** Records appended but not yet committed (exact while the process lives; estimated from bytes after a restart). */
  private pendingRecords = 0;

  constructor(options: WalOptions) {
    this.dir = options.dir;
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.maxBytes = options.maxBytes ?? 1024 * 1024 * 1024;
    this.fsyncIntervalMs = options.fsyncIntervalMs ?? 1000;
    mkdirSync(this.dir, { recursive: true });
    const segments = this.listSegments();
    for (const n of segments) this.segmentSizes.set(n, statSync(segmentFile(this.dir, n)).size);
    this.checkpoint = this.readCheckpoint(segments);
    this.readPos = { ...this.checkpoint };
    this.segment = Math.max(this.checkpoint.segment, segments.at(-1) ?? 1);
    this.fd = openSync(segmentFile(this.dir, this.segment), 'a');
    this.size = fstatSync(this.fd).size;
    this.segmentSizes.set(this.segment, this.size);
    // A crash mid-append can leave a line without its newline; appending after it would glue the
    // next good record onto the torn one. Start a fresh segment instead (the reader skips the torn tail).
    if (this.size > 0 && !this.endsWithNewline()) this.rotate();
    // After a restart the record count is unknown without reading; estimate it for the gauges.
    this.pendingRecords = Math.ceil(this.backlogBytes() / 80);
    if (this.fsyncIntervalMs > 0) {
      this.fsyncTimer = setInterval(() => this.syncInBackground(), this.fsyncIntervalMs);
      this.fsyncTimer.unref();
    }
  }

  /**
   * Appends one reading. Outside a group the line is written at once (synchronously: the caller
   * acknowledges the MQTT message right after). Inside a group (`beginGroup`) lines collect in
   * memory and `endGroup` writes them with one system call — the caller must hold back the
   * acknowledgements of the whole group until `endGroup` returned.
   */
  append(reading: Reading): void {
    if (this.closed) throw new Error('write-ahead log is closed');
    const line = encodeWalLine(reading);
    if (this.group) {
      this.group.push(line);
      return;
    }
    this.writeLines(line, 1);
  }

  /** Starts collecting appends (see `append`). */
  beginGroup(): void {
    this.group ??= [];
  }

  /** Writes the collected appends with one `write(2)`. Throws on I/O errors (nothing of the group is then acknowledged). */
  endGroup(): void {
    const lines = this.group;
    this.group = null;
    if (!lines || lines.length === 0) return;
    this.writeLines(lines.join(''), lines.length);
  }

  private writeLines(text: string, count: number): void {
    if (this.size >= this.segmentBytes) this.rotate();
    const bytes = writeSync(this.fd, text);
    this.size += bytes;
    this.segmentSizes.set(this.segment, this.size);
    this.pendingRecords += count;
    this.dirty = true;
    if (this.fsyncIntervalMs === 0) this.sync();
  }

  /** Bytes appended but not yet committed. */
  backlogBytes(): number {
    let total = 0;
    for (const [n, size] of this.segmentSizes) {
      if (n > this.checkpoint.segment) total += size;
      else if (n === this.checkpoint.segment) total += size - this.checkpoint.offset;
    }
    return Math.max(0, total);
  }

  /** Readings appended but not yet committed (an estimate right after a restart). */
  backlogRecords(): number {
    return this.backlogBytes() === 0 ? 0 : Math.max(1, this.pendingRecords);
  }

  /** True when the backlog reached its bound: the caller should stop acknowledging new messages. */
  isFull(): boolean {
    return this.backlogBytes() >= this.maxBytes;
  }

  /** True when there is something after the read position. */
  hasUnread(): boolean {
    return this.readPos.segment < this.segment || this.readPos.offset < this.size;
  }

  /**
   * Reads up to `max` readings from the read position onwards. The read position advances; the
   * checkpoint does not until `commit(batch.end)`. `rewind()` goes back to the checkpoint after a failed write.
   */
  readBatch(max: number): WalBatch {
    const readings: Reading[] = [];
    let corrupt = 0;
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    while (readings.length < max) {
      const segSize = this.readPos.segment === this.segment ? this.size : (this.segmentSizes.get(this.readPos.segment) ?? 0);
      if (this.readPos.offset >= segSize) {
        if (this.readPos.segment >= this.segment) break;
        this.readPos = { segment: this.nextSegmentAfter(this.readPos.segment), offset: 0 };
        continue;
      }
      const fd = this.readerFd(this.readPos.segment);
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, segSize - this.readPos.offset), this.readPos.offset);
      if (n <= 0) break;
      let start = 0;
      let consumedAny = false;
      for (let i = 0; i < n && readings.length < max; i++) {
        if (chunk[i] !== 0x0a) continue;
        const r = decodeWalLine(chunk.toString('utf8', start, i));
        if (r) readings.push(r);
        else corrupt++;
        start = i + 1;
        consumedAny = true;
      }
      if (!consumedAny) {
        // A line without its newline: the tail of a torn write (crash mid-append) if it is at the end of an old segment.
        if (this.readPos.segment < this.segment && this.readPos.offset + n >= segSize) {
          corrupt++;
          this.readPos = { segment: this.readPos.segment, offset: segSize };
          continue;
        }
        break;
      }
      this.readPos = { segment: this.readPos.segment, offset: this.readPos.offset + start };
    }
    return { readings, end: { ...this.readPos }, corrupt };
  }

  /** Moves the read position back to the checkpoint (the store did not take the last batch). */
  rewind(): void {
    this.readPos = { ...this.checkpoint };
  }

  /** Records that everything before `pos` is in the store; deletes segments wholly before it. */
  commit(pos: WalPosition, records: number): void {
    this.checkpoint = { ...pos };
    this.pendingRecords = Math.max(0, this.pendingRecords - records);
    const tmp = join(this.dir, 'checkpoint.json.tmp');
    writeFileSync(tmp, JSON.stringify(this.checkpoint));
    renameSync(tmp, join(this.dir, 'checkpoint.json'));
    for (const n of [...this.segmentSizes.keys()]) {
      if (n < pos.segment) {
        if (this.readFd?.segment === n) {
          closeSync(this.readFd.fd);
          this.readFd = null;
        }
        rmSync(segmentFile(this.dir, n), { force: true });
        this.segmentSizes.delete(n);
      }
    }
    if (this.backlogBytes() === 0) this.pendingRecords = 0;
  }

  /** Flushes appended bytes to disk, now. */
  sync(): void {
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    fdatasyncSync(this.fd);
  }

  /**
   * The periodic flush, on libuv's thread pool: a disk can take tens of milliseconds to sync, and
   * a synchronous call would hold the event loop — and every PUBACK and alert behind it — that long.
   * A file rotated or closed meanwhile is closed when its sync returns (never under it).
   */
  private syncInBackground(): void {
    if (!this.dirty || this.closed || this.syncingFd !== null) return;
    this.dirty = false;
    const fd = this.fd;
    this.syncingFd = fd;
    fdatasync(fd, (err) => {
      this.syncingFd = null;
      if (err && fd === this.fd && !this.closed) this.dirty = true;
      if (this.closeAfterSync === fd) {
        this.closeAfterSync = null;
        closeSync(fd);
      }
    });
  }

  /** Closes a segment file, or leaves it to the background sync still running on it. */
  private closeFd(fd: number): void {
    if (this.syncingFd === fd) this.closeAfterSync = fd;
    else closeSync(fd);
  }

  close(): void {
    if (this.closed) return;
    this.endGroup();
    this.sync();
    this.closed = true;
    clearInterval(this.fsyncTimer);
    this.closeFd(this.fd);
    if (this.readFd) closeSync(this.readFd.fd);
    this.readFd = null;
  }

  private rotate(): void {
    fdatasyncSync(this.fd);
    this.closeFd(this.fd);
    this.segment++;
    this.fd = openSync(segmentFile(this.dir, this.segment), 'a');
    this.size = 0;
    this.segmentSizes.set(this.segment, 0);
    // Make the new file's directory entry durable too.
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  private endsWithNewline(): boolean {
    const fd = openSync(segmentFile(this.dir, this.segment), 'r');
    try {
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, this.size - 1);
      return b[0] === 0x0a;
    } finally {
      closeSync(fd);
    }
  }

  private readerFd(segment: number): number {
    if (this.readFd?.segment === segment) return this.readFd.fd;
    if (this.readFd) closeSync(this.readFd.fd);
    this.readFd = { segment, fd: openSync(segmentFile(this.dir, segment), 'r') };
    return this.readFd.fd;
  }

  private nextSegmentAfter(n: number): number {
    const later = [...this.segmentSizes.keys()].filter((s) => s > n).sort((a, b) => a - b);
    return later[0] ?? this.segment;
  }

  private listSegments(): number[] {
    return readdirSync(this.dir)
      .map((f) => SEGMENT_NAME.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private readCheckpoint(segments: number[]): WalPosition {
    try {
      const cp = JSON.parse(readFileSync(join(this.dir, 'checkpoint.json'), 'utf8')) as Partial<WalPosition>;
      if (typeof cp.segment === 'number' && typeof cp.offset === 'number' && cp.segment >= 1 && cp.offset >= 0) return { segment: cp.segment, offset: cp.offset };
    } catch {
      // No checkpoint yet: everything in the log is unread.
    }
    return { segment: segments[0] ?? 1, offset: 0 };
  }
}
