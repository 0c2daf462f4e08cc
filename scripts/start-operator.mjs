#!/usr/bin/env node
// `npm run operator`: builds dist/ when a source changed (build-if-stale.mjs), then runs the operator
// in this same process, so a signal to npm (forwarded here) reaches the operator itself.
import { buildIfStale, distEntry } from './build-if-stale.mjs';

await buildIfStale();
await import(distEntry('operator/main.js'));
