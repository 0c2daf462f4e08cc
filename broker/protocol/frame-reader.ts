// Splits a byte stream into whole MQTT packets. The remaining length is checked against the
// maximum packet size as soon as the fixed header is read, before any body is buffered, and a
// buffer is only allocated for a packet that spans several chunks.
import { ProtocolError, ReasonCode } from './reason-codes.js';

export class FrameReader {
  #frame: Buffer | undefined;
  #filled = 0;
  #head: Buffer | undefined;
  /** Bytes after a frame whose handler paused the reader, kept until resume(). */
  #rest: Buffer | undefined;
  #maxPacketSize: number;

  constructor(maxPacketSize: number) {
    this.#maxPacketSize = maxPacketSize;
  }

  set maxPacketSize(value: number) {
    this.#maxPacketSize = value;
  }

  get buffered(): number {
    return (this.#frame ? this.#filled : 0) + (this.#head?.length ?? 0) + (this.#rest?.length ?? 0);
  }

  /**
   * Calls `onFrame(frame, owned)` for every complete packet in order (`owned`: the frame is not a
   * view into `chunk`). When it returns false the reader pauses: that frame and every byte after
   * it are kept (copied) and later pushes only append, until resume(). Throws ProtocolError for an
   * oversized packet (0x95) or a malformed remaining length (0x81).
   */
  push(chunk: Buffer, onFrame: (frame: Buffer, owned: boolean) => boolean): void {
    if (this.#rest !== undefined) {
      this.#rest = Buffer.concat([this.#rest, chunk]);
      return;
    }
    let data = chunk;
    let off = 0;
    if (this.#frame !== undefined) {
      const n = Math.min(this.#frame.length - this.#filled, data.length);
      data.copy(this.#frame, this.#filled, 0, n);
      this.#filled += n;
      off = n;
      if (this.#filled < this.#frame.length) return;
      const frame = this.#frame;
      this.#frame = undefined;
      if (!onFrame(frame, true)) {
        this.#rest = Buffer.concat([frame, data.subarray(off)]);
        return;
      }
    } else if (this.#head !== undefined) {
      // A partial fixed header is at most 4 bytes: joining it to the chunk is cheap.
      data = Buffer.concat([this.#head, data]);
      this.#head = undefined;
    }
    while (off < data.length) {
      let length = 0;
      let mul = 1;
      let i = off + 1;
      let complete = false;
      for (let k = 0; k < 4 && i < data.length; k++) {
        const b = data[i++] as number;
        length += (b & 0x7f) * mul;
        mul *= 0x80;
        if ((b & 0x80) === 0) { complete = true; break; }
      }
      if (!complete) {
        if (i - off - 1 >= 4) throw new ProtocolError(ReasonCode.MalformedPacket, 'Malformed remaining length');
        this.#head = Buffer.from(data.subarray(off));
        return;
      }
      const total = i - off + length;
      if (total > this.#maxPacketSize) {
        // [MQTT-3.1.2-24] reject before buffering the announced body
        throw new ProtocolError(ReasonCode.PacketTooLarge, `Packet of ${total} bytes exceeds the maximum of ${this.#maxPacketSize}`);
      }
      if (data.length - off >= total) {
        const frame = data.subarray(off, off + total);
        if (!onFrame(frame, false)) {
          this.#rest = Buffer.from(data.subarray(off));
          return;
        }
        off += total;
      } else {
        this.#frame = Buffer.allocUnsafe(total);
        this.#filled = data.copy(this.#frame, 0, off);
        return;
      }
    }
  }

  /** Handles the bytes kept by a pause (see push); may pause again. */
  resume(onFrame: (frame: Buffer, owned: boolean) => boolean): void {
    const rest = this.#rest;
    this.#rest = undefined;
    if (rest !== undefined) this.push(rest, onFrame);
  }

  /** Drops any partial packet (the connection is closing). */
  reset(): void {
    this.#frame = undefined;
    this.#head = undefined;
    this.#rest = undefined;
  }
}
