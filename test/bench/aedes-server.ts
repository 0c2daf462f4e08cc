// Aedes as its README runs it (Aedes.createBroker + net.createServer(aedes.handle)), with its
// default in-memory persistence, or aedes-persistence-redis when given a Redis: the Node broker
// meshmq is compared against.
// Usage: node aedes-server.js <port> [host] [redis-host:port]
import { createRequire } from 'node:module';
import net from 'node:net';
import { Aedes } from 'aedes';

// CommonJS without type declarations: loaded as such.
type PersistenceFactory = (options: { host: string; port: number }) => unknown;

const port = Number(process.argv[2]);
const host = process.argv[3] ?? '127.0.0.1';
const redis = process.argv[4];
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: aedes-server <port> [host] [redis-host:port]\n');
  process.exit(2);
}

const persistence = redis === undefined ? undefined
  : (createRequire(import.meta.url)('aedes-persistence-redis') as PersistenceFactory)({ host: redis.slice(0, redis.lastIndexOf(':')), port: Number(redis.slice(redis.lastIndexOf(':') + 1)) });
const aedes = await Aedes.createBroker(persistence === undefined ? {} : { persistence: persistence as never });
const server = net.createServer(aedes.handle);
server.listen(port, host);
const shutdown = (): void => {
  server.close();
  aedes.close(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
