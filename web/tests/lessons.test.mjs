// Lessons as a student meets them (issue 10): every lesson played start to end, and at every
// question nothing on screen gives the answer away; questions fire however time moves and wait
// for an answer; an edited lesson says so. Run by `cargo xtask test` on the build with hooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { session, open, scrub, simTime, lessonAsShown } from './harness.mjs';

const ROOT = process.env.QS_ROOT || path.resolve(import.meta.dirname, '../..');
const LESSONS = path.join(ROOT, 'lessons');
const slugs = fs.readdirSync(LESSONS).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
const lesson = (s) => JSON.parse(fs.readFileSync(path.join(LESSONS, `${s}.json`), 'utf8'));
const expected = (s) => JSON.parse(fs.readFileSync(path.join(LESSONS, 'expected', `${s}.json`), 'utf8'));
// Each step at the time the run shows it (`when` ties some to a happening), with its index `i`.
const questions = (s) => lessonAsShown(ROOT, s).steps.filter((st) => st.predict);
// The time field shows tenths of a millisecond.
const shownAt = (q) => Number(q.at_ms.toFixed(1));
const s = session();

async function seek(page, ms) {
  await scrub(page, ms);
}

// What is on screen at an open question that could give its answer away: returns the problems.
async function spoilers(page, slug, q) {
  const t = q.at_ms;
  const rep = expected(slug);
  const problems = [];
  const text = await page.evaluate(() => {
    const clone = document.body.cloneNode(true);
    clone.querySelectorAll('[data-question], [hidden], .visually-hidden, title').forEach((e) => e.remove());
    return clone.innerText;
  });
  if (q.reveal && text.includes(q.reveal)) problems.push('the reveal is on the page');
  for (const a of rep.anomalies || []) {
    if (a.at_ms > t && text.includes(a.explanation.slice(0, 60))) problems.push(`anomaly from ${a.at_ms} ms shown: ${a.kind}`);
  }
  const futureTags = await page.$$eval('.anomaly-tag', (ts) => ts.length);
  const tagsDue = (rep.anomalies || []).filter((a) => a.at_ms <= t && a.op != null).length;
  if (futureTags > tagsDue) problems.push(`${futureTags} anomaly tags, ${tagsDue} due`);
  for (const o of rep.ops) {
    if (o.end_ms != null && o.end_ms <= t) continue;
    const row = await page.$(`[data-op="${o.index}"]`);
    if (!row) continue;
    const [status, result] = await row.evaluate((r) => [r.dataset.status, r.querySelector('.result').textContent]);
    if (['ok', 'failed'].includes(status)) problems.push(`op ${o.index} shows its status (${status}) before it completed`);
    if (o.op === 'get' && !result.endsWith('…')) problems.push(`op ${o.index} shows its result "${result}" before it completed`);
  }
  // The space-time diagram draws nothing after the cursor.
  const late = await page.evaluate(() => {
    const svg = document.querySelector('svg.st');
    const cur = document.querySelector('.st-cursor');
    if (!svg || !cur) return [];
    const pct = Number((cur.style.transform.match(/translateX\(([-\d.]+)%\)/) || [0, 0])[1]);
    const x = (pct / 100) * svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('.arrow line')].map((l) => Number(l.getAttribute('x2'))).filter((x2) => x2 > x + 1);
  });
  if (late.length) problems.push(`${late.length} arrows drawn past the cursor`);
  return problems;
}

async function answer(page, q) {
  const choices = page.locator(`[data-question="${q.i}"] [data-choice]`);
  if (await choices.count()) await choices.nth(q.answer ?? 0).click();
  await page.click('[data-action=continue]');
}

