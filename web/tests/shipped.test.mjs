// The shipped bundle (dist/, built without test hooks) in headless Chromium: the end-to-end tests
// drive the build with hooks, so this checks that what people download works on its own — it
// starts, plays, unpacks a share link and packs one, with the browser's own (de)compression.
// Run by `cargo xtask test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { session, open, serve, DIST } from './harness.mjs';

const s = session();

const link = (obj) => '#v1=' + zlib.deflateRawSync(Buffer.from(JSON.stringify(obj))).toString('base64url');

test('the shipped app starts, plays and carries no test hooks', async () => {
  const page = await open(s.b, `${s.srv.base}/`);
  assert.equal(await page.evaluate(() => typeof window.wasmBindings?.qs_load), 'undefined', 'no test hooks in the shipped build');
  assert.ok((await page.locator('[data-node]').count()) >= 3);
  // The first lesson asks its first question at 0 ms: answer it, and Continue plays on.
  await page.locator('[data-question] [data-choice]').first().click();
  await page.click('[data-action=continue]');
  await page.waitForFunction(() => Number(document.querySelector('#sim-time').textContent) > 0);
  await page.click('.transport .play');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the shipped app opens a link and makes one that reproduces the experiment', async () => {
  const experiment = {
    scenario: { title: 'Shipped link', nodes: ['A', 'B', 'C'], replication: { n: 3, w: 1, r: 1 },
      events: [{ at_ms: 1, client: 'c', put: 'k', value: 'v1' }, { at_ms: 2, crash: 'B' }, { at_ms: 40, client: 'd', get: 'k' }] },
    t_ms: 42.5,
  };
  const page = await open(s.b, `${s.srv.base}/${link(experiment)}`);
  assert.match(await page.$eval('.caption', (e) => e.textContent), /Shipped link/);
  assert.equal(await page.$eval('#sim-time', (e) => Number(e.textContent)), 42.5);
  assert.equal(await page.$eval('[data-node="B"]', (e) => e.dataset.up), 'false');
  await page.click('[data-action=copy-link]');
  const url = await (await page.waitForSelector('.share-text')).evaluate((t) => t.value);
  assert.match(url, /#v1=[A-Za-z0-9_-]+&t=42\.5$/);
  // The browser's deflate is plain raw deflate: Node unpacks it to the same experiment.
  const payload = JSON.parse(zlib.inflateRawSync(Buffer.from(url.split('#v1=')[1].split('&')[0], 'base64url')).toString());
  assert.equal(payload.scenario.title, 'Shipped link');
  assert.equal(payload.scenario.events.length, 3);
  const again = await open(s.b, url);
  assert.equal(await again.$eval('[data-node="B"]', (e) => e.dataset.up), 'false');
  assert.deepEqual([...page.errors, ...again.errors], []);
  await again.close();
  await page.close();
});

test('every integrity hash in index.html is true, and every file has .gz and .br siblings of the same bytes', () => {
  const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const hashes = [...html.matchAll(/href="?\.\/([^" >]+)"?[^>]*?integrity="?(sha384-[A-Za-z0-9+/=]+)/g)];
  assert.ok(hashes.length >= 3, `the stylesheet, the glue and the wasm carry hashes (found ${hashes.length})`);
  for (const [, file, sri] of hashes) {
    const digest = 'sha384-' + crypto.createHash('sha384').update(fs.readFileSync(path.join(DIST, file))).digest('base64');
    assert.equal(sri, digest, `integrity of ${file}`);
  }
  const glue = fs.readdirSync(DIST).find((f) => f.startsWith('quorumscope-web-') && f.endsWith('.js'));
  assert.ok(!fs.readFileSync(path.join(DIST, glue), 'utf8').includes('\n    '), 'the glue is minified');
  const all = fs.readdirSync(DIST, { recursive: true }).filter((f) => fs.statSync(path.join(DIST, f)).isFile());
  for (const f of all.filter((f) => !/\.(gz|br)$/.test(f))) {
    const body = fs.readFileSync(path.join(DIST, f));
    assert.deepEqual(zlib.gunzipSync(fs.readFileSync(path.join(DIST, f + '.gz'))), body, `${f}.gz`);
    assert.deepEqual(zlib.brotliDecompressSync(fs.readFileSync(path.join(DIST, f + '.br'))), body, `${f}.br`);
  }
});

test('served precompressed (brotli), the shipped app starts with no integrity or decoding error', async () => {
  const srv = await serve('/', { precompressed: true });
  const page = await open(s.b, `${srv.base}/`);
  const encodings = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => [r.name.split('/').pop(), r.encodedBodySize < r.decodedBodySize]));
  assert.ok(encodings.some(([name, smaller]) => name.endsWith('.wasm') && smaller), `the wasm arrived compressed: ${JSON.stringify(encodings)}`);
  assert.ok((await page.locator('[data-node]').count()) >= 3);
  assert.deepEqual(page.errors, []);
  await page.close();
  srv.server.close();
});

