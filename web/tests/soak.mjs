// The soak (issue 16): a heavy valid scenario (32 nodes, 5,000 operations) played at 5x for
// MINUTES minutes, looping at its end, scrubbed to a random moment every 2 s; the JS heap (after
// a collection) and the wasm memory sampled every minute and printed; the figures go in the README.
// It fails (exit 1) if the page raised an error, if the JS heap ever passed 32 MB, or if the wasm
// memory grew after the first minute by more than 16 MiB: a leak shows as steady growth, and the
// run loops the same experiment, so after its first pass nothing should need more. The seeks come
// from a seeded generator, so two runs scrub to the same moments. Run by `cargo xtask soak
// [MINUTES]` (15 by default).
import { serve, browser, open } from './harness.mjs';

const HEAP_LIMIT_BYTES = 32 * 1048576;
const WASM_GROWTH_LIMIT_BYTES = 16 * 1048576;

const minutes = Number(process.argv[2] || process.env.QS_SOAK_MINUTES || 15);
const nodes = Array.from({ length: 32 }, (_, i) => `n${i}`);
const events = Array.from({ length: 5000 }, (_, i) => (i % 3 === 2
  ? { at_ms: i * 2, client: `c${i % 16}`, get: `k${i % 400}` }
  : { at_ms: i * 2, client: `c${i % 16}`, put: `k${i % 400}`, value: `v${i}` }));
events.push({ at_ms: 3000, crash: 'n3' }, { at_ms: 6000, recover: 'n3' });
const heavy = { title: 'Soak', seed: 7, nodes, replication: { n: 3, w: 2, r: 2, read_repair: true, anti_entropy_ms: 500 },
  network: { latency_ms: { uniform: [2, 30] } }, events };

const { server, base } = await serve('/');
const b = await browser();
const page = await open(b, `${base}/`);
const cdp = await page.context().newCDPSession(page);
await page.evaluate((t) => window.wasmBindings.qs_load(t), JSON.stringify(heavy));
await page.waitForSelector('[data-node="n31"]');
await page.selectOption('.transport select', '5');
const playing = () => page.$eval('.transport .play', (e) => e.getAttribute('aria-pressed') === 'true');
const samples = [];
const sample = async (minute) => {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await page.evaluate(() => performance.memory.usedJSHeapSize);
  const { wasm_bytes, renders, frames } = JSON.parse(await page.evaluate(() => window.wasmBindings.qs_stats()));
  samples.push({ minute, heap, wasm_bytes });
  console.log(`minute ${String(minute).padStart(2)}: JS heap ${(heap / 1048576).toFixed(2)} MB, wasm ${(wasm_bytes / 1048576).toFixed(0)} MiB, ${renders} renders, ${frames} frames`);
};
// xorshift32: the seeks are the same moments in every run.
let rng = 0x9e3779b9;
const random = () => { rng ^= rng << 13; rng >>>= 0; rng ^= rng >>> 17; rng ^= rng << 5; rng >>>= 0; return rng / 4294967296; };
await sample(0);
const t0 = Date.now();
let seeks = 0, loops = 0, minute = 0;
while (Date.now() - t0 < minutes * 60000) {
  if (!(await playing())) { loops++; await page.click('.transport .play'); }
  await page.waitForTimeout(2000);
  const end = await page.$eval('input[name=time]', (r) => Number(r.max));
  await page.evaluate((v) => { const r = document.querySelector('input[name=time]'); r.value = String(v); r.dispatchEvent(new Event('input', { bubbles: true })); }, Math.floor(random() * end));
  seeks++;
  if (Math.floor((Date.now() - t0) / 60000) > minute) await sample(++minute);
}
console.log(`${minutes} min: ${seeks} seeks, ${loops} restarts at the end, errors: ${JSON.stringify(page.errors)}`);
await b.close();
server.close();

const mb = (bytes) => (bytes / 1048576).toFixed(2);
const heaps = samples.map((s) => s.heap);
const settled = samples.filter((s) => s.minute >= 1);
const wasmGrowth = settled.length ? Math.max(...settled.map((s) => s.wasm_bytes)) - settled[0].wasm_bytes : 0;
console.log(`${samples.length} samples: JS heap ${mb(Math.min(...heaps))}–${mb(Math.max(...heaps))} MB, wasm grew ${mb(wasmGrowth)} MiB after minute 1`);
const failures = [];
if (page.errors.length) failures.push(`the page raised ${page.errors.length} error(s)`);
if (Math.max(...heaps) > HEAP_LIMIT_BYTES) failures.push(`the JS heap reached ${mb(Math.max(...heaps))} MB (limit ${mb(HEAP_LIMIT_BYTES)})`);
if (wasmGrowth > WASM_GROWTH_LIMIT_BYTES) failures.push(`the wasm memory grew ${mb(wasmGrowth)} MiB after minute 1 (limit ${mb(WASM_GROWTH_LIMIT_BYTES)})`);
if (failures.length) { console.error(`soak failed: ${failures.join('; ')}`); process.exit(1); }
