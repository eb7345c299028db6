// Links are untrusted: a course page may hand a student a link made by anyone. Generated families
// of hostile links (markup in every text field, truncations, bit flips, decompression and nesting
// bombs, huge or negative times and speeds, unknown options, valid but extreme scenarios) are
// opened one after another in one page. Each must leave the page alive, showing either an
// experiment or a message that says what is wrong; no script from a link ever runs; the JS heap
// and the wasm memory stay bounded. Seeded, so a failure names a case that reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { session, open } from './harness.mjs';

const ROOT = process.env.QS_ROOT || path.resolve(import.meta.dirname, '../..');
const s = session();

// mulberry32: a small seeded generator, so every case is the same on every run.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pack = (text) => '#v1=' + zlib.deflateRawSync(Buffer.from(text)).toString('base64url');
const forge = (obj) => pack(JSON.stringify(obj));
const lessons = fs.readdirSync(path.join(ROOT, 'lessons')).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(ROOT, 'lessons', f), 'utf8')));

// Every string in a JSON value, as [path, setter] pairs.
function strings(v, at = [], out = []) {
  if (typeof v === 'string') out.push(at);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, [...at, i], out));
  else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => strings(x, [...at, k], out));
  return out;
}
// Every number in a JSON value, as paths.
function numericFields(v, at = [], out = []) {
  if (typeof v === 'number') out.push(at);
  else if (Array.isArray(v)) v.forEach((x, i) => numericFields(x, [...at, i], out));
  else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => numericFields(x, [...at, k], out));
  return out;
}
function setAt(v, at, f) {
  const copy = structuredClone(v);
  let o = copy;
  for (const k of at.slice(0, -1)) o = o[k];
  o[at[at.length - 1]] = f(o[at[at.length - 1]]);
  return copy;
}

const MARKUP = [
  (n) => `<img src=x onerror="window.pwned='${n}'">`,
  (n) => `<script>window.pwned='${n}'</script>`,
  (n) => `<svg onload="window.pwned='${n}'"></svg>`,
  (n) => `"><iframe srcdoc="<script>parent.pwned='${n}'</script>">`,
  (n) => `javascript:window.pwned='${n}'`,
];

