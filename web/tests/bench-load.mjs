// Issue 15's table for Quorumscope, measured the way the issue measured it: bytes of the first
// view (gzip -9 and brotli -q 11 of HTML + JS + CSS + wasm), first contentful paint and the time
// until the ring is drawn (and until it is live), unthrottled and under a slow profile (Fast 3G:
// 562.5 kbps, 150 ms, served gzip; 4x slower CPU) through Chromium's emulation, and main-thread
// task time over 5 s of continuous play. Printed, never asserted (`cargo xtask bench`).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, browser } from './harness.mjs';

// The competitor's figures, quoted from issue 15 (same harness, same machine).
const PEER = { gzip_kb: 198, brotli_kb: 169, fcp_ms: 116, fcp_slow_ms: 900, play_task_ms: 143 };

/** The files a first visit downloads: index.html and what it links (not the course page, the
 *  embed script or lazily loaded parts). */
export function firstViewFiles(dist) {
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const linked = [...html.matchAll(/(?:href|src)="?\.?\/?([^"'#?\s>]+\.(?:js|css|wasm))/g), ...html.matchAll(/from '\.\/([^']+\.js)'/g)].map((m) => m[1]);
  // The glue imports its wasm and snippets; the wasm is named after the glue.
  const glue = linked.find((f) => /quorumscope-web-[0-9a-f]+\.js$/.test(f));
  const extra = glue ? [glue.replace(/\.js$/, '_bg.wasm')] : [];
  const snippets = [];
  const walk = (d) => fs.existsSync(d) && fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p); else if (/\.js$/.test(e.name)) snippets.push(path.relative(dist, p));
  });
  walk(path.join(dist, 'snippets'));
  return [...new Set(['index.html', ...linked, ...extra, ...snippets])];
}

export function bytes(dist) {
  let raw = 0, gz = 0, br = 0;
  for (const f of firstViewFiles(dist)) {
    const b = fs.readFileSync(path.join(dist, f));
    raw += b.length;
    gz += zlib.gzipSync(b, { level: 9 }).length;
    br += zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length;
  }
  return { raw_kb: raw / 1024, gzip_kb: gz / 1024, brotli_kb: br / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// One cold load in a fresh context: FCP, and the ring live (the boot screen gone).
async function load(b, url, slow) {
  const ctx = await b.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (slow) {
    const bps = (562.5 * 1000) / 8;
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: bps, uploadThroughput: bps });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  }
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => !document.getElementById('boot') && document.querySelector('[data-node]'), null, { timeout: 120000, polling: 20 });
  const t = await page.evaluate(() => ({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    live: performance.now(),
  }));
  await ctx.close();
  return t;
}

export async function measureLoad(shippedDist, line) {
  const size = bytes(shippedDist);
  line('first view, gzip -9 (HTML+JS+CSS+wasm)', `${size.gzip_kb.toFixed(1)} KB (peer ${PEER.gzip_kb} KB; budget 190 KB)`);
  line('first view, brotli -q 11', `${size.brotli_kb.toFixed(1)} KB (peer ${PEER.brotli_kb} KB)`);
  const { server, base } = await serve('/', { precompressed: true, encodings: ['gzip'] });
  const b = await browser();
  // When index.html carries the ring (prerendered), it is drawn in the first paint.
  const prerendered = /data-node=/.test(fs.readFileSync(path.join(shippedDist, 'index.html'), 'utf8'));
  const runs = { fast: [], slow: [] };
  for (let i = 0; i < 7; i++) runs.fast.push(await load(b, `${base}/`, false));
  for (let i = 0; i < 3; i++) runs.slow.push(await load(b, `${base}/`, true));
  const fmt = (rs, k) => `${median(rs.map((r) => r[k])).toFixed(0)} ms`;
  const ring = prerendered ? 'ring drawn in it, ' : '';
  line('first contentful paint, unthrottled (median of 7)', `${fmt(runs.fast, 'fcp')} (peer ${PEER.fcp_ms} ms); ${ring}live at ${fmt(runs.fast, 'live')}`);
  line('first contentful paint, Fast 3G + 4x CPU (median of 3)', `${fmt(runs.slow, 'fcp')} (peer ${PEER.fcp_slow_ms} ms); ${ring}live at ${fmt(runs.slow, 'live')}`);

  // Main-thread task time over 5 s of continuous play of the default lesson.
  const ctx = await b.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await page.goto(`${base}/`);
  await page.waitForFunction(() => !document.getElementById('boot') && document.querySelector('[data-node]'));
  const question = page.locator('[data-question] [data-choice]');
  if (await question.count()) { await question.first().click(); await page.click('[data-action=continue]'); }
  else await page.click('.transport .play');
  await cdp.send('Performance.enable');
  const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  const t0 = await task();
  await page.waitForTimeout(5000);
  const t1 = await task();
  const playing = await page.$eval('.transport .play', (e) => e.getAttribute('aria-pressed'));
  line('main-thread task time, 5 s of play', `${((t1 - t0) * 1000).toFixed(0)} ms (peer ${PEER.play_task_ms} ms; budget ≤ ${2 * PEER.play_task_ms} ms; still playing: ${playing})`);
  await ctx.close();
  await b.close();
  server.close();
}
