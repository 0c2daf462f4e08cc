// Micro-benchmark of TopicTrie: 100k filters (exact, +, #, shared) and 1M publish topics.
// `best` is the fastest tenth of the run and `cpu` the rate per CPU-second: the figures least
// disturbed by other load on the machine.
// Run: npx tsc -p tsconfig.build.json && node dist/test/bench/micro/topic-trie.js [filters] [topics]
import { TopicTrie } from '../../../broker/routing/topic-trie.js';
import { createPrng } from '../../../broker/routing/random-topics.js';
import { decodedIotTopics, formatRate, iotFilter, report, settledHeap, timed, timedChunks } from './micro-support.js';

const filterCount = Number(process.argv[2] ?? 100_000);
const topicCount = Number(process.argv[3] ?? 1_000_000);
const random = createPrng(42);

const filters: string[] = [];
for (let i = 0; i < filterCount; i++) filters.push(iotFilter(random));
const topics = decodedIotTopics(random, topicCount);
const warmup = decodedIotTopics(random, 200_000);

// One value per distinct filter, as the subscription table and the cluster route table use it
// (a route per filter; subscribers hang off the value).
const before = settledHeap();
const trie = new TopicTrie<number>();
const buildMs = timed(() => {
  for (let i = 0; i < filters.length; i++) trie.add(filters[i]!, 0);
});
const bytesPerFilter = (settledHeap() - before) / trie.filterCount;
report('topic-trie build', {
  filters: filterCount, distinct: trie.filterCount, rate: formatRate(filterCount, buildMs), bytesPerFilter: bytesPerFilter.toFixed(0),
});

let visits = 0;
const visit = (): void => { visits++; };
for (const topic of warmup) trie.match(topic, visit);
visits = 0;
const fresh = timedChunks(topics, 10, (topic) => trie.match(topic, visit));
report('topic-trie match (fresh topics)', {
  topics: topicCount, rate: formatRate(topicCount, fresh.totalMs), best: formatRate(fresh.chunk, fresh.bestMs), cpu: formatRate(topicCount, fresh.cpuMs),
  visitsPerTopic: (visits / topicCount).toFixed(2),
});
// The same topics again: their hashes are now cached, which a real publish stream never has.
const hashed = timedChunks(topics, 10, (topic) => trie.match(topic, visit));
report('topic-trie match (hashed topics)', { topics: topicCount, rate: formatRate(topicCount, hashed.totalMs), best: formatRate(hashed.chunk, hashed.bestMs), cpu: formatRate(topicCount, hashed.cpuMs) });

const removeMs = timed(() => {
  for (let i = 0; i < filters.length; i++) trie.remove(filters[i]!, 0);
});
report('topic-trie remove', { filters: filterCount, rate: formatRate(filterCount, removeMs), left: trie.filterCount });
