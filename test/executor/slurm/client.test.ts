import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandSlurmClient, parseScontrol, parseSqueue } from '../../../src/executor/slurm/client.js';
import { parseSlurmOpt, resolveSlurmSettings } from '../../../src/executor/slurm/settings.js';

// Captured from Slurm 22.05 (scripts/slurm-local.sh): an array job with one task done,
// one failed and two still pending as an unsplit range.
const SCONTROL = [
  'JobId=1 ArrayJobId=1 ArrayTaskId=2-3 JobName=j.sh JobState=PENDING Reason=Resources Dependency=(null) ExitCode=0:0 StdOut=/tmp/j_1_4294967294.log',
  'JobId=2 ArrayJobId=1 ArrayTaskId=0 JobName=j.sh JobState=COMPLETED Reason=None ExitCode=0:0 StdOut=/tmp/j_1_0.log',
  'JobId=3 ArrayJobId=1 ArrayTaskId=1 JobName=j.sh JobState=FAILED Reason=NonZeroExitCode ExitCode=1:0 StdOut=/tmp/j_1_1.log',
  'JobId=7 JobName=one JobState=CANCELLED Reason=None ExitCode=0:15 StdOut=/tmp/7.log',
].join('\n');

describe('Slurm output parsing', () => {
  it('scontrol -o: one record per finished or running task, unsplit pending ranges skipped', () => {
    expect(parseScontrol(SCONTROL)).toEqual([
      { id: '1_0', state: 'COMPLETED', exitCode: '0:0', reason: 'None', stdout: '/tmp/j_1_0.log' },
      { id: '1_1', state: 'FAILED', exitCode: '1:0', reason: 'NonZeroExitCode', stdout: '/tmp/j_1_1.log' },
      { id: '7', state: 'CANCELLED', exitCode: '0:15', reason: 'None', stdout: '/tmp/7.log' },
    ]);
  });
  it('squeue -r -o %i|%T', () => {
    expect([...parseSqueue('1_2|PENDING\n1_3|RUNNING\n9|COMPLETING\n\n')]).toEqual([
      ['1_2', 'PENDING'],
      ['1_3', 'RUNNING'],
      ['9', 'COMPLETING'],
    ]);
  });
});

describe('settings', () => {
  it('fills documented defaults; config, then --slurm-opt override; per-kind resources fall back to default', () => {
    const s = resolveSlurmSettings({ options: { account: 'a', 'no-requeue': true, hint: false }, resources: { default: { mem: '2G' }, train: { time: '2:00:00' } } }, { slurmOpts: ['account=b'] }, ['n']);
    expect([...s.options]).toEqual([
      ['account', 'b'],
      ['no-requeue', true],
    ]);
    expect(s.resources('train')).toEqual({ cpus: 1, mem: '2G', time: '2:00:00' });
    expect(s.resources('plot')).toEqual({ cpus: 1, mem: '2G', time: '01:00:00' });
    expect(s.pollMs).toBe(2000);
    expect(s.arrayThrottle).toBe(100);
    expect(s.partition).toBeNull();
  });
  it('--slurm-opt accepts key=value and bare flags, not junk', () => {
    expect(parseSlurmOpt('qos=short')).toEqual(['qos', 'short']);
    expect(parseSlurmOpt('--exclusive')).toEqual(['exclusive', true]);
    expect(parseSlurmOpt('constraint=a&b')).toEqual(['constraint', 'a&b']);
    expect(parseSlurmOpt('=x')).toBeNull();
    expect(parseSlurmOpt('Bad Key=1')).toBeNull();
  });
});

describe('CommandSlurmClient', () => {
  let bin: string;
  beforeAll(async () => {
    bin = await fs.mkdtemp(path.join(os.tmpdir(), 'catapult-fakebin-'));
    const script = (name: string, body: string) => fs.writeFile(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    await script('sbatch', 'echo "42;cluster"');
    await script('squeue', 'echo "sbatch: error: Unable to contact slurm controller (connect failure)" >&2; exit 1');
    await script('scontrol', 'if [ "$1" = ping ]; then /bin/sleep 5; fi; echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1');
  });
  afterAll(() => fs.rm(bin, { recursive: true, force: true }));
  const client = (timeoutMs = 2000) => new CommandSlurmClient({ timeoutMs, env: { PATH: bin } });

  it('parses sbatch --parsable, classifies an unreachable controller, and treats an unknown job as forgotten', async () => {
    expect(await client().submit(['x.sh'])).toEqual({ ok: true, value: '42' });
    expect(await client().queue()).toEqual({ ok: false, error: { reason: 'unreachable', command: 'squeue', message: 'sbatch: error: Unable to contact slurm controller (connect failure)' } });
    expect(await client().show('5')).toEqual({ ok: true, value: [] });
  });
  it('a command that does not answer in time is unreachable, and a missing command is not-installed', async () => {
    const t0 = Date.now();
    const r = await client(300).ping();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r).toEqual({ ok: false, error: { reason: 'unreachable', command: 'scontrol', message: 'no answer within 0.3 s' } });
    expect(await client().cancel(['1'])).toEqual({ ok: false, error: { reason: 'not-installed', command: 'scancel' } });
  });
});
