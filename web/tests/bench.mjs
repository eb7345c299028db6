// Browser performance figures (printed, never asserted): bundle size, first render, frame times
// with 64 nodes and ~1000 messages in flight, work while paused, seek time in a 10-minute run,
// and the core's events/s in wasm next to the native figure. Run by `cargo xtask bench`.
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
for (const f of fs.readdirSync(SHIPPED)) {
  if (!/\.(wasm|js|css|html)$/.test(f)) continue;
  const b = fs.readFileSync(path.join(SHIPPED, f));
  raw += b.length;
  gz += zlib.gzipSync(b, { level: 9 }).length;
}
line('bundle (wasm+js+css+html)', `${(raw / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzipped (budget 250 KB)`);

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
await page.close();
await b.close();
server.close();
