// Shared by the browser tests, the screenshot script and the benchmark: a static file server for
// dist/ (optionally under a path prefix, as on a course site) and headless Debian Chromium.
import { before, after } from 'node:test';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png' };

export const DIST = process.env.QS_DIST || path.resolve(import.meta.dirname, '../../dist');
export const WEB = path.resolve(import.meta.dirname, '..');

// Serves `dist` under `prefix` (e.g. '/course/qs/'), and web/ files (the course page) at '/web/'.
// `isolated`: cross-origin isolation headers, which give pages 5 µs timers instead of 100 µs ones
// (the benchmark's frame timestamps). `precompressed`: answer with the `.br` or `.gz` sibling
// when the browser accepts it, as a host with static compression does.
export function serve(prefix = '/', { isolated = false, precompressed = false, encodings = ['br', 'gzip'] } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = null;
    if (url.pathname.startsWith('/web/')) file = path.join(WEB, url.pathname.slice(5));
    else if (url.pathname.startsWith(prefix)) file = path.join(DIST, url.pathname.slice(prefix.length) || 'index.html');
    if (file && file.endsWith('/')) file += 'index.html';
    if (!file || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); res.end('not found'); return; }
    const headers = { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' };
    if (isolated) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    const accepts = String(req.headers['accept-encoding'] || '');
    const sibling = precompressed && [['br', '.br'], ['gzip', '.gz']].find(([enc, ext]) => encodings.includes(enc) && accepts.includes(enc) && fs.existsSync(file + ext));
    if (sibling) { headers['content-encoding'] = sibling[0]; file += sibling[1]; }
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${server.address().port}` })));
}

export async function browser() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-chrome-'));
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${dir}`],
  }).catch(async () => chromium.launchPersistentContext ? chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] }) : null);
}

// Opens the app and waits until the ring is drawn.
export async function open(b, url, opts = {}) {
  const page = await b.newPage({ viewport: opts.viewport || { width: 1400, height: 1000 }, reducedMotion: opts.reducedMotion || 'no-preference', colorScheme: opts.colorScheme || 'light' });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  await page.waitForSelector('[data-node]:not(#boot *)', { timeout: 15000 });
  page.errors = errors;
  return page;
}

/** One server and one browser for a test file: started before its first test, closed after its
 *  last. Read `s.srv` and `s.b` inside tests. */
export function session() {
  const s = {};
  before(async () => {
    s.srv = await serve();
    s.b = await browser();
  });
  after(async () => {
    await s.b?.close();
    s.srv?.server.close();
  });
  return s;
}

/** The simulated time the page shows, in ms. */
export const simTime = (page) => page.$eval('#sim-time', (e) => Number(e.textContent));

/** Moves the time scrubber to `ms`, as a student dragging it would (does not wait). */
export async function scrub(page, ms) {
  await page.evaluate((t) => {
    const r = document.querySelector('input[name=time]');
    r.value = String(t);
    r.dispatchEvent(new Event('input', { bubbles: true }));
  }, ms);
}

/** A lesson file with each step's `at_ms` set to when the run really shows it (a step tied to a
 *  happening with `when` follows the run): the times come from the CLI's trace. Steps never shown
 *  are left out. */
export function lessonAsShown(root, slug) {
  const file = path.join(root, 'lessons', `${slug}.json`);
  const cli = process.env.QS_CLI || path.join(root, 'target/debug/quorumscope');
  const text = JSON.parse(fs.readFileSync(file, 'utf8'));
  const trace = JSON.parse(execFileSync(cli, ['run', '--trace', file], { maxBuffer: 1 << 28 }).toString()).trace;
  const shown = trace.steps?.shown || [];
  text.steps = (text.steps || []).map((st, i) => ({ ...st, at_ms: shown[i]?.shown_ms, i })).filter((st) => st.at_ms != null);
  return text;
}

// The labelled boxes on the ring and the dock's box, in viewport pixels.
export function measure() {
  const box = (e) => { const r = e.getBoundingClientRect(); return { l: r.left, t: r.top, r: r.right, b: r.bottom }; };
  const items = [];
  for (const n of document.querySelectorAll('[data-node]')) {
    const body = n.querySelector('.node-body');
    if (body) items.push({ what: `node ${n.dataset.node}`, ...box(body) });
  }
  for (const c of document.querySelectorAll('.node-card')) {
    if (c.getBBox().width > 0) items.push({ what: `card of ${c.closest('g').querySelector('[data-node]').dataset.node}`, ...box(c) });
  }
  for (const c of document.querySelectorAll('[data-client] rect')) items.push({ what: `client ${c.parentNode.dataset.client}`, ...box(c) });
  for (const d of document.querySelectorAll('.dc-label')) items.push({ what: `datacenter name "${d.textContent}"`, ...box(d) });
  for (const d of document.querySelectorAll('.cut text')) items.push({ what: 'partition label', ...box(d) });
  // The values written beside messages on the ring's canvas (the build with hooks lists them, in
  // viewBox units): their boxes as the canvas's own font measures them, mapped to the screen.
  const svg = document.querySelector('svg.ring');
  const listed = window.wasmBindings?.qs_message_labels ? JSON.parse(window.wasmBindings.qs_message_labels()) : [];
  if (listed.length) {
    const ctx = document.createElement('canvas').getContext('2d');
    const m = svg.getScreenCTM();
    for (const l of listed) {
      ctx.font = `600 ${l.font}px sans-serif`;
      const t = ctx.measureText(l.text);
      const [a, b] = [[l.x, l.y - t.actualBoundingBoxAscent], [l.x + t.width, l.y + t.actualBoundingBoxDescent]]
        .map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
      items.push({ what: `message label "${l.text}"`, l: a.x, t: a.y, r: b.x, b: b.y, label: true });
    }
  }
  // The dock itself may be `display: contents` (a short embed lays its parts out beside the ring).
  const docked = [...document.querySelectorAll('.dock, .dock > *')].map(box).filter((d) => d.r > d.l);
  const ring = box(document.querySelector('svg.ring'));
  return { items, docked, ring, vh: window.innerHeight };
}

// Pairs that overlap by more than `slack` px both ways, and boxes the dock covers.
export function collisions({ items, docked, ring, vh }, slack = 1, withDock = true) {
  const hit = (a, c) => Math.min(a.r, c.r) - Math.max(a.l, c.l) > slack && Math.min(a.b, c.b) - Math.max(a.t, c.t) > slack;
  const out = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) if (hit(items[i], items[j])) out.push(`${items[i].what} overlaps ${items[j].what}`);
    // Only what is on screen can be covered; what is below the fold is reached by scrolling.
    if (withDock && items[i].t < vh && docked.some((d) => hit(items[i], d))) out.push(`${items[i].what} is under the dock`);
    // Text outside the ring's SVG is clipped.
    const a = items[i];
    if (a.l < ring.l - slack || a.r > ring.r + slack || a.t < ring.t - slack || a.b > ring.b + slack) out.push(`${a.what} is clipped by the ring's edge`);
  }
  return out;
}
