// Micro-benchmark of RetainedIndex: 1M retained topics, then wildcard subscribes as a client
// would send them (per device, per tenant and metric), and memory per retained topic.
// Run: npx tsc -p tsconfig.build.json && node dist/test/bench/micro/retained-index.js [topics]
import { RetainedIndex } from '../../../broker/routing/retained-index.js';
import { createPrng } from '../../../broker/routing/random-topics.js';
import { DEVICES_PER_TENANT, METRICS, TENANTS, decodedIotTopics, formatRate, report, settledHeap, timed } from './micro-support.js';

const topicCount = Number(process.argv[2] ?? 1_000_000);
const random = createPrng(11);
const topics = decodedIotTopics(random, topicCount);

const before = settledHeap();
const index = new RetainedIndex<number>();
const setMs = timed(() => {
  for (let i = 0; i < topics.length; i++) index.set(topics[i]!, i);
});
const bytesPerTopic = (settledHeap() - before) / index.size;
report('retained-index set', { topics: topicCount, distinct: index.size, rate: formatRate(topicCount, setMs), bytesPerTopic: bytesPerTopic.toFixed(0) });

const shapes: Array<[string, (i: number) => string]> = [
  ['exact', (i) => `tenant-${i % TENANTS}/device-${i % DEVICES_PER_TENANT}/telemetry/temp`],
  ['device/#', (i) => `tenant-${i % TENANTS}/device-${(i * 7) % DEVICES_PER_TENANT}/#`],
  ['tenant/+/telemetry/metric', (i) => `tenant-${i % TENANTS}/+/telemetry/${METRICS[i % METRICS.length]!}`],
];
for (const [name, make] of shapes) {
  const count = name.startsWith('tenant/+') ? 200 : 20_000;
  let found = 0;
  const ms = timed(() => {
    for (let i = 0; i < count; i++) index.match(make(i), () => { found++; });
  });
  report(`retained-index match ${name}`, { subscribes: count, rate: formatRate(count, ms), messagesPerSubscribe: (found / count).toFixed(1), messagesPerSecond: formatRate(found, ms) });
}
