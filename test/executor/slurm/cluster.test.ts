/**
 * End to end on a real single-node Slurm (scripts/slurm-local.sh; Debian's
 * slurmctld/slurmd/munge, installed by .ci/run): `catapult run --executor slurm`
 * against the compiled CLI (the jobs run `node bin/catapult.js exec` on the
 * "compute node"), compared with a local run of the same config.
 *
 * Needs root (SlurmUser=root) and the Slurm packages; elsewhere the suite is
 * skipped with the reason printed.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsCache } from '../../../src/cache/store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');
const script = path.join(repo, 'scripts', 'slurm-local.sh');
const bin = path.join(repo, 'bin', 'catapult.js');
const fixture = path.join(repo, 'test', 'fixtures', 'slurm', 'pipeline.yaml');

const missing = [
  process.getuid?.() === 0 ? null : 'not running as root',
  ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/munged', '/usr/bin/sbatch'].every(existsSync) ? null : 'Slurm is not installed (scripts/slurm-local.sh install)',
  existsSync(path.join(repo, 'dist', 'src', 'cli', 'main.js')) ? null : 'dist/ is not built (npm test runs tsc first)',
].filter((x): x is string => x !== null);
if (missing.length > 0) console.warn(`Slurm integration test skipped: ${missing.join('; ')}`);

let dir: string;
let env: NodeJS.ProcessEnv;

interface Ran {
  code: number | null;
  out: string;
  ms: number;
}

/** Starts `catapult run ARGS` through the compiled CLI; `onLine` sees output lines as they come. */
function start(args: readonly string[], onLine?: (line: string) => void): { child: ChildProcess; done: Promise<Ran> } {
  const t0 = Date.now();
  const child = spawn(process.execPath, [bin, 'run', ...args], { env, cwd: dir });
  const done = new Promise<Ran>((resolve) => {
    let out = '';
    let partial = '';
    const take = (b: Buffer): void => {
      out += b.toString();
      partial += b.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) onLine?.(l);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    child.on('close', (code) => resolve({ code, out, ms: Date.now() - t0 }));
  });
  return { child, done };
}

const catapult = (args: readonly string[], onLine?: (line: string) => void): Promise<Ran> => start(args, onLine).done;

/** Polls squeue until a training job of this cluster runs; its id. */
async function runningTrainJob(): Promise<string> {
  for (let i = 0; i < 400; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const id = execFileSync('squeue', ['--me', '-h', '-t', 'RUNNING', '-n', 'catapult-train', '-o', '%i'], { env, encoding: 'utf8' }).trim();
    if (id !== '') return id;
  }
  throw new Error('no training job started within 40 s');
}

const common = (cache: string): string[] => ['-c', fixture, '--cache-dir', path.join(dir, cache), '--no-report'];

/** key → [file name, sha256] of every file of every entry (manifest.json excepted: it holds timings). */
async function artifacts(cacheDir: string): Promise<Map<string, string[]>> {
  const cache = await FsCache.open(cacheDir);
  const out = new Map<string, string[]>();
  for (const e of await cache.entries()) {
    const r = await cache.read(e.key);
    expect(r.ok).toBe(true);
    if (r.ok) out.set(e.key, r.value.manifest.files.map((f) => `${f.name} ${f.sha256}`).sort());
  }
  return out;
}

