// Browser performance figures (printed, never asserted): bundle size, first render, frame times
// with 64 nodes and ~1000 messages in flight, work while paused, seek time in a 10-minute run,
// the core's events/s in wasm next to the native figure, and the staleness lab's trials/s in its
// worker next to the CLI's. Run by `cargo xtask bench`.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { serve, browser, open, DIST } from './harness.mjs';
import { measureLoad } from './bench-load.mjs';

const ROOT = process.env.QS_ROOT || path.resolve(import.meta.dirname, '../..');
const line = (k, v) => console.log(`${k.padEnd(44)} ${v}`);

// 1. Bundle size of the shipped build (no test hooks); the measurements below use the hooks build.
const SHIPPED = process.env.QS_SHIPPED_DIST || DIST;
let raw = 0, gz = 0;
// The staleness lab's worker (quorumscope-pbs*) is fetched only when the lab runs: counted apart.
let worker = 0;
for (const f of fs.readdirSync(SHIPPED)) {
  if (!/\.(wasm|js|css|html)$/.test(f)) continue;
  if (f.startsWith('quorumscope-pbs')) { worker += zlib.gzipSync(fs.readFileSync(path.join(SHIPPED, f)), { level: 9 }).length; continue; }
  const b = fs.readFileSync(path.join(SHIPPED, f));
  raw += b.length;
  gz += zlib.gzipSync(b, { level: 9 }).length;
}
line('bundle (wasm+js+css+html)', `${(raw / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzipped (budget 250 KB)`);
line('staleness lab worker (fetched on first run)', `${(worker / 1024).toFixed(1)} KB gzipped`);

// 1b. Issue 15's table: bytes of the first view, paint unthrottled and slow, work while playing.
await measureLoad(SHIPPED, line);

const { server, base } = await serve('/', { isolated: true });
const b = await browser();

// 2. First render: navigation start to the ring drawn, best of 5 cold loads.
let first = [];
for (let i = 0; i < 5; i++) {
  const ctx = await b.newContext();
  const page = await ctx.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('[data-node]:not(#boot *)');
  first.push(await page.evaluate(() => performance.now()));
  await ctx.close();
}
first.sort((a, c) => a - c);
line('first render (navigation → ring drawn)', `median ${first[2].toFixed(0)} ms, worst ${first[4].toFixed(0)} ms (budget 1000 ms)`);

// 3. Frames with 64 nodes and about 1000 messages in flight.
const names = Array.from({ length: 64 }, (_, i) => `n${i}`);
const events = [];
// One put every 0.25 ms, 3 replicas, latencies 25–60 ms each way: about 1,000 messages in flight.
for (let i = 0; i < 6000; i++) events.push({ at_ms: +(i * 0.25).toFixed(3), client: `c${i % 16}`, put: `k${i % 500}`, value: `v${i}` });
const heavy = { title: 'Frame benchmark', seed: 1, nodes: names, replication: { n: 3, w: 2, r: 2 }, network: { latency_ms: { uniform: [25, 60] } }, events, run_until_ms: 2500 };
const page = await open(b, `${base}/`);
await page.evaluate((t) => window.wasmBindings.qs_load(t), JSON.stringify(heavy));
await page.waitForSelector('[data-node="n63"]');
await page.evaluate(() => { const r = document.querySelector('input[name=time]'); r.value = '600'; r.dispatchEvent(new Event('input', { bubbles: true })); });
await page.selectOption('.transport select', '0.01');
const inFlight = await page.locator('[data-message]').count();
await page.evaluate(() => window.wasmBindings.qs_reset_stats());
await page.click('.transport .play');
const intervals = await page.evaluate(() => new Promise((resolve) => {
  const ts = [];
  const tick = (t) => { ts.push(t); if (ts.length < 241) requestAnimationFrame(tick); else resolve(ts.slice(1).map((x, i) => x - ts[i])); };
  requestAnimationFrame(tick);
}));
const drawn = await page.locator('[data-message]').count();
await page.click('.transport .play');
const stats = JSON.parse(await page.evaluate(() => window.wasmBindings.qs_stats()));
intervals.sort((a, c) => a - c);
const p = (q) => intervals[Math.round((intervals.length - 1) * q)];
line('frames: 64 nodes, messages drawn', `${inFlight} in flight at start, ${drawn} at end`);
const isolated = await page.evaluate(() => window.crossOriginIsolated);
line('frame interval (rAF, 240 frames)', `p50 ${p(0.5).toFixed(2)} ms, p95 ${p(0.95).toFixed(2)} ms, max ${p(1).toFixed(2)} ms (budget p95 ≤ 16.7 ms; timer resolution ${isolated ? '5 µs' : '100 µs'})`);
line('frames longer than one 60 Hz refresh (> 17 ms)', `${intervals.filter((x) => x > 17).length} of ${intervals.length}`);
line('work per frame (dispatch + render)', `p50 ${stats.frame_work_ms.p50.toFixed(1)} ms, p95 ${stats.frame_work_ms.p95.toFixed(1)} ms, max ${stats.frame_work_ms.max.toFixed(1)} ms`);

