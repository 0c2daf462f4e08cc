#!/usr/bin/env node
// `npm run kube:up`: builds dist/ when a source changed (build-if-stale.mjs), then runs the
// Kubernetes test environment in this same process, so a signal to npm reaches it.
import { buildIfStale, distEntry } from './build-if-stale.mjs';

await buildIfStale();
await import(distEntry('test/kube/up.js'));
