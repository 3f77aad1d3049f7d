import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend, numericPackages, selectBackend } from '../../src/numerics/backend.js';
import { backendUnavailable } from '../../src/messages/numerics.js';

describe('backend selection', () => {
  it('auto falls back silently from tfjs-node to wasm and reports the tfjs version', async () => {
    const info = await initBackend('auto');
    let nodeAvailable = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      nodeAvailable = false;
    }
    expect(info.name).toBe(nodeAvailable ? 'tensorflow' : 'wasm');
    expect(info.version).toBe(tf.version.tfjs);
    expect(tf.getBackend()).toBe(info.name);
  });

  it('cpu and wasm can be selected explicitly and compute the same matMul', async () => {
    const a = [1, 2, 3, 4];
    expect((await initBackend('cpu')).name).toBe('cpu');
    const c = tf.matMul(tf.tensor2d(a, [2, 2]), tf.tensor2d(a, [2, 2])).arraySync();
    expect((await initBackend('wasm')).name).toBe('wasm');
    const w = tf.matMul(tf.tensor2d(a, [2, 2]), tf.tensor2d(a, [2, 2])).arraySync();
    expect(w).toEqual(c);
    expect(c).toEqual([[7, 10], [15, 22]]);
  });

  it('an explicit node request without tfjs-node fails as a value', async () => {
    const r = await selectBackend('node');
    if (r.ok) return; // tfjs-node installed on this machine: nothing to check
    expect(r.error.reason).toBe('backend-unavailable');
    expect(r.error.message.startsWith(backendUnavailable('node', ''))).toBe(true);
    await expect(initBackend('node')).rejects.toThrow(/backend 'node' could not be initialised/);
    await initBackend('wasm');
  });

  it('lists the tfjs package versions for fingerprints', () => {
    const p = numericPackages();
    expect(p['@tensorflow/tfjs']).toBe(tf.version.tfjs);
    expect(p['@tensorflow/tfjs-backend-wasm']).toMatch(/^\d+\.\d+\.\d+/);
  });
});
