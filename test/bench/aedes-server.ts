// Aedes as its README runs it (Aedes.createBroker + net.createServer(aedes.handle)), with its
// default in-memory persistence: the Node broker meshmq is compared against.
// Usage: node aedes-server.js <port> [host]
import net from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
const host = process.argv[3] ?? '127.0.0.1';
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: aedes-server <port> [host]\n');
  process.exit(2);
}

const aedes = await Aedes.createBroker();
const server = net.createServer(aedes.handle);
server.listen(port, host);
const shutdown = (): void => {
  server.close();
  aedes.close(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
