// Every screen (issue 11): the app on two phones, in a 640 × 400 embed, in a short window, on a
// projector (1280 × 720 with scale=2) and on a desktop, light and dark, with the stale-read
// lesson's question open (at 20 ms). At each size: the smallest text drawn (HTML and SVG alike,
// as it reaches the screen), no sideways scrolling, no two labels, cards or pills overlapping,
// the question, the ring and the transport on screen together, and (on phones) touch targets of
// at least 44 px. A screenshot of each is saved in docs/screenshots/. Run on the build with hooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { session, open, measure, collisions, lessonAsShown } from './harness.mjs';

const ROOT = process.env.QS_ROOT || path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'docs/screenshots');
const Q = '#lesson=stale-read&t=20';
const SIZES = [
  // At 360 px the ring is drawn at its minimum width for 12 px text (352 px, geometry.rs
  // ring_min_width), which its column holds.
  { name: 'phone-360', viewport: { width: 360, height: 740 }, url: `/${Q}`, phone: true, min: 12 },
  { name: 'phone-390', viewport: { width: 390, height: 844 }, url: `/${Q}`, phone: true, min: 12 },
  { name: 'embed-640x400', viewport: { width: 640, height: 400 }, url: `/?embed${Q}`, min: 12, nodeLabel: 14, fits: true },
  { name: 'short-800x500', viewport: { width: 800, height: 500 }, url: `/${Q}`, min: 12 },
  { name: 'projector-1280x720', viewport: { width: 1280, height: 720 }, url: `/${Q}&scale=2`, min: 24 },
  { name: 'desktop-1440x900', viewport: { width: 1440, height: 900 }, url: `/${Q}`, min: 12 },
];
const s = session();

// The size, in screen pixels, of every piece of visible text: an HTML element's computed font
// size, an SVG text's font size times the SVG's scale on screen. Text nobody can see (hidden,
// visually hidden, zero-sized, a <title> tooltip) is left out.
function textSizes() {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || !e || e.closest('title, script, style, .visually-hidden, [hidden], option')) continue;
    const r = e.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) continue;
    const cs = getComputedStyle(e);
    if (cs.visibility === 'hidden' || cs.display === 'none' || Number(cs.opacity) === 0) continue;
    let px = parseFloat(cs.fontSize);
    const svg = e.closest('svg');
    if (svg) px *= svg.getScreenCTM().a;
    out.push({ px, text: n.textContent.trim().slice(0, 30), where: e.getAttribute('class') || e.tagName });
  }
  return out;
}

// Elements wider inside than their box that scroll (or would) sideways, other than the panels
// meant to scroll.
function sideways() {
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('.st-scroll, .mk-scroll, .table-wrap, .visually-hidden, [hidden]')) continue;
    const ox = getComputedStyle(e).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && e.scrollWidth > e.clientWidth + 1) {
      out.push(`${e.tagName.toLowerCase()}.${[...e.classList].join('.')} scrolls sideways by ${e.scrollWidth - e.clientWidth} px`);
    }
  }
  return out;
}

