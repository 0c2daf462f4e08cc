#!/usr/bin/env node
// `npm start`: builds dist/ when a source changed (build-if-stale.mjs), then runs the broker in this
// same process, so a signal to `npm start` (npm forwards it here) reaches the broker itself.
import { buildIfStale, distEntry } from './build-if-stale.mjs';

await buildIfStale();
// The broker reads process.argv from index 2 on: `npm start -- --config FILE` reaches it as it is.
await import(distEntry('broker/main.js'));
