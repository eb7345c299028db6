// The soak (issue 16): a heavy valid scenario (32 nodes, 5,000 operations) played at 5x for
// MINUTES minutes, looping at its end, scrubbed to a random moment every 2 s; the JS heap (after
// a collection) and the wasm memory sampled every minute and printed. Nothing is asserted: the
// figures go in the README. Run by `cargo xtask soak [MINUTES]` (15 by default).
import { serve, browser, open } from './harness.mjs';

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
const sample = async (minute) => {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await page.evaluate(() => performance.memory.usedJSHeapSize);
  const { wasm_bytes, renders, frames } = JSON.parse(await page.evaluate(() => window.wasmBindings.qs_stats()));
  console.log(`minute ${String(minute).padStart(2)}: JS heap ${(heap / 1048576).toFixed(2)} MB, wasm ${(wasm_bytes / 1048576).toFixed(0)} MiB, ${renders} renders, ${frames} frames`);
};
await sample(0);
const t0 = Date.now();
let seeks = 0, loops = 0, minute = 0;
while (Date.now() - t0 < minutes * 60000) {
  if (!(await playing())) { loops++; await page.click('.transport .play'); }
  await page.waitForTimeout(2000);
  const end = await page.$eval('input[name=time]', (r) => Number(r.max));
  await page.evaluate((v) => { const r = document.querySelector('input[name=time]'); r.value = String(v); r.dispatchEvent(new Event('input', { bubbles: true })); }, Math.floor(Math.random() * end));
  seeks++;
  if (Math.floor((Date.now() - t0) / 60000) > minute) await sample(++minute);
}
console.log(`${minutes} min: ${seeks} seeks, ${loops} restarts at the end, errors: ${JSON.stringify(page.errors)}`);
await b.close();
server.close();