function cases() {
  const r = rng(16);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const out = [];
  // Markup in every text field of every lesson (one field a case, all of them sampled).
  const fields = lessons.flatMap((l, li) => strings(l).map((at) => [li, at]));
  for (let i = 0; i < 800; i++) {
    const [li, at] = fields[Math.floor(r() * fields.length)];
    const bad = pick(MARKUP)(`markup ${i}`);
    out.push(['markup', forge({ scenario: setAt(lessons[li], at, (old) => (r() < 0.5 ? bad : old + bad)) })]);
  }
  // Valid links cut short, and with characters changed.
  const links = lessons.map((l) => forge({ scenario: l, t_ms: 10 }));
  for (let i = 0; i < 500; i++) {
    const l = pick(links);
    out.push(['truncated', l.slice(0, 4 + Math.floor(r() * (l.length - 5)))]);
  }
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < 500; i++) {
    const l = [...pick(links)];
    for (let f = 1 + Math.floor(r() * 3); f > 0; f--) l[4 + Math.floor(r() * (l.length - 4))] = pick([...B64]);
    out.push(['bit flip', l.join('')]);
  }
  // Numbers out of range or of the wrong type in every numeric field of every lesson (node
  // counts, quorums, latencies, times, seeds, depths), one field a case.
  const numbers = lessons.flatMap((l, li) => numericFields(l).map((at) => [li, at]));
  const ODD = [-1, 0, 0.5, 1e308, -1e308, 2 ** 53 + 1, 4294967296, '7', null, true, [], {}];
  for (let i = 0; i < 200; i++) {
    const [li, at] = numbers[Math.floor(r() * numbers.length)];
    const field = at.filter((k) => typeof k === 'string').pop();
    out.push(['number', forge({ scenario: setAt(lessons[li], at, () => pick(ODD)) }), field]);
  }
  // Bombs: text that inflates past 1 MiB, and JSON nested deeper than any parser should follow.
  for (const mib of [1.01, 2, 8, 32, 48]) out.push(['bomb', pack(' '.repeat(Math.floor(mib * 1048576)))]);
  out.push(['bomb', pack('{"scenario":' + '['.repeat(200000) + ']'.repeat(200000) + '}')]);
  out.push(['bomb', pack('{"scenario":{"nodes":["A"],"title":"' + 'x'.repeat(900000) + '"}}')]);
  // Times, speeds and options out of range, and options nobody defined.
  const base = lessons[0];
  for (const t of [-1, -1e308, 1e308, 'NaN', 'Infinity', '1e999', '0x10', '', '1'.repeat(400)]) {
    out.push(['time', `#lesson=stale-read&t=${t}`]);
    out.push(['time', forge({ scenario: base, t_ms: t })]);
    out.push(['speed', forge({ scenario: base, speed: t })]);
  }
  for (const opt of ['scale=999', 'scale=-1', 'theme=<b>x</b>', 'panels=<script>', 'panels=' + 'history,'.repeat(500), 'embed=<svg>', 'origin=' + 'x'.repeat(5000), 'foo=bar', 'v9=abc', 'v1=', 'lesson=' + encodeURIComponent('<img src=x onerror=window.pwned=1>')]) {
    out.push(['option', `#lesson=read-repair&${opt}`]);
  }
  out.push(['option', forge({ scenario: base, evil: '<script>window.pwned=1</script>' })]);
  for (const at of [-5, 1e12, 'soon', null]) out.push(['time', forge({ scenario: { ...base, events: [{ at_ms: at, client: 'c', put: 'k', value: 'v' }] } })]);
  // Valid but extreme: within every link cap, and heavy.
  const nodes = (n) => Array.from({ length: n }, (_, i) => `n${i}`);
  const ops = (n, f) => Array.from({ length: n }, (_, i) => f(i));
  const extreme = (title, sc) => out.push(['extreme', forge({ scenario: { title: `extreme: ${title}`, ...sc } })]);
  extreme('sibling puts of one key at one instant', { nodes: nodes(5), replication: { n: 3, w: 1, r: 1, conflicts: 'siblings' }, events: ops(2000, (i) => ({ at_ms: 1, client: `c${i % 64}`, put: 'k', value: `v${i}` })) });
  extreme('256 nodes', { nodes: nodes(256), replication: { n: 5, w: 3, r: 3 }, events: ops(1500, (i) => (i % 2 ? { at_ms: i, client: `c${i % 64}`, get: `k${i % 300}` } : { at_ms: i, client: `c${i % 64}`, put: `k${i % 300}`, value: `v${i}` })) });
  extreme('zero latency, 1 ms timeouts', { nodes: nodes(16), network: { latency_ms: 0 }, replication: { n: 3, w: 2, r: 2, timeout_ms: 1 }, events: ops(2000, (i) => ({ at_ms: i / 10, client: `c${i % 8}`, put: `k${i % 20}`, value: `v${i}` })) });
  extreme('long values', { nodes: nodes(8), events: ops(1000, (i) => ({ at_ms: i, client: 'c', put: `k${i}`, value: 'é'.repeat(128) })) });
  extreme('anti-entropy every 500 ms on 64 nodes for an hour (the step cap)', { nodes: nodes(64), replication: { n: 3, w: 2, r: 2, anti_entropy_ms: 500 }, events: ops(200, (i) => ({ at_ms: i, client: 'c', put: `k${i}`, value: 'v' })), run_until_ms: 3600000 });
  extreme('anti-entropy every 1 ms on 64 nodes', { nodes: nodes(64), replication: { n: 3, w: 2, r: 2, anti_entropy_ms: 1 }, events: ops(200, (i) => ({ at_ms: i, client: 'c', put: `k${i}`, value: 'v' })), run_until_ms: 3600000 });
  return out;
}

