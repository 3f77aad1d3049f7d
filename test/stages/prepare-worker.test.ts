import { afterEach, describe, expect, it } from 'vitest';
import { prepareWorker } from '../../stages/index.js';
import { loadOrt } from '../../src/numerics/ort/runtime.js';

const saved = process.env.CATAPULT_ORT;
afterEach(() => {
  if (saved === undefined) delete process.env.CATAPULT_ORT;
  else process.env.CATAPULT_ORT = saved;
});

const ort = loadOrt();

describe('prepareWorker keeps the worker honest about what the keys say', () => {
  it('switches onnxruntime off when the keys were computed without it', async () => {
    delete process.env.CATAPULT_ORT;
    expect(await prepareWorker({ backend: 'cpu', ort: null })).toEqual({ backend: 'cpu' });
    expect(process.env.CATAPULT_ORT).toBe('0');
  });

  it.skipIf(!ort.ok)('refuses to run when the keys name another onnxruntime-node version', async () => {
    await expect(prepareWorker({ backend: 'cpu', ort: '0.0.1' })).rejects.toThrow(
      `onnxruntime-node ${ort.ok ? ort.value.version : ''} loaded, but this run's keys were computed for 0.0.1`,
    );
  });

  it('refuses a backend other than the keyed one', async () => {
    // `node` (tfjs-node) cannot install on these machines: init fails or names another backend
    await expect(prepareWorker({ backend: 'node', ort: null })).rejects.toThrow(/node/);
  });
});
