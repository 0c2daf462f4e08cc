// mqtt-packet's parser, made strict where it is lax: a properties section must end exactly where
// its length says (a property id with no value, or one reading past the section, is malformed),
// strings must be well-formed UTF-8 without U+0000 [MQTT-1.5.4-1/2], and a packet must not be
// read past its remaining length. Only codec code imports this file.
import mqttPacket from 'mqtt-packet';
import { isUtf8 } from 'node:buffer';
import type { Packet } from 'mqtt-packet';

interface BufferListLike {
  readonly length: number;
  readUInt8(offset: number): number;
  slice(start: number, end: number): Buffer;
}

/** The parts of mqtt-packet's Parser this subclass relies on (it has no typings for them). */
interface RawParser {
  _list: BufferListLike;
  _pos: number;
  packet: { cmd: string | null; length: number };
  error: Error | null;
  settings: Record<string, unknown>;
  _emitError(err: Error): void;
  _parseString(): string | null;
  _parseProperties(): unknown;
  _parsePayload(): boolean;
  _resetState(): void;
  parser(opts?: object): RawParser;
  parse(buf: Buffer): number;
  on(event: 'packet', listener: (packet: Packet) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}

const BaseParser = (Object.getPrototypeOf(mqttPacket.parser()) as { constructor: new () => RawParser }).constructor;

export class StrictParser extends BaseParser {
  /** Back to a clean state after an error; mqtt-packet's own reset leaves a stale read position. */
  reset(): void {
    this._resetState();
    this._pos = 0;
  }

  override _parseString(): string | null {
    const start = this._pos + 2;
    const value = super._parseString();
    // A decoder replaces bad sequences by U+FFFD: only then is the byte-level check needed.
    if (value !== null && (value.includes('\uFFFD') || value.includes('\u0000'))) {
      if (value.includes('\u0000')) this._emitError(new Error('String contains U+0000')); // [MQTT-1.5.4-2]
      else if (!isUtf8(this._list.slice(start, this._pos))) this._emitError(new Error('Invalid UTF-8 string')); // [MQTT-1.5.4-1]
    }
    return value;
  }

  override _parseProperties(): unknown {
    const lengthPos = this._pos;
    const result = super._parseProperties();
    if (result === false || this.error !== null) return result;
    if (lengthPos >= this.packet.length) return result; // no properties section at all (short DISCONNECT)
    let value = 0;
    let mul = 1;
    let i = lengthPos;
    for (;;) {
      if (i >= this._list.length || i - lengthPos >= 4) {
        this._emitError(new Error('Malformed properties length'));
        return false;
      }
      const b = this._list.readUInt8(i++);
      value += (b & 0x7f) * mul;
      mul *= 0x80;
      if ((b & 0x80) === 0) break;
    }
    const end = i + value;
    if (this._pos !== end || end > this.packet.length) {
      this._emitError(new Error('Malformed properties: a property has no value or overruns the section'));
      return false;
    }
    return result;
  }

  override _parsePayload(): boolean {
    const complete = super._parsePayload();
    if (complete && this.error === null) {
      const overrun = this._pos > this.packet.length;
      const trailing = this.packet.cmd === 'connect' && this._pos !== this.packet.length;
      if (overrun || trailing) this._emitError(new Error(`Malformed ${this.packet.cmd ?? 'packet'}: length mismatch`));
    }
    return complete;
  }
}