// 4. Paused: no timer, no render.
const s1 = JSON.parse(await page.evaluate(() => window.wasmBindings.qs_stats()));
await page.waitForTimeout(2000);
const s2 = JSON.parse(await page.evaluate(() => window.wasmBindings.qs_stats()));
line('while paused for 2 s', `${s2.frames - s1.frames} frames, ${s2.renders - s1.renders} renders (budget 0)`);

// 5. Seeking in a 10-minute simulated run.
const seek = JSON.parse(await page.evaluate(() => window.wasmBindings.qs_bench_seek(10, 200)));
line('seek in a 10-minute run (200 random seeks)', `p50 ${seek.p50_ms.toFixed(2)} ms, p95 ${seek.p95_ms.toFixed(2)} ms, max ${seek.max_ms.toFixed(2)} ms (budget 50 ms); run of ${seek.events} events built in ${seek.build_ms.toFixed(0)} ms`);

// 6. Core throughput: wasm in Chromium next to native, same workload.
const wasm = JSON.parse(await page.evaluate(() => window.wasmBindings.qs_bench_core(64, 100000)));
line('core in wasm (64 nodes, 100k ops)', `${wasm.events} events in ${wasm.ms.toFixed(0)} ms = ${(wasm.events_per_s / 1e6).toFixed(2)} M events/s`);
const cli = process.env.QS_CLI_BENCH || path.join(ROOT, 'target/bench-native/quorumscope');
if (fs.existsSync(cli)) {
  const out = execFileSync(cli, ['bench', '--repeat', '3']).toString();
  const m = out.match(/summary[^\n]*= ([\d.]+) M events\/s/);
  line('core native, same workload', m ? `${m[1]} M events/s` : out.trim());
}

// 7. The staleness lab: trials in the browser's worker (its own wasm) next to the CLI natively,
// the same experiments as `quorumscope pbs --bench` (N=3, R=W=1, 100,000 WARS trials per model).
const pbsNative = {};
if (fs.existsSync(cli)) {
  const out = execFileSync(cli, ['pbs', '--bench', '--trials', '100000']).toString();
  for (const m of out.matchAll(/pbs wars (\S+): \d+ trials in ([\d.]+) ms = (\d+) trials\/s/g)) pbsNative[m[1]] = { ms: +m[2], per_s: +m[3] };
}
for (const model of ['LNKD-SSD', 'LNKD-DISK', 'YMMR', 'WAN']) {
  const cfg = JSON.stringify({ model, n: 3, r: 1, w: 1, trials: 100000, seed: 1, t: [0, 5, 10], k: 0 });
  const r = await page.evaluate((cfg) => new Promise((resolve, reject) => {
    const t0 = performance.now();
    const w = new Worker('./quorumscope-pbs_loader.js');
    w.onerror = () => reject(new Error('the worker did not start'));
    w.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.ready) w.postMessage(cfg);
      if (m.outcome) { w.terminate(); resolve({ ms: m.outcome.ms, per_s: m.outcome.trials_per_s, wall_ms: performance.now() - t0 }); }
    };
  }), cfg);
  const n = pbsNative[model];
  const native = n ? `; natively ${n.ms.toFixed(1)} ms = ${(n.per_s / 1000).toFixed(0)}k trials/s (wasm ${(100 * r.per_s / n.per_s).toFixed(0)} % of native)` : '';
  line(`pbs worker ${model} (100,000 trials)`, `${r.ms.toFixed(0)} ms = ${(r.per_s / 1000).toFixed(0)}k trials/s in wasm (${r.wall_ms.toFixed(0)} ms with the worker's start)${native}`);
}
await page.close();
await b.close();
server.close();
