/**
 * `npm run bench`: wall time and peak memory of
 *   - our full `npm run synth` flow (constructs → Flux tree → SOPS → atomic write) on the default
 *     stack and on stacks with 10/100/500 app instances (extra Sonarr instances, each with its own
 *     StatefulSet, Services, Ingress, PVC, NetworkPolicy and encrypted Secret),
 *   - the stock `cdk8s synth` flow (cdk8s.yaml: ts-node app + cdk8s's own writer) on the same stacks,
 *   - SOPS encryption per Secret with 1 and 3 recipients,
 * in one run, and writes the table to docs/performance.md.
 * Each measurement runs in a fresh process (median of `RUNS`), like a person running the command.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = process.cwd();
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? '10,100,500').split(',').map(Number);

interface Sample {
  readonly seconds: number;
  readonly peakMb: number;
}

/** Runs a command under GNU time-like accounting: wall time and the child's max RSS. */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv): Sample {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  // Every node process of the command reports its max RSS; the peak is the largest.
  const rss = [...(r.stdout + r.stderr).matchAll(/PEAK_RSS_KB=(\d+)/g)].map((m) => Number(m[1]));
  return { seconds, peakMb: rss.length ? Math.max(...rss) / 1024 : NaN };
}

function median(samples: Sample[]): Sample {
  const by = <K extends keyof Sample>(k: K) => [...samples].sort((a, b) => a[k] - b[k])[Math.floor(samples.length / 2)]![k];
  return { seconds: by('seconds'), peakMb: by('peakMb') };
}

/** A config file with `n` app instances (the default stack has 7 app instances). */
function configWith(n: number, dir: string): string {
  const extra = Array.from({ length: Math.max(0, n - 7) }, (_, i) => `i${i + 1}`);
  const file = join(dir, `bench-${n}.json`);
  writeFileSync(file, JSON.stringify({ cluster: `bench${n}`, apps: { sonarr: { extraInstances: extra } } }));
  return file;
}