// Interactive controls smaller than 44 px either way (a checkbox counts with its label; an SVG
// node with its hit area).
function smallTargets() {
  const out = [];
  for (const e of document.querySelectorAll('button, select, input, a[href], [role=button]')) {
    const t = e.matches('input[type=checkbox], input[type=radio]') ? e.closest('label') || e : e;
    const r = t.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || e.closest('[hidden], .visually-hidden')) continue;
    if (Math.min(r.width, r.height) < 43.5) out.push(`${e.dataset.action || e.dataset.node || e.getAttribute('aria-label') || e.textContent.trim().slice(0, 20) || e.tagName} ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  return out;
}

// Whether the open question, the ring and the transport are all inside the window (the ring at
// least the fraction `ringShown` of its width).
function together(ringShown) {
  const inside = (sel) => {
    const e = document.querySelector(sel);
    if (!e) return `${sel} missing`;
    const r = e.getBoundingClientRect();
    const shown = (Math.min(r.right, innerWidth) - Math.max(r.left, 0)) / r.width;
    const across = sel === 'svg.ring' ? shown >= ringShown : r.left >= -1 && r.right <= innerWidth + 1;
    return r.top >= -1 && r.bottom <= innerHeight + 1 && across ? null : `${sel} at ${Math.round(r.left)}–${Math.round(r.right)} × ${Math.round(r.top)}–${Math.round(r.bottom)} in ${innerWidth} × ${innerHeight}`;
  };
  return ['[data-question]', 'svg.ring', '.transport'].map(inside).filter(Boolean);
}

for (const scheme of ['light', 'dark']) {
  test(`every size, ${scheme}: legible text, no sideways scrolling, no overlaps, question with ring and transport`, async (t) => {
    const problems = [];
    for (const size of SIZES) {
      const page = await open(s.b, `${s.srv.base}${size.url}`, { viewport: size.viewport, colorScheme: scheme });
      await page.waitForSelector('[data-question]');
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const at = `${size.name} ${scheme}`;
      const play = await page.$eval('.transport .play', (e) => Math.round(e.getBoundingClientRect().bottom + scrollY));
      const sizes = await page.evaluate(textSizes);
      const min = sizes.reduce((a, b) => (b.px < a.px ? b : a), { px: Infinity });
      const small = sizes.filter((x) => x.px < size.min - 0.05);
      for (const x of small.slice(0, 8)) problems.push(`${at}: ${x.px.toFixed(1)} px text "${x.text}" (${x.where})`);
      const names = await page.$$eval('.node-name', (ns) => ns.map((e) => parseFloat(getComputedStyle(e).fontSize) * e.closest('svg').getScreenCTM().a));
      if (size.nodeLabel && Math.min(...names) < size.nodeLabel) problems.push(`${at}: node labels ${Math.min(...names).toFixed(1)} px`);
      const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
      if (sw > iw) problems.push(`${at}: page ${sw} px wide in a ${iw} px window`);
      // Nor does any part of the page scroll sideways (the ring's column included), but the
      // panels made to: the space-time diagram, the Merkle trees and the history's table.
      for (const c of await page.evaluate(sideways)) problems.push(`${at}: ${c}`);
      // An embed does not scroll at all: everything, the open question included, is in the frame.
      const sh = await page.evaluate(() => document.documentElement.scrollHeight);
      if (size.fits && sh > size.viewport.height) problems.push(`${at}: page ${sh} px tall in a ${size.viewport.height} px frame`);
      // Scrolled as far as the ring's top (on a phone the header and captions are above it): the
      // reader scrolls there once, and from there on all three must be in view.
      await page.evaluate(() => scrollBy(0, document.querySelector('svg.ring').getBoundingClientRect().top - 4));
      for (const c of collisions(await page.evaluate(measure))) problems.push(`${at}: ${c}`);
      for (const c of await page.evaluate(together, size.ringShown || 1)) problems.push(`${at}: not on screen with the others: ${c}`);
      const targets = size.phone ? await page.evaluate(smallTargets) : [];
      for (const c of targets.slice(0, 8)) problems.push(`${at}: touch target ${c}`);
      t.diagnostic(`${at}: smallest text ${min.px.toFixed(1)} px ("${min.text}"), node labels ${Math.min(...names).toFixed(1)} px, page ${sw}/${iw} px wide, Play at ${play} px, ${targets.length} small targets`);
      if (scheme === 'light' || size.name.startsWith('phone-390')) {
        await page.screenshot({ path: path.join(SHOTS, `screen-${size.name}${scheme === 'dark' ? '-dark' : ''}.png`) });
      }
      await page.close();
    }
    assert.deepEqual(problems, []);
  });
}

test('the embed snippet opens a frame its content fits in, with a question open', async () => {
  const page = await open(s.b, `${s.srv.base}/${Q}`);
  await page.click('[data-choice]');
  await page.click('[data-action=embed]');
  const snippet = await page.$eval('.share-text', (e) => e.value || e.textContent);
  const [w, h] = [/width="(\d+)"/, /height="(\d+)"/].map((re) => Number(snippet.match(re)[1]));
  const src = snippet.match(/src="([^"]+)"/)[1].replace(/&amp;/g, '&').replace(/^https?:\/\/[^/]+/, '');
  await page.close();
  const frame = await open(s.b, `${s.srv.base}${src}`, { viewport: { width: w, height: h } });
  await frame.waitForSelector('[data-question]');
  const [sh, sw] = await frame.evaluate(() => [document.documentElement.scrollHeight, document.documentElement.scrollWidth]);
  assert.ok(sh <= h && sw <= w, `content ${sw}×${sh} in a ${w}×${h} frame`);
  await frame.close();
});

test('autoplay waits until the frame is scrolled into view', async () => {
  const page = await s.b.newPage({ viewport: { width: 900, height: 700 } });
  await page.goto(`${s.srv.base}/course.html`);
  const frame = page.frameLocator('#lesson-sloppy');
  await frame.locator('[data-node]').first().waitFor();
  await page.waitForTimeout(600);
  const before = Number(await frame.locator('#sim-time').textContent());
  assert.equal(before, 0, 'it played before anyone scrolled to it');
  await page.locator('#lesson-sloppy').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => Number(document.querySelector('#lesson-sloppy').contentDocument.querySelector('#sim-time').textContent) > 0, null, { timeout: 8000 });
  await page.close();
});

// The history and the inspector list the operations' results, the space-time diagram and the
// Merkle view what the replicas did: the course page asks its readers to predict exactly that.
test('the course page shows no panel that gives its question away', async () => {
  const html = fs.readFileSync(path.join(ROOT, 'web/course.html'), 'utf8');
  for (const m of html.matchAll(/panels=([a-z,]+)/g)) {
    for (const p of m[1].split(',')) assert.ok(['legend', 'controls'].includes(p), `panels=${m[1]}: ${p} shows what the question asks`);
  }
});

// A 640 × 400 embed, every lesson's every question as a student reaches it (playing on to it,
// answering, going on): each choice is in view, inside the question's box and the frame, with no
// scrolling, and the frame itself does not scroll.
test('at 640×400 every choice of every question is in view without scrolling', async () => {
  const problems = [];
  const slugs = fs.readdirSync(path.join(ROOT, 'lessons')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  let asked = 0;
  for (const slug of slugs) {
    const qs = lessonAsShown(ROOT, slug).steps.filter((st) => st.predict);
    const page = await open(s.b, `${s.srv.base}/?embed#lesson=${slug}`, { viewport: { width: 640, height: 400 } });
    for (const q of qs) {
      await page.evaluate(() => { const r = document.querySelector('input[name=time]'); r.value = '1e9'; r.dispatchEvent(new Event('input', { bubbles: true })); });
      await page.waitForSelector(`[data-question="${q.i}"]`);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      asked += 1;
      const r = await page.evaluate(() => {
        const box = document.querySelector('[data-question]').getBoundingClientRect();
        const hidden = [...document.querySelectorAll('[data-question] [data-choice]')]
          .filter((c) => { const x = c.getBoundingClientRect(); return x.top < Math.max(box.top, 0) - 1 || x.bottom > Math.min(box.bottom, innerHeight) + 1; })
          .map((c) => c.textContent.slice(0, 30));
        return { hidden, page: document.documentElement.scrollHeight };
      });
      for (const h of r.hidden) problems.push(`${slug} question ${q.i}: "${h}" needs scrolling`);
      if (r.page > 400) problems.push(`${slug} question ${q.i}: the page is ${r.page} px tall`);
      const c = page.locator(`[data-question="${q.i}"] [data-choice]`);
      if (await c.count()) await c.nth(q.answer ?? 0).click();
      await page.click('[data-action=continue]');
    }
    await page.close();
  }
  assert.ok(asked >= 14, `only ${asked} questions asked`);
  assert.deepEqual(problems, []);
});