test('every lesson played to its end: each question fires, waits, and nothing gives its answer away', async () => {
  const page = await open(s.b, `${s.srv.base}/`, { viewport: { width: 1440, height: 900 } });
  const report = [];
  for (const slug of slugs) {
    await page.goto(`${s.srv.base}/#lesson=${slug}`);
    await page.waitForSelector('[data-node]:not(#boot *)');
    await page.selectOption('.transport select', '5');
    const end = await page.$eval('input[name=time]', (i) => Number(i.max));
    const qs = questions(slug);
    assert.ok(qs.length >= 1, `${slug} asks at least one question`);
    // Play; after each answer, Continue plays on.
    if (!(await page.locator('[data-question]').count())) await page.click('.transport .play');
    for (const q of qs) {
      await page.waitForSelector(`[data-question="${q.i}"]`, { timeout: 15000 });
      assert.equal(await simTime(page), shownAt(q), `${slug}: question ${q.i} at its time`);
      // It has the focus and a label; Space does not skip it.
      assert.ok(await page.evaluate(() => !!document.activeElement.closest('[data-question]')), `${slug}: focus in the question`);
      await page.keyboard.press(' ');
      await page.waitForTimeout(150);
      assert.equal(await page.locator(`[data-question="${q.i}"]`).count(), 1, `${slug}: Space left question ${q.i} open`);
      assert.equal(await simTime(page), shownAt(q), `${slug}: time waits at the question`);
      const problems = await spoilers(page, slug, q);
      report.push(`${slug} q${q.i} @${q.at_ms}: ${problems.length ? problems.join('; ') : 'clean'}`);
      assert.deepEqual(problems, [], `${slug} question ${q.i}`);
      await answer(page, q);
    }
    await page.waitForFunction((e) => Number(document.querySelector('#sim-time').textContent) === e, end, { timeout: 30000 });
  }
  console.log(report.join('\n'));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('questions fire under step, seek and links, at time 0 too, and never under reveal', async () => {
  const page = await open(s.b, `${s.srv.base}/`);
  for (const slug of slugs) {
    const q = questions(slug)[0];
    // A link past the question opens at the question.
    await page.goto(`${s.srv.base}/#lesson=${slug}&t=99999`);
    await page.waitForSelector(`[data-question="${q.i}"]`);
    assert.equal(await simTime(page), shownAt(q), `${slug}: link`);
    // Seeking back before it closes it; seeking past it stops there again.
    if (q.at_ms > 0) {
      await seek(page, 0);
      await page.waitForFunction(() => !document.querySelector('[data-question]'));
      await seek(page, 99999);
      await page.waitForSelector(`[data-question="${q.i}"]`);
      assert.equal(await simTime(page), shownAt(q), `${slug}: seek`);
      await page.keyboard.press('Home');
      await page.waitForFunction(() => !document.querySelector('[data-question]'));
      for (let k = 0; k < 400 && !(await page.locator('[data-question]').count()); k++) await page.keyboard.press('ArrowRight');
      assert.equal(await simTime(page), shownAt(q), `${slug}: stepping`);
      // Every shortcut leaves it open.
      for (const key of [' ', 'ArrowRight', 'End', 'k', 'l']) await page.keyboard.press(key);
      assert.equal(await simTime(page), shownAt(q), `${slug}: shortcuts`);
      assert.equal(await page.locator(`[data-question="${q.i}"]`).count(), 1);
    } else {
      await page.goto(`${s.srv.base}/#lesson=${slug}`);
      await page.waitForSelector(`[data-question="${q.i}"]`);
    }
    await page.goto(`${s.srv.base}/#lesson=${slug}&t=99999&reveal=1`);
    await page.waitForSelector('[data-node]:not(#boot *)');
    assert.equal(await page.locator('[data-question]').count(), 0, `${slug}: reveal asks nothing`);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an open question is announced and on screen with the ring and the transport at every size', async () => {
  for (const viewport of [{ width: 1440, height: 900 }, { width: 640, height: 400 }, { width: 390, height: 844 }]) {
    for (const slug of ['sloppy-quorum', 'sloppy-stale-read', 'leaderless-basics', 'when-to-use']) {
      const page = await open(s.b, `${s.srv.base}/#lesson=${slug}&t=99999`, { viewport });
      const q = questions(slug)[0];
      await page.waitForSelector(`[data-question="${q.i}"]`);
      const el = page.locator(`[data-question="${q.i}"]`);
      assert.equal(await el.getAttribute('role'), 'dialog');
      const label = await page.evaluate((id) => document.getElementById(id)?.textContent, await el.getAttribute('aria-labelledby'));
      assert.ok(label && label.includes(q.predict), `${slug}: labelled by its question`);
      for (const sel of [`[data-question="${q.i}"]`, '.transport', 'svg.ring']) {
        const r = await page.locator(sel).boundingBox();
        assert.ok(r && r.y < viewport.height && r.y + Math.min(r.height, 40) > 0, `${slug} ${viewport.width}x${viewport.height}: ${sel} on screen (${JSON.stringify(r)})`);
      }
      await page.close();
    }
  }
});

test('an edited lesson is the student\'s experiment, and its link says so', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=quorum-overlap&reveal=1`);
  assert.equal(await page.locator('[data-edited]').count(), 0);
  await page.evaluate(() => {
    const r = document.querySelector('input[name=w]');
    r.value = '1';
    r.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForSelector('[data-edited]');
  assert.match(await page.textContent('[data-edited]'), /Your experiment, from lesson 2/);
  assert.match(await page.$eval('.lesson-pick select', (s) => s.selectedOptions[0].textContent), /from lesson 2/);
  await page.click('[data-action=reveal]');
  await page.keyboard.press('End');
  assert.equal(await page.locator('[data-question]').count(), 0, 'no question about the original run');
  if (await page.locator('.step-caption').count()) assert.match(await page.textContent('.step-caption'), /original lesson/);
  await page.close();
});