function operatorEnv(home: string): NodeJS.ProcessEnv {
  // Fake operator values for every operator-supplied key of the default stack.
  const keys = ['DECYPHARR_SECRETS__REALDEBRID_API_KEY', 'DECYPHARR_SECRETS__USENET_HOST', 'DECYPHARR_SECRETS__USENET_USER', 'DECYPHARR_SECRETS__USENET_PASS', 'PLEX_SECRETS__CLAIM', 'PLEX_SECRETS__TOKEN'];
  return { PATH: process.env.PATH, HOME: home, ...Object.fromEntries(keys.map((k) => [`MEDIA_STACK_SECRET__${k}`, `bench-${k.toLowerCase()}`])) };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'media-stack-bench-'));
  const rssHook = join(work, 'rss.cjs');
  writeFileSync(rssHook, "process.on('exit', () => process.stderr.write(`PEAK_RSS_KB=${process.resourceUsage().maxRSS}\\n`));\n");
  const env = { ...operatorEnv(work), NODE_OPTIONS: `--require ${rssHook}` };
  const cdk8s = join(ROOT, 'node_modules/.bin/cdk8s');
  const rows: string[] = [];
  const results: Record<string, { ours: Sample; stock: Sample }> = {};

  const cases: [string, string | undefined][] = [['full stack (default config)', undefined], ...SIZES.map((n): [string, string] => [`${n} app instances`, configWith(n, work)])];
  for (const [label, config] of cases) {
    const ours: Sample[] = [];
    const stock: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      const out = join(work, `out-${i}`);
      rmSync(out, { recursive: true, force: true });
      ours.push(measure(process.execPath, ['scripts/synth.mjs', ...(config ? ['--config', config] : []), '--out', out, '--previous', join(work, 'none')], env));
      const stockOut = join(work, `stock-${i}`);
      stock.push(measure(cdk8s, ['synth', '--output', stockOut], { ...env, CDK8S_OUTDIR: stockOut, ...(config ? { MEDIA_STACK_CONFIG: config } : {}) }));
    }
    results[label] = { ours: median(ours), stock: median(stock) };
    const r = results[label]!;
    rows.push(`| ${label} | ${r.ours.seconds.toFixed(2)} s | ${r.ours.peakMb.toFixed(0)} MB | ${r.stock.seconds.toFixed(2)} s | ${r.stock.peakMb.toFixed(0)} MB | ${(r.stock.seconds / r.ours.seconds).toFixed(1)}× |`);
    process.stdout.write(`${rows.at(-1)}\n`);
  }

  const { benchSops } = (await import('./sops.js')) as { benchSops: () => Promise<{ recipients: number; msPerSecret: number }[]> };
  const sops = await benchSops();

  const full = results['full stack (default config)']!;
  const big = results[`500 app instances`];
  const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
  const targets = [
    `| full stack ≤ 1.0 s | ${full.ours.seconds.toFixed(2)} s | ${verdict(full.ours.seconds <= 1)} |`,
    `| ≥ 4× faster than the stock flow | ${(full.stock.seconds / full.ours.seconds).toFixed(1)}× | ${verdict(full.stock.seconds / full.ours.seconds >= 4)} |`,
    ...(big ? [`| 500 instances ≤ 6 s | ${big.ours.seconds.toFixed(2)} s | ${verdict(big.ours.seconds <= 6)} |`] : []),
    `| peak RSS ≤ 200 MB | ${Math.max(...Object.values(results).map((r) => r.ours.peakMb)).toFixed(0)} MB | ${verdict(Math.max(...Object.values(results).map((r) => r.ours.peakMb)) <= 200)} |`,
    ...sops.map((s) => `| SOPS encryption per Secret, ${s.recipients} recipient(s)${s.recipients === 3 ? ' ≤ 5 ms' : ''} | ${s.msPerSecret.toFixed(2)} ms | ${s.recipients === 3 ? verdict(s.msPerSecret <= 5) : '—'} |`),
  ];
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  const doc = `# Performance

Measured by \`npm run bench\` (bench/run.ts) on ${machine}; median of ${RUNS} runs, each in a
fresh process, as a person runs the command. "Ours" is \`npm run synth\` (the cached bundle of src/cli/synth.ts: constructs → Flux
tree → SOPS encryption of every Secret → atomic write). "Stock" is \`cdk8s synth\` with
cdk8s.yaml's ts-node app on the same chart, which writes plain manifests only (no Flux tree, no
kustomization.yaml, no Secrets). Peak memory is the synthesizing process's max RSS.

| stack | ours: wall | ours: peak RSS | stock cdk8s: wall | stock: peak RSS | speed-up |
|---|---|---|---|---|---|
${rows.join('\n')}

## Targets

| target | measured | status |
|---|---|---|
${targets.join('\n')}

The whole test suite's time is printed by \`npm test\` (target ≤ 60 s).

## Where the time goes, and what is next

\`npm run synth\` runs a single-file bundle of src/cli/synth.ts cached in
\`node_modules/.cache/media-stack-bundle\` (rebuilt in ~0.1 s by esbuild whenever a source file
changes): loading ~150 TypeScript modules through the tsx loader cost about half a second of every
synth. What remains in a default synth (CPU profile, \`node --cpu-prof scripts/synth.mjs\`):
loading cdk8s (CommonJS), loading the cached schema validators
(~0.15 s; compiling them the first time costs 0.5–1 s), YAML serialisation (the \`yaml\` package
costs about 0.6 ms per object), the docs and the write. At 500 instances the costs are
constructing and serialising ~3,500 objects, encrypting 500 Secrets (~1 ms each) and writing
~3,600 files; a small YAML emitter for plain manifests is the next step there.
`;
  writeFileSync(join(ROOT, 'docs/performance.md'), doc);
  process.stdout.write(`\n${doc}`);
  rmSync(work, { recursive: true, force: true });
}

await main();
