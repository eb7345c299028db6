// Cards and labels never collide (issue 10, item 7): in every lesson at 1440×900, 640×400 and on phones (390×844, 360×740), at
// every step's time, the node cards, the nodes (circle and name) and the client pills keep clear
// of each other and of the dock pinned to the bottom of the window (the transport, and an open
// question). Boxes are measured with getBoundingClientRect in the page as a student sees it at rest
// (scrolled to the top). Run on the build with hooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { session, scrub, lessonAsShown, measure, collisions } from './harness.mjs';

const ROOT = process.env.QS_ROOT || path.resolve(import.meta.dirname, '../..');
const LESSONS = path.join(ROOT, 'lessons');
const slugs = fs.readdirSync(LESSONS).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
const lesson = (s) => JSON.parse(fs.readFileSync(path.join(LESSONS, `${s}.json`), 'utf8'));
// The app at 1440 × 900 and as embedded in a 640 × 400 iframe (as on a course page); and the whole
// app in a 640 × 400 window, where the header and captions alone fill half the height, so the ring
// is reached by scrolling and only collisions among the ring's labels are checked.
const SIZES = [
  { viewport: { width: 1440, height: 900 }, pre: '', dock: true },
  { viewport: { width: 640, height: 400 }, pre: '?embed', dock: true },
  { viewport: { width: 640, height: 400 }, pre: '', dock: false },
  // Phones: the ring is below the header, so (as at 640 × 400) only the ring's labels are checked.
  { viewport: { width: 390, height: 844 }, pre: '', dock: false },
  { viewport: { width: 360, height: 740 }, pre: '', dock: false },
];
const s = session();

async function seek(page, ms) {
  await scrub(page, ms);
}

test('cards, nodes and client pills never collide, nor sit under the dock, in any lesson', async () => {
  const problems = [];
  for (const { viewport, pre, dock } of SIZES) {
    const page = await s.b.newPage({ viewport });
    for (const slug of slugs) {
      await page.goto(`${s.srv.base}/${pre}#lesson=${slug}`);
      await page.waitForSelector('[data-node]:not(#boot *)', { timeout: 15000 });
      const times = [...new Set([0, ...lessonAsShown(ROOT, slug).steps.map((s) => s.at_ms), lesson(slug).run_until_ms])];
      let cards = 0;
      for (const t of times) {
        // A question holds the cursor at its time: measure with it open, answer it, go on.
        for (let tries = 0; tries < 8; tries++) {
          await seek(page, t);
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          await page.evaluate(() => window.scrollTo(0, 0));
          const m = await page.evaluate(measure);
          cards += m.items.filter((x) => x.what.startsWith('card')).length;
          const at = await page.$eval('#sim-time', (e) => e.textContent);
          for (const c of collisions(m, 1, dock)) problems.push(`${viewport.width}×${viewport.height}${pre} ${slug} at ${at} ms: ${c}`);
          const q = await page.$('[data-question]');
          if (!q) break;
          const choice = await q.$('[data-choice]');
          if (choice) await choice.click();
          await page.click('[data-action=continue]');
        }
      }
      if (!cards) problems.push(`${slug}: no node cards measured`);
    }
    await page.close();
  }
  assert.deepEqual(problems, []);
});

// The values written beside messages in flight (for the operation a caption is about, or the one
// selected) and the datacenters' names: at 25 moments through every lesson and at each step, on
// a desktop, in a 640 × 400 embed and on the narrowest phone, no value label overlaps another,
// a card (a down node's "down" included), a datacenter's name, a node or a client pill, nor
// leaves the ring; a datacenter's name keeps clear of the cards. Messages with one value close
// together share one label with a count ("v1 ×3"). The whole run is revealed, so no question
// stops the cursor.
test('value labels on messages and datacenter names never overlap other labels, cards or pills', async () => {
  const problems = [];
  let labels = 0;
  for (const { viewport, pre } of [SIZES[0], SIZES[1], SIZES[4]]) {
    const page = await s.b.newPage({ viewport });
    for (const slug of slugs) {
      await page.goto(`${s.srv.base}/${pre}#lesson=${slug}&reveal=1`);
      await page.waitForSelector('[data-node]:not(#boot *)', { timeout: 15000 });
      const end = lesson(slug).run_until_ms;
      const steps = lessonAsShown(ROOT, slug).steps.map((st) => st.at_ms);
      const times = [...new Set([...steps, ...Array.from({ length: 25 }, (_, j) => Math.round((end * j) / 24 * 10) / 10)])];
      for (const t of times) {
        await seek(page, t);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        const m = await page.evaluate(measure);
        labels += m.items.filter((x) => x.label).length;
        const named = (x) => x.label || x.what.startsWith('datacenter') || x.what.startsWith('partition');
        const mine = { ...m, items: m.items };
        for (const c of collisions(mine, 1, false)) {
          const [a, b] = c.split(' overlaps ');
          const involved = m.items.filter((x) => x.what === a || x.what === b);
          if (involved.some(named)) problems.push(`${viewport.width}×${viewport.height}${pre} ${slug} at ${t} ms: ${c}`);
        }
      }
    }
    await page.close();
  }
  assert.ok(labels > 100, `only ${labels} value labels were drawn: nothing was measured`);
  assert.deepEqual(problems, []);
});
