import { createMemoryStore } from './memory-store.js';
import { runStoreContract } from '../../test/support/store-contract.js';

runStoreContract('memory', () => createMemoryStore());
