// What a release carries: a LICENSE with the full text of the licence package.json names (the
// official SPDX text from spdx-license-list), and images labelled with the same identifier.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { license?: string };
const spdx = createRequire(import.meta.url)('spdx-license-list/full.js') as Record<string, { name: string; licenseText: string }>;
const normalise = (text: string): string => text.replace(/\r\n/g, '\n').trimEnd();

describe('licence', () => {
  it('package.json names one SPDX licence', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(spdx[pkg.license ?? '']).toBeDefined();
  });

  it('LICENSE is exactly that licence\'s official text', () => {
    const license = readFileSync(path.join(repo, 'LICENSE'), 'utf8');
    expect(normalise(license)).toBe(normalise(spdx[pkg.license ?? '']?.licenseText ?? ''));
    expect(license.startsWith('Apache License\nVersion 2.0, January 2004\n')).toBe(true);
  });

  it('the images carry the same licence in their OCI label', () => {
    const dockerfile = readFileSync(path.join(repo, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`org.opencontainers.image.licenses="${pkg.license ?? ''}"`);
  });
});
