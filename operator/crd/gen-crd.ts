// `npm run gen:crd`: writes crds/brokerclusters.meshmq.io.yaml from the zod schemas.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBrokerClusterCrd } from './broker-cluster-crd.js';
import { CRD_FILE, renderCrdYaml } from './render-crd.js';

// dist/operator/crd/gen-crd.js or operator/crd/gen-crd.ts: the repository is three levels up either way.
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.basename(path.resolve(here, '../..')) === 'dist' ? path.resolve(here, '../../..') : path.resolve(here, '../..');
const target = path.join(root, CRD_FILE);
await writeFile(target, renderCrdYaml(buildBrokerClusterCrd()));
process.stdout.write(`wrote ${path.relative(process.cwd(), target) || target}\n`);