test('thousands of hostile links: the page stays alive, says what is wrong, runs no script, and its memory stays bounded', async () => {
  const page = await open(s.b, `${s.srv.base}/`);
  const all = cases();
  const tally = {};
  const samples = [];
  const stats = async () => JSON.parse(await page.evaluate(() => window.wasmBindings.qs_stats()));
  // After a collection, so a sample is what is kept, not what is waiting to be freed.
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => { await cdp.send('HeapProfiler.collectGarbage'); return page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0); };
  for (let i = 0; i < all.length; i++) {
    const [family, frag, field] = all[i];
    const renders = (await stats()).renders;
    await page.evaluate((f) => { location.hash = f; }, frag);
    // Opened: the app rendered since (a link that changes nothing on screen still renders once).
    await page.waitForFunction((n) => JSON.parse(window.wasmBindings.qs_stats()).renders > n, renders, { timeout: 60000 })
      .catch(() => { throw new Error(`case ${i} (${family}) never rendered: ${frag.slice(0, 120)}`); });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const seen = await page.evaluate(() => ({
      pwned: window.pwned,
      injected: document.querySelectorAll('img[src="x"], iframe, [onerror], [onload], body script').length,
      alert: document.querySelector('[role=alert]')?.textContent?.trim() ?? '',
      experiment: !!document.querySelector('[data-node]:not(#boot *), .history-table, main.imported'),
      caption: document.querySelector('.caption')?.textContent ?? '',
    }));
    const what = `case ${i} (${family}): ${frag.slice(0, 100)}`;
    assert.equal(seen.pwned, undefined, `a script from a link ran: ${what}`);
    assert.equal(seen.injected, 0, `markup from a link became elements: ${what}`);
    assert.ok(seen.experiment, `no experiment on screen: ${what}`);
    assert.ok(seen.caption.length > 0, `no caption: ${what}`);
    const outcome = seen.alert ? 'message' : 'experiment';
    if (family === 'extreme') console.log(`${what.slice(0, 40)} → ${seen.alert || 'ran'}`);
    tally[`${family}: ${outcome}`] = (tally[`${family}: ${outcome}`] || 0) + 1;
    if (field && seen.alert) {
      const key = seen.alert.includes(field) ? 'named' : 'unnamed';
      tally[`number message: field ${key}`] = (tally[`number message: field ${key}`] || 0) + 1;
      if (key === 'unnamed') console.log(`${what.slice(0, 30)} changed ${field}: ${seen.alert.slice(0, 200)}`);
    }
    if (['truncated', 'bomb'].includes(family) && !seen.alert) {
      // A cut that still inflates to a valid scenario is possible only if the cut kept it whole.
      assert.ok(!frag.startsWith('#v1=') || family !== 'bomb', `a bomb opened: ${what}`);
    }
    if (i % 100 === 0 || i === all.length - 1) samples.push({ i, heap_mb: (await heap()) / 1048576, wasm_mb: (await stats()).wasm_bytes / 1048576 });
  }
  assert.deepEqual(page.errors, [], 'no error escaped to the console');
  console.log(`${all.length} links:`, JSON.stringify(tally));
  console.log('memory samples:', samples.map((x) => `#${x.i} heap ${x.heap_mb.toFixed(1)} MB, wasm ${x.wasm_mb.toFixed(0)} MiB`).join('; '));
  assert.ok(all.length >= 2000, `only ${all.length} links`);
  // A number refused names the field that was changed (the one the user must fix).
  assert.equal(tally['number message: field unnamed'] ?? 0, 0, 'a refused number named another field');
  assert.ok((tally['number message: field named'] ?? 0) >= 100, 'most odd numbers are refused');
  // Bounded at every sample, not only the last: a leak that a late collection hid, or a peak
  // past the tab's bound, fails too.
  const first = samples[0];
  const top = samples.reduce((a, x) => (x.heap_mb > a.heap_mb ? x : a));
  const topWasm = samples.reduce((a, x) => (x.wasm_mb > a.wasm_mb ? x : a));
  console.log(`JS heap ${first.heap_mb.toFixed(1)} MB at first, at most ${top.heap_mb.toFixed(1)} MB (#${top.i}); wasm at most ${topWasm.wasm_mb.toFixed(0)} MiB (#${topWasm.i})`);
  assert.ok(top.heap_mb < first.heap_mb + 32, `the JS heap grew from ${first.heap_mb} to ${top.heap_mb} MB (case ${top.i})`);
  assert.ok(topWasm.wasm_mb <= 256, `the wasm memory reached ${topWasm.wasm_mb} MiB at case ${topWasm.i} (the tab's bound is 256 MiB)`);
  // Still the same app: a lesson opens and plays.
  await page.evaluate(() => { location.hash = '#lesson=stale-read'; });
  const { title } = JSON.parse(fs.readFileSync(path.join(ROOT, 'lessons', 'stale-read.json'), 'utf8'));
  await page.waitForFunction((t) => (document.querySelector('.caption')?.textContent ?? '').includes(t), title);
  await page.close();
});
