// A persistent-session subscriber on a raw socket that acknowledges everything and counts what
// its application would see, keeping its own QoS 2 receiver state (ids PUBREC'd and not yet
// released) across reconnections to any node, as a real client's session store does: a QoS 2
// message counted twice is a duplicate the broker delivered.
import type { IConnackPacket, IConnectPacket, IPublishPacket, Packet } from 'mqtt-packet';
import { RawMqttSocket } from './raw-mqtt-socket.js';

export class CountingSubscriber {
  readonly clientId: string;
  readonly version: 4 | 5;
  /** Deliveries per payload, in the order they were first seen. */
  readonly counts = new Map<string, number>();
  /** [MQTT-4.3.3] method B: ids whose PUBLISH was delivered and whose PUBREL has not come yet. */
  readonly #unreleased = new Set<number>();
  #socket: RawMqttSocket | undefined;

  constructor(clientId: string, version: 4 | 5 = 5) {
    this.clientId = clientId;
    this.version = version;
  }

  /** Connects (clean start off) and returns the CONNACK's session present flag; throws when refused. */
  async connect(host: string, port: number, subscribe?: { filter: string; qos: 1 | 2 }): Promise<boolean> {
    this.#socket?.destroy();
    const socket = await RawMqttSocket.connect(host, port, this.version);
    this.#socket = socket;
    const connect: IConnectPacket = {
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: this.version, clean: false, clientId: this.clientId, keepalive: 120,
      ...(this.version === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
    };
    socket.sendPacket(connect);
    const connack = await socket.nextPacket('connack') as IConnackPacket;
    const code = connack.reasonCode ?? connack.returnCode;
    if (code !== 0) { socket.destroy(); throw new Error(`${this.clientId} refused with ${String(code)}`); }
    this.#pump(socket);
    if (subscribe !== undefined) {
      socket.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: subscribe.filter, qos: subscribe.qos }] });
      await socket.nextPacket('suback');
    }
    return connack.sessionPresent;
  }

  get received(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  duplicates(): string[] {
    return [...this.counts].filter(([, n]) => n > 1).map(([p]) => p);
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #pump(socket: RawMqttSocket): void {
    const loop = async (): Promise<void> => {
      for (;;) {
        let packet: Packet;
        try {
          // PINGRESP never comes (no PINGREQ is sent): it is the close marker pushed below.
          packet = await socket.packets.nextMatching((p) => p.cmd === 'publish' || p.cmd === 'pubrel' || p.cmd === 'pingresp', 3_600_000);
        } catch {
          return;
        }
        if (packet.cmd === 'pingresp' || socket.isClosed) return;
        this.#handle(socket, packet);
      }
    };
    void loop();
    void socket.closed.then(() => socket.packets.push({ cmd: 'pingresp' }));
  }

  #handle(socket: RawMqttSocket, packet: Packet): void {
    if (packet.cmd === 'pubrel') {
      this.#unreleased.delete(packet.messageId ?? 0);
      socket.sendPacket({ cmd: 'pubcomp', messageId: packet.messageId ?? 0 });
      return;
    }
    const p = packet as IPublishPacket;
    const id = p.messageId ?? 0;
    if (p.qos === 2) {
      // A PUBLISH with an id not yet released was delivered already [MQTT-4.3.3-9 on the receiver].
      if (!this.#unreleased.has(id)) { this.#unreleased.add(id); this.#count(p); }
      socket.sendPacket({ cmd: 'pubrec', messageId: id });
      return;
    }
    this.#count(p);
    if (p.qos === 1) socket.sendPacket({ cmd: 'puback', messageId: id });
  }

  #count(p: IPublishPacket): void {
    const payload = String(p.payload);
    this.counts.set(payload, (this.counts.get(payload) ?? 0) + 1);
  }
}