// What a page shows of its hooks: every element's data-* attributes (values included), the time,
// the caption and the ring's accessible names, in document order.
const hooks = (root) => root.evaluate((r) => [...r.querySelectorAll('*')]
  .filter((e) => e.tagName !== 'CANVAS' && ![...e.attributes].some((a) => a.name === 'data-message'))
  .map((e) => [...e.attributes].filter((a) => a.name.startsWith('data-') || a.name === 'aria-label').map((a) => `${a.name}=${a.value}`).join(' '))
  .filter((x) => x));

test('before the wasm: the app\'s first view of the default lesson, rendered at build time; the live app replaces it with the same DOM', async () => {
  const lesson = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../lessons/leaderless-basics.json'), 'utf8'));
  for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    const ctx = await s.b.newContext({ javaScriptEnabled: false, viewport });
    const still = await ctx.newPage();
    await still.goto(`${s.srv.base}/`);
    const shown = still.locator(viewport.width > 760 ? '#boot .boot-wide' : '#boot .boot-narrow');
    assert.match(await shown.locator('h1').innerText(), /Quorumscope/);
    assert.ok((await shown.innerText()).includes(lesson.title), 'the lesson\'s words');
    const ring = await shown.locator('svg.ring').boundingBox();
    assert.ok(ring && ring.width > 200, `the ring: ${JSON.stringify(ring)}`);
    assert.equal(await shown.locator('[data-node]').count(), 4);
    assert.ok(await shown.locator('.transport').isVisible(), 'the transport');
    assert.ok(await shown.locator('.transport .play').isDisabled(), 'inert until the app is live');
    assert.equal(await still.locator('#boot-loading').isVisible(), false, 'without scripts nothing is loading');
    assert.match(await still.locator('#boot noscript').innerText(), /needs JavaScript/);
    const ids = await still.$$eval('[id]', (es) => es.map((e) => e.id));
    assert.equal(new Set(ids).size, ids.length, 'no id twice in the page');
    await ctx.close();
  }
  // With scripts, the wasm held back: the same view and a loading note; then the live app with
  // the same hooks.
  const page = await s.b.newPage({ viewport: { width: 1440, height: 900 } });
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/*.wasm', async (route) => { await held; await route.continue(); });
  await page.goto(`${s.srv.base}/`);
  await page.waitForSelector('#boot .boot-wide svg.ring');
  assert.match(await page.locator('#boot-loading').innerText(), /Loading the interactive part/);
  assert.ok(await page.locator('#boot-loading').isVisible());
  const before = await hooks(page.locator('#boot .boot-wide'));
  const timeBefore = await page.locator('#boot .boot-wide #sim-time').innerText();
  release();
  await page.waitForSelector('[data-node]:not(#boot *)');
  assert.equal(await page.locator('#boot').count(), 0);
  const after = await hooks(page.locator('body'));
  assert.deepEqual(before, after, 'the prerendered DOM\'s hooks are the live app\'s');
  assert.equal(await page.locator('#sim-time').innerText(), timeBefore);
  await page.close();
  // Another lesson's link never shows the default lesson while loading: a neutral shell.
  const other = await s.b.newPage();
  await other.route('**/*.wasm', async (route) => { await new Promise((r) => setTimeout(r, 800)); await route.continue(); });
  await other.goto(`${s.srv.base}/#lesson=stale-read`);
  assert.equal(await other.locator('#boot .boot-view').isVisible(), false, 'no wrong lesson while loading');
  assert.ok(await other.locator('#boot .boot-shell h1').isVisible());
  assert.match(await other.locator('#boot-loading').innerText(), /Loading/);
  await other.waitForSelector('[data-node]:not(#boot *)');
  assert.equal(await other.locator('#boot').count(), 0);
  await other.close();
});

test('the shipped staleness lab fetches its worker only when run, and draws its curves', async () => {
  const page = await s.b.newPage();
  const fetched = [];
  page.on('request', (r) => fetched.push(r.url()));
  await page.goto(`${s.srv.base}/`);
  await page.waitForSelector('[data-node]');
  assert.deepEqual(fetched.filter((u) => u.includes('quorumscope-pbs')), [], 'the first view fetches nothing of the worker');
  await page.fill('[name=lab-trials]', '2000');
  await page.dispatchEvent('[name=lab-trials]', 'change');
  await page.click('[data-action=lab-run]');
  await page.waitForFunction(() => document.querySelector('[data-lab-status]')?.textContent === 'Done.', null, { timeout: 60000 });
  assert.equal(await page.locator('.lab-chart .curve').count(), 3, 'a curve per default (R, W) choice');
  assert.ok(fetched.some((u) => u.endsWith('/quorumscope-pbs_bg.wasm')));
  await page.close();
});