describe.skipIf(missing.length > 0)('--executor slurm on a real Slurm cluster', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'catapult-slurm-it-'));
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const up = spawnSync('bash', [script, 'up', path.join(dir, 'cluster')], { env: { ...process.env, CATAPULT_SLURM_PORT: port }, encoding: 'utf8', timeout: 60_000 });
    if (up.status !== 0) throw new Error(`slurm-local.sh up failed (${up.status}):\n${up.stdout}\n${up.stderr}`);
    env = { ...process.env, SLURM_CONF: path.join(dir, 'cluster', 'slurm.conf'), CATAPULT_OFFLINE: '1', NO_COLOR: '1' };
  }, 90_000);

  afterAll(() => {
    if (!dir) return;
    spawnSync('bash', [script, 'down', path.join(dir, 'cluster')], { encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs stages as Slurm jobs (arrays for sweeps), stores artifacts byte-identical to a local run, and a second run submits nothing', async () => {
    const targets = ['fig-sweep', 'slow'];
    const viaSlurm = await catapult([...targets, ...common('shared'), '--executor', 'slurm']);
    expect(viaSlurm.code, viaSlurm.out).toBe(0);
    const arrays = [...viaSlurm.out.matchAll(/slurm: submitted array job (\d+) \((\d+) (\w+) tasks/g)].map((m) => [m[3], Number(m[2])]);
    // the 3-rate sweep became ready together (after its one init): one array (with the slow run's train when its init finished in the same poll)
    expect(arrays.some(([kind, n]) => kind === 'train' && (n as number) >= 3), JSON.stringify(arrays)).toBe(true);
    // Slurm itself knows the jobs and says they completed.
    const ids = [...viaSlurm.out.matchAll(/slurm: submitted (?:array )?job (\d+)/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    for (const id of ids) {
      const shown = execFileSync('scontrol', ['-o', 'show', 'job', id], { env, encoding: 'utf8' });
      for (const line of shown.trim().split('\n')) expect(line).toMatch(/JobState=COMPLETED .*ExitCode=0:0/);
    }
    const local = await catapult([...targets, ...common('local'), '--executor', 'local']);
    expect(local.code, local.out).toBe(0);
    const a = await artifacts(path.join(dir, 'shared'));
    const b = await artifacts(path.join(dir, 'local'));
    expect(a.size).toBe(11); // 1 dataset, 2 inits, 4 trains, 2 metrics, plot and claims of fig-sweep
    expect(a).toEqual(b);

    const again = await catapult([...targets, ...common('shared'), '--executor', 'slurm']);
    expect(again.code, again.out).toBe(0);
    expect(again.out).not.toMatch(/submitted/);
    expect(again.out).toMatch(/Finished: 0 executed, 11 cached/);
  }, 240_000);

  it('reports a stage that fails on its node with job id, exit code and log path, and keeps going with independent stages', async () => {
    const r = await catapult(['broken', 'slow', ...common('shared'), '--executor', 'slurm', '--set', 'experiments.slow.train.steps=31']);
    expect(r.code, r.out).toBe(4); // only a missing dataset failed (documented exit code)
    const m = /dataset:absent FAILED: Slurm job (\S+) FAILED \(exit code 1:0\): (.*); log: (\S+\.log)/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    expect(m![2]).toMatch(/mnist/i);
    expect(readFileSync(m![3]!, 'utf8')).toContain('catapult exec: dataset:absent FAILED');
    expect(r.out).toMatch(/train:slow\[eta=0\.5,seed=0,variant=net\] done/);
    expect(r.out).toMatch(/metrics:slow done/);
  }, 120_000);

  it('a job cancelled mid-run leaves no complete-looking entry, and the rerun finishes it', async () => {
    const args = ['slow', ...common('shared'), '--executor', 'slurm', '--set', 'experiments.slow.train.steps=6000'];
    let runDir = '';
    const run = catapult(args, (line) => {
      const m = /^slurm: batch files and job logs in (\S+)/.exec(line);
      if (m) runDir = m[1]!;
    });
    // Wait until the training job runs, let it work a moment, then cancel it as an admin (or preemption) would.
    const jobId = await runningTrainJob();
    await new Promise((r) => setTimeout(r, 1500));
    execFileSync('scancel', [jobId], { env });
    const killed = await run;
    expect(killed.code, killed.out).toBe(1);
    expect(killed.out).toMatch(new RegExp(`train:slow\\S* FAILED: Slurm job ${jobId} CANCELLED`));
    const batches = readdirSync(runDir).filter((f) => f.endsWith('.json'));
    const task = batches.map((f) => JSON.parse(readFileSync(path.join(runDir, f), 'utf8'))).find((b) => b.tasks[0].instance.kind === 'train').tasks[0];
    const cache = await FsCache.open(path.join(dir, 'shared'));
    expect(await cache.has(task.key)).toBe(false);
    expect((await cache.read(task.key)).ok).toBe(false);

    const rerun = await catapult(args);
    expect(rerun.code, rerun.out).toBe(0);
    expect(rerun.out).toMatch(/Finished: 2 executed/); // train + metrics; dataset and init were cached
    expect((await cache.read(task.key)).ok).toBe(true);
  }, 180_000);

  it('Ctrl-C cancels the jobs of the run (scancel) and exits 130', async () => {
    const { child, done } = start(['slow', ...common('shared'), '--executor', 'slurm', '--set', 'experiments.slow.train.steps=6001']);
    const jobId = await runningTrainJob();
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.out).toBe(130);
    expect(r.out).toContain('slurm: cancelling 1 job (scancel)');
    let state = '';
    for (let i = 0; i < 50 && !/CANCELLED/.test(state); i++) {
      await new Promise((res) => setTimeout(res, 100));
      state = execFileSync('scontrol', ['-o', 'show', 'job', jobId], { env, encoding: 'utf8' });
    }
    expect(state).toMatch(/JobState=CANCELLED/);
  }, 90_000);

  it('scontrol shutdown leaves no stray processes; with the controller gone, run says so and exits 3 at once', async () => {
    const down = spawnSync('bash', [script, 'down', path.join(dir, 'cluster')], { encoding: 'utf8', timeout: 60_000 });
    expect(down.status, `${down.stdout}\n${down.stderr}`).toBe(0);
    const left = spawnSync('pgrep', ['-a', '-f', `slurmstepd|${dir}`], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
    const r = await catapult(['slow', ...common('shared'), '--executor', 'slurm', '--set', 'experiments.slow.train.steps=32']);
    expect(r.code, r.out).toBe(3);
    expect(r.out).toMatch(/^cannot use --executor slurm: the Slurm controller did not answer scontrol: /m);
    expect(r.ms).toBeLessThan(45_000);
  }, 90_000);
});
