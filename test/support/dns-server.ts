// A small authoritative DNS server for tests: answers A/AAAA for the names it is given,
// NXDOMAIN for the rest, over UDP and TCP. Stands in for cluster DNS (kube-dns).
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export interface DnsServerOptions { host?: string; port?: number; ttl?: number }

export class DnsServer {
  readonly #records = new Map<string, { a: string[]; aaaa: string[] }>();
  readonly #udp: dgram.Socket;
  readonly #tcp: net.Server;
  readonly #ttl: number;
  readonly host: string;
  readonly port: number;
  /** Queries answered, by name (lower case): lets a test wait for a re-resolution. */
  readonly queries = new Map<string, number>();

  private constructor(udp: dgram.Socket, tcp: net.Server, host: string, port: number, ttl: number) {
    this.#udp = udp; this.#tcp = tcp; this.host = host; this.port = port; this.#ttl = ttl;
  }

  static async start(options: DnsServerOptions = {}): Promise<DnsServer> {
    const host = options.host ?? '127.0.0.1';
    // UDP and TCP share one port number; an ephemeral UDP port may be taken for TCP (busy
    // loopback), so a free pair is searched for unless the caller fixed the port.
    const attempts = options.port === undefined ? 20 : 1;
    for (let attempt = 1; ; attempt++) {
      const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind(options.port ?? 0, host, () => resolve()); });
      const port = udp.address().port;
      const tcp = net.createServer();
      try {
        await new Promise<void>((resolve, reject) => { tcp.once('error', reject); tcp.listen(port, host, () => resolve()); });
      } catch (err) {
        udp.close();
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < attempts) continue;
        throw err;
      }
      return DnsServer.#serve(udp, tcp, host, port, options.ttl ?? 1);
    }
  }

  static #serve(udp: dgram.Socket, tcp: net.Server, host: string, port: number, ttl: number): DnsServer {
    const server = new DnsServer(udp, tcp, host, port, ttl);
    udp.on('message', (msg, rinfo) => {
      const reply = server.#answer(msg);
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    });
    tcp.on('connection', (sock) => server.#serveTcp(sock));
    return server;
  }

  /** `ip:port` as a resolver setting (MESHMQ_CLUSTER_DNS_SERVER). */
  get address(): string { return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`; }

  set(name: string, ips: readonly string[]): void {
    this.#records.set(normalize(name), {
      a: ips.filter((ip) => net.isIPv4(ip)),
      aaaa: ips.filter((ip) => net.isIPv6(ip)),
    });
  }

  delete(name: string): void { this.#records.delete(normalize(name)); }

  lookup(name: string): string[] {
    const r = this.#records.get(normalize(name));
    return r ? [...r.a, ...r.aaaa] : [];
  }

  async close(): Promise<void> {
    this.#udp.close();
    await new Promise<void>((resolve) => this.#tcp.close(() => resolve()));
  }

  #answer(msg: Buffer): Buffer | undefined {
    let query: dnsPacket.Packet;
    try { query = dnsPacket.decode(msg); } catch { return undefined; }
    const question = query.questions?.[0];
    if (!question) return undefined;
    const name = normalize(question.name);
    this.queries.set(name, (this.queries.get(name) ?? 0) + 1);
    const records = this.#records.get(name);
    const type: string = question.type;
    const answers: dnsPacket.Answer[] = [];
    if (records && (type === 'A' || type === 'ANY')) {
      for (const ip of records.a) answers.push({ type: 'A', name: question.name, ttl: this.#ttl, class: 'IN', data: ip });
    }
    if (records && (type === 'AAAA' || type === 'ANY')) {
      for (const ip of records.aaaa) answers.push({ type: 'AAAA', name: question.name, ttl: this.#ttl, class: 'IN', data: ip });
    }
    return dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      // 0x8400 = QR + AA; rcode 3 = NXDOMAIN when the name is unknown.
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED | (records ? 0 : 3),
      questions: [question],
      answers,
    });
  }

  #serveTcp(sock: net.Socket): void {
    let buffered = Buffer.alloc(0);
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) return;
        const reply = this.#answer(buffered.subarray(2, 2 + len));
        buffered = buffered.subarray(2 + len);
        if (reply) {
          const head = Buffer.alloc(2);
          head.writeUInt16BE(reply.length);
          sock.write(Buffer.concat([head, reply]));
        }
      }
    });
  }
}

function normalize(name: string): string { return name.toLowerCase().replace(/\.$/, ''); }
