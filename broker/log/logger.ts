// Moved to broker/contract/logger.ts (shared with the operator); this re-export goes once the
// broker's imports follow.
export * from '../contract/logger.js';
