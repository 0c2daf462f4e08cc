// Which host command an image name stands for on the emulated node, and the container argv rules.
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { defaultImageMap, ImageNotFoundError, lookupImage, resolveContainerArgv } from './image-map.js';

const map = defaultImageMap('/repo');
const node = process.execPath;

describe('the default image map', () => {
  it.each(['meshmq/broker:0.1.0', 'ghcr.io/acme/meshmq/broker:dev', 'meshmq/broker@sha256:0123abcd'])('%s is the built broker', (image) => {
    expect(lookupImage(map, image).entrypoint).toEqual([node, path.join('/repo', 'dist/broker/main.js')]);
  });

  it.each(['meshmq/operator:0.1.0', 'registry.example:5000/meshmq/operator:latest'])('%s is the built operator', (image) => {
    const entry = lookupImage(map, image);
    expect(entry.entrypoint).toEqual([node, path.join('/repo', 'dist/operator/main.js')]);
    // The chart may run it by its bin name with flags, as `command: [meshmq-operator, --leader-elect]`.
    expect(resolveContainerArgv(entry, ['meshmq-operator', '--kubeconfig', '/k'], undefined)).toEqual([node, path.join('/repo', 'dist/operator/main.js'), '--kubeconfig', '/k']);
  });

  it('knows no other image', () => {
    expect(() => lookupImage(map, 'meshmq/operatorx:1')).toThrow(ImageNotFoundError);
    expect(() => lookupImage(map, 'nginx:1.27')).toThrow('no image-map entry for image "nginx:1.27"');
  });
});
