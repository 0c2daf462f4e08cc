// Micro-benchmark of SubscriptionTable: 100k subscriptions of 50k clients (the IoT filter mix),
// 1M publishes matched into per-client deliveries, and memory per subscription.
// Run: npx tsc -p tsconfig.build.json && node dist/test/bench/micro/subscription-table.js [subs] [topics]
import { SubscriptionTable, type Delivery, type Subscription } from '../../../broker/routing/subscription-table.js';
import { parseSharedFilter } from '../../../broker/routing/topic.js';
import { createPrng } from '../../../broker/routing/random-topics.js';
import { decodedIotTopics, formatRate, iotFilter, report, settledHeap, timed, timedChunks } from './micro-support.js';

const subCount = Number(process.argv[2] ?? 100_000);
const topicCount = Number(process.argv[3] ?? 1_000_000);
const random = createPrng(7);

const subs: Subscription[] = [];
for (let i = 0; i < subCount; i++) {
  const filter = iotFilter(random);
  const shared = parseSharedFilter(filter);
  const isShared = shared !== undefined && !('error' in shared);
  subs.push({
    clientId: `client-${i % (subCount / 2)}`, filter,
    topicFilter: isShared ? shared.topicFilter : filter, shareGroup: isShared ? shared.group : undefined,
    qos: (i % 3) as 0 | 1 | 2, noLocal: false, retainAsPublished: false, retainHandling: 0,
    subscriptionId: i % 4 === 0 ? i : undefined,
  });
}
const topics = decodedIotTopics(random, topicCount);
const warmup = decodedIotTopics(random, 200_000);

let routesAdded = 0;
const before = settledHeap();
const table = new SubscriptionTable({ onFilterAdded: () => { routesAdded++; } });
const buildMs = timed(() => {
  for (const s of subs) table.add(s);
});
const bytesPerSub = (settledHeap() - before) / table.size;
report('subscription-table build', {
  subscriptions: table.size, routes: table.filterCount, routesAdded, rate: formatRate(subCount, buildMs), bytesPerSubscription: bytesPerSub.toFixed(0),
});

let deliveries = 0;
let qosSum = 0;
const visit = (d: Delivery): void => { deliveries++; qosSum += d.qos; };
for (const topic of warmup) table.match(topic, 'publisher', visit);
deliveries = 0;
const run = timedChunks(topics, 10, (topic) => table.match(topic, 'publisher', visit));
report('subscription-table match', {
  topics: topicCount, rate: formatRate(topicCount, run.totalMs), best: formatRate(run.chunk, run.bestMs), cpu: formatRate(topicCount, run.cpuMs),
  deliveriesPerTopic: (deliveries / topicCount).toFixed(2), qosSum,
});

const removeMs = timed(() => {
  for (let c = 0; c < subCount / 2; c++) table.removeClient(`client-${c}`);
});
report('subscription-table removeClient', { clients: subCount / 2, rate: formatRate(subCount / 2, removeMs), left: table.size });
