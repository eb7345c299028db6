// Accessibility: axe-core in every kind of screen the app has, the contrast of what axe cannot
// judge (SVG text and marks), the keyboard, and what a screen reader is told. Run by
// `cargo xtask test` on the build with hooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { session, open, scrub, simTime } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const s = session();

// axe's violations on the page as it is now, as "rule (impact): where" lines.
async function axe(page) {
  await page.addScriptTag({ path: AXE });
  const res = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return res.map((v) => ({ id: v.id, impact: v.impact, where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ') }));
}

async function openDialog(page, action) {
  await page.click(`[data-action=${action}]`);
  await page.waitForSelector('[role=dialog][aria-modal=true]');
}

// A Jepsen history opened with Import, its linearizability witness selected.
const ETCD = ['../shared/reference/jepsen-etcd', '/work/shared/reference/jepsen-etcd']
  .map((d) => path.resolve(process.env.QS_ROOT || path.resolve(import.meta.dirname, '../..'), d)).find((d) => fs.existsSync(d));
async function importHistory(page) {
  await page.setInputFiles('input[type=file]', path.join(ETCD, 'etcd_000.log'));
  await page.waitForSelector('.history-lanes');
  await page.click('[data-model=linearizable]');
}

// The staleness lab run (a few trials) and drawn, a point of a curve picked.
async function runLab(page) {
  await page.fill('[name=lab-trials]', '2000');
  await page.dispatchEvent('[name=lab-trials]', 'change');
  await page.click('[data-action=lab-run]');
  await page.waitForSelector('.lab-chart .curve', { timeout: 60000 });
  await page.waitForFunction(() => document.querySelector('[data-lab-status]')?.textContent === 'Done.', null, { timeout: 60000 });
  await page.click('[data-point="0:2"]');
}

// Each state a student or a reader of an embed can reach: how to get there.
const STATES = [
  ['default lesson', '/', {}, null],
  ['dark', '/', { colorScheme: 'dark' }, null],
  ['a lesson question open', '/#lesson=stale-read&t=100000', {}, (p) => p.waitForSelector('[data-question]')],
  ['a selected operation', '/#lesson=stale-read&reveal=1', {}, (p) => p.click('[data-op="1"]')],
  ['embed 640×400', '/?embed#lesson=sloppy-quorum&reveal=1', { viewport: { width: 640, height: 400 } }, null],
  ['phone 390×844', '/#lesson=sloppy-quorum', { viewport: { width: 390, height: 844 } }, null],
  ['Help dialog', '/', {}, (p) => p.click('[aria-label^="Help"]').then(() => p.waitForSelector('[role=dialog]'))],
  ['Glossary', '/', {}, (p) => openDialog(p, 'glossary')],
  ['Copy link', '/', {}, (p) => openDialog(p, 'copy-link')],
  ['Embed dialog', '/', {}, (p) => openDialog(p, 'embed')],
  ['Figure dialog', '/', {}, (p) => openDialog(p, 'figure')],
  ['theme=dark over a light system', '/#lesson=sloppy-quorum&theme=dark', { colorScheme: 'light' }, null],
  ['theme=light over a dark system', '/#lesson=sloppy-quorum&theme=light', { colorScheme: 'dark' }, null],
  ['Merkle panel', '/#lesson=anti-entropy&t=712&reveal=1', {}, (p) => p.waitForSelector('.mk-svg')],
  ['a violated consistency model selected', '/#lesson=quorum-not-linearizable&reveal=1', {}, (p) => p.click('[data-model=linearizable]')],
  ['an imported Jepsen history', '/', {}, importHistory],
  ['an imported history on a phone', '/', { viewport: { width: 390, height: 844 } }, importHistory],
  ['the staleness lab drawn', '/', {}, runLab],
  ['the staleness lab on a phone', '/', { viewport: { width: 390, height: 844 } }, runLab],
];

test('axe-core finds no violation in any state, light or dark', async () => {
  const found = [];
  for (const [name, url, opts, reach] of STATES) {
    for (const colorScheme of opts.colorScheme ? [opts.colorScheme] : ['light', 'dark']) {
      const page = await open(s.b, s.srv.base + url, { ...opts, colorScheme });
      if (reach) await reach(page);
      await page.waitForTimeout(100);
      for (const v of await axe(page)) found.push(`${name} (${colorScheme}): ${v.id} (${v.impact}) at ${v.where}`);
      assert.deepEqual(page.errors, [], name);
      await page.close();
    }
  }
  if (process.env.QS_A11Y_LOG) console.log(found.join('\n'));
  // None at all, not only none critical or serious: the moderate ones (landmarks, a heading in
  // an embed) were fixed too.
  assert.deepEqual(found, []);
});

// WCAG 2 contrast in the page: colours as the browser resolved them (any CSS colour, through a
// canvas), composited over white when translucent.
const CONTRAST = `(() => {
  const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  const rgb = (css) => { ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 1, 1); ctx.fillStyle = css; ctx.fillRect(0, 0, 1, 1); return [...ctx.getImageData(0, 0, 1, 1).data].slice(0, 3); };
  const lum = (css) => { const [r, g, b] = rgb(css).map((v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  window.qsContrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return Math.round(((x + 0.05) / (y + 0.05)) * 100) / 100; };
  window.qsVar = (name) => getComputedStyle(document.querySelector('.app')).getPropertyValue(name).trim();
})()`;

// What each SVG text and mark is drawn on, and how much contrast it needs: text 4.5:1, marks
// (message shapes, badges) 3:1. Returns the pairs that fall short.
async function lowContrast(page) {
  await page.evaluate(CONTRAST);
  return page.evaluate(() => {
    const bad = [];
    const bg = getComputedStyle(document.body).backgroundColor;
    const check = (what, fg, back, need) => { const c = qsContrast(fg, back); if (c < need) bad.push(`${what}: ${c}:1 < ${need}`); };
    const band = qsVar('--dc');
    // Text in SVG on the page: node names (on the node's fill), badges (on theirs), cards,
    // labels, axes (on the page).
    for (const t of document.querySelectorAll('svg text, svg tspan')) {
      // Hidden from screen readers or not, it is seen. A card's lines are tspans, each with its
      // own colour: a text is checked only for the words directly in it.
      const own = [...t.childNodes].filter((c) => c.nodeType === 3).map((c) => c.data).join('');
      if (!own.trim()) continue;
      const fill = getComputedStyle(t).fill;
      const shape = t.closest('.badge')?.querySelector('circle, rect') || (t.classList.contains('node-name') && t.parentNode.querySelector('.node-body'));
      const behind = shape ? getComputedStyle(shape).fill : bg;
      check(`text "${t.textContent.slice(0, 20)}" (${t.getAttribute('class')})`, fill, behind, 4.5);
      // Cards and node names sit on the datacenter band too.
      if (!shape && t.closest('.ring') && !t.closest('.client')) check(`text "${t.textContent.slice(0, 20)}" on the band`, fill, band, 4.5);
    }
    // Badges are marks on the page and on the band.
    for (const m of document.querySelectorAll('.ring .badge circle, .ring .badge rect, .legend .badge circle, .legend .badge rect')) {
      check(`badge ${m.parentNode.getAttribute('class')}`, getComputedStyle(m).fill, bg, 3);
      check(`badge ${m.parentNode.getAttribute('class')} on the band`, getComputedStyle(m).fill, band, 3);
    }
    // Messages are drawn on a canvas in their kind's colour, over the page and the band.
    for (const k of ['put', 'put_ack', 'get', 'get_reply', 'read_repair', 'handoff', 'handoff_ack', 'merkle']) {
      check(`message ${k}`, qsVar(`--c-${k}`), bg, 3);
      check(`message ${k} on the band`, qsVar(`--c-${k}`), band, 3);
    }
    return bad;
  });
}

test('SVG text and marks stand out from what is behind them, light and dark', async () => {
  for (const colorScheme of ['light', 'dark']) {
    // A hint on a card (sloppy quorum), W and R badges (a selected get), the Merkle view.
    for (const url of ['/#lesson=sloppy-quorum&t=200&reveal=1', '/#lesson=stale-read&reveal=1&t=60', '/#lesson=anti-entropy&t=712&reveal=1']) {
      const page = await open(s.b, s.srv.base + url, { colorScheme });
      if (url.includes('stale-read')) await page.click('[data-op="1"]');
      await page.waitForTimeout(100);
      // What the review measured is on screen to be checked.
      if (url.includes('sloppy')) assert.ok(await page.locator('.ring .card-hint').count(), 'a hint on a card');
      if (url.includes('stale-read')) assert.ok(await page.locator('.ring .badge-r').count(), 'an R badge');
      assert.deepEqual(await lowContrast(page), [], `${colorScheme} ${url}`);
      await page.close();
    }
    // The staleness lab's chart: axes' labels on the panel.
    const lab = await open(s.b, s.srv.base + '/', { colorScheme });
    await runLab(lab);
    assert.deepEqual(await lowContrast(lab), [], `${colorScheme} staleness lab`);
    await lab.close();
    // An imported history's lanes and spans, its witness outlined.
    const page = await open(s.b, s.srv.base + '/', { colorScheme });
    await importHistory(page);
    assert.deepEqual(await lowContrast(page), [], `${colorScheme} imported history`);
    await page.close();
  }
});

test('the contrast check fails the colours the review measured', async () => {
  // The colours before the fix, put back over the page: the check must name each of them.
  const old = {
    light: ':root { --r: #e69f00; --on-accent: #fff; --c-handoff: #cc79a7; --c-get: #e69f00; }',
    dark: ':root { --r: #f0b64a; --on-accent: #fff; }',
  };
  for (const colorScheme of ['light', 'dark']) {
    const page = await open(s.b, `${s.srv.base}/#lesson=sloppy-quorum&t=200&reveal=1`, { colorScheme });
    await page.addStyleTag({ content: old[colorScheme] });
    const bad = (await lowContrast(page)).join('\n');
    if (process.env.QS_A11Y_LOG) console.log(bad);
    assert.match(bad, /text "R" \(null\): /, `${colorScheme}: the R badge`);
    if (colorScheme === 'light') {
      assert.match(bad, /card-hint/, 'hint text');
      assert.match(bad, /message get on the band/, 'get diamonds on the band');
    }
    await page.close();
  }
});

test('the ring is a labelled group of named nodes; datacenters are named only when there are several', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  assert.equal(await page.$eval('svg.ring', (e) => `${e.getAttribute('role')}: ${e.getAttribute('aria-label')}`), 'group: Ring of 3 nodes');
  const one = await page.$$eval('[data-node]', (ns) => ns.map((n) => n.getAttribute('aria-label')));
  for (const n of one) assert.match(n, /^[A-C], (home replica \d, )?(up|down)/, 'no datacenter when there is one');
  await page.close();
  const multi = await open(s.b, `${s.srv.base}/#lesson=sloppy-quorum`);
  const names = await multi.$$eval('[data-node]', (ns) => ns.map((n) => n.getAttribute('aria-label')));
  assert.ok(names.every((n) => / in \w+/.test(n)), names.join('\n'));
  // As a screen reader lists the ring (with datacenters, down nodes' cards and clients): every
  // item is named, with a role; no bare text.
  await scrub(multi, 300);
  await multi.waitForTimeout(100);
  const tree = await multi.locator('svg.ring').ariaSnapshot();
  assert.match(tree, /^- group "Ring of 6 nodes":/);
  const items = tree.split('\n').slice(1);
  // (A name with a colon in it is quoted once more, as YAML.)
  assert.deepEqual(items.filter((l) => !/^  - '?(button|img) "[^"]+"/.test(l)), [], tree);
  for (const c of ['alice', 'bob']) assert.ok(items.some((l) => l.startsWith(`  - img "client ${c}"`)), `client ${c} is named: ${tree}`);
  assert.ok(items.some((l) => l.includes('img "card of us1: down"')), tree);
  await multi.close();
});

test('after a click on any button, the arrows, Home and End still move time; a slider keeps its keys', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read&reveal=1`);
  await page.click('[data-action=glossary]');
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.action), 'glossary');
  await page.keyboard.press('ArrowRight');
  assert.equal(await simTime(page), 5, '→ on the Glossary button');
  await page.click('.transport [aria-label="Step to the next event"]');
  assert.equal(await simTime(page), 10);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await simTime(page), 5, '← on the step button');
  await page.keyboard.press('End');
  assert.ok((await simTime(page)) > 100, 'End on a button');
  await page.keyboard.press('Home');
  assert.equal(await simTime(page), 0, 'Home on a button');
  // Space presses the focused button rather than playing.
  await page.focus('[data-action=glossary]');
  await page.keyboard.press(' ');
  assert.equal(await page.locator('[role=dialog]').count(), 1, 'Space pressed the button');
  await page.keyboard.press('Escape');
  // The scrubber needs its arrows itself: they move it by its own step, not to the next event.
  await page.focus('input[name=time]');
  await page.keyboard.press('ArrowRight');
  assert.equal(await simTime(page), 0.1);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the first Tab stop skips to the time controls', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read&reveal=1`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.action), 'skip-to-time');
  assert.ok((await page.locator('.skip').boundingBox()).x >= 0, 'shown once focused');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('play')), true, 'the play button has the focus');
  await page.close();
});

test('on a phone a question brings the ring into view above it', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=quorum-overlap&t=60`, { viewport: { width: 360, height: 740 } });
  await page.waitForSelector('[data-question]');
  await page.waitForTimeout(300);
  const [ring, q] = await page.evaluate(() => ['.ring-wrap', '[data-question]'].map((sel) => { const b = document.querySelector(sel).getBoundingClientRect(); return [b.top, b.bottom]; }));
  assert.ok(ring[0] >= 0 && ring[1] <= q[0] + 1, `ring ${ring} above the question ${q}`);
  await page.close();
});

test('Help, Glossary, Copy link, Embed and Figure take the focus, keep Tab inside, close on Escape and give it back', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  const inDialog = () => page.evaluate(() => !!document.activeElement.closest('[role=dialog][aria-modal=true]'));
  for (const opener of ['[aria-label^="Help"]', '[data-action=glossary]', '[data-action=copy-link]', '[data-action=embed]', '[data-action=figure]']) {
    await page.click(opener);
    await page.waitForSelector('[role=dialog][aria-modal=true]');
    assert.ok(await inDialog(), `${opener}: focus moves in`);
    // Round the dialog's controls and past its ends, both ways: the focus never leaves it.
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      assert.ok(await inDialog(), `${opener}: Tab ${i + 1} stays in`);
    }
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Shift+Tab');
      assert.ok(await inDialog(), `${opener}: Shift+Tab ${i + 1} stays in`);
    }
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('[role=dialog]').count(), 0, `${opener}: Escape closes it`);
    assert.ok(await page.evaluate((o) => document.activeElement.matches(o), opener), `${opener}: focus comes back`);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('history rows have names and are picked with Enter or Space', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read&reveal=1`);
  await page.keyboard.press('End');
  const names = await page.$$eval('[data-op]', (rs) => rs.map((r) => r.getAttribute('aria-label')));
  assert.ok(names.length >= 2);
  for (const n of names) assert.match(n, /^Operation \d+: \w+ (put|get) .+, /);
  const selected = (i) => page.$eval(`[data-op="${i}"]`, (r) => r.getAttribute('aria-selected'));
  const t = await simTime(page);
  await page.focus('[data-op="0"]');
  await page.keyboard.press(' ');
  assert.equal(await selected(0), 'true', 'Space picks the row');
  assert.equal(await page.locator('.app.playing').count(), 0, 'Space on a row does not play');
  await page.focus('[data-op="1"]');
  await page.keyboard.press('Enter');
  assert.equal(await selected(1), 'true', 'Enter picks the row');
  assert.notEqual(await simTime(page), t, 'picking an operation goes to its time');
  await page.close();
});

test('a screen reader hears the narration a few times a second at most, in order, and not the clock', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=sloppy-stale-read&reveal=1`);
  // The clock is no live region, nor inside one.
  assert.equal(await page.$eval('#sim-time', (e) => !!e.closest('[aria-live], [role=status], [role=log], [role=timer], output')), false);
  await page.evaluate(() => {
    window.said = [];
    new MutationObserver(() => window.said.push([performance.now(), document.querySelector('#narration').textContent]))
      .observe(document.querySelector('#narration'), { childList: true, characterData: true, subtree: true });
  });
  await page.keyboard.press(' ');
  await page.waitForTimeout(5000);
  await page.keyboard.press(' ');
  const said = (await page.evaluate(() => window.said)).filter(([, text]) => text);
  const changes = said.filter((x, i) => i === 0 || x[1] !== said[i - 1][1]);
  const seconds = (said.at(-1)[0] - said[0][0]) / 1000;
  if (process.env.QS_A11Y_LOG) console.log(`${changes.length} sentences in ${seconds} s`, changes.map((c) => c[1]));
  assert.ok(changes.length >= 3, 'something was said');
  assert.ok(changes.length <= 3 * Math.max(1, seconds) + 1, `${changes.length} sentences in ${seconds} s`);
  const times = changes.map(([, text]) => Number(/^([\d.]+) ms: /.exec(text)?.[1]));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'in the order things happen');
  assert.ok(times.every((x) => !Number.isNaN(x)), 'each sentence says when');
  await page.close();
});

test('a message is told with its sender and receiver; each step says something new', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=leaderless-basics&reveal=1`);
  const heard = [await page.$eval('#narration', (e) => e.textContent)];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('ArrowRight');
    heard.push(await page.$eval('#narration', (e) => e.textContent));
  }
  // The three puts of one write leave at once: one sentence naming the three receivers.
  assert.match(heard[0], /^0\.0 ms: alice starts put greeting=hello \(op 0\); alice sends put greeting=hello.* to A, B, C$/);
  assert.match(heard[1], /: A receives put greeting=hello.* from alice; A stores greeting; A sends ack for put of greeting to alice$/);
  for (let i = 1; i < heard.length; i++) assert.notEqual(heard[i], heard[i - 1], `step ${i} says something new`);
  await page.close();
});

test('a question is announced when it opens: a named dialog that takes the focus', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read&t=100000`);
  await page.waitForSelector('[data-question]');
  const q = await page.evaluate(() => {
    const el = document.activeElement;
    const label = document.getElementById(el.getAttribute('aria-labelledby'));
    return { role: el.getAttribute('role'), question: !!el.dataset.question, name: label?.textContent || '' };
  });
  assert.equal(q.role, 'dialog');
  assert.ok(q.question, 'the question has the focus');
  assert.match(q.name, /^Predict what happens next: .{10,}/);
  await page.close();
});

// Tab follows what a student needs in order: the lesson's words, the question and the time
// controls, the ring, and only then the settings (30-odd stops) and the details.
test('Tab reaches the transport and the ring before the settings', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read&reveal=1`);
  const order = [];
  for (let i = 0; i < 120 && order.at(-1) !== 'details'; i++) {
    await page.keyboard.press('Tab');
    const where = await page.evaluate(() => {
      const e = document.activeElement;
      if (e.closest('.transport')) return 'transport';
      if (e.closest('svg.ring')) return 'ring';
      if (e.closest('aside.left')) return 'settings';
      if (e.closest('aside.right')) return 'details';
      return null;
    });
    if (where && where !== order.at(-1)) order.push(where);
  }
  assert.deepEqual(order.slice(0, 4), ['transport', 'ring', 'settings', 'details']);
  await page.close();
});

// Played to a question, answered, and on: the narration goes on from what it said at the
// question. Rounded down to its one-second clock it used to go back and tell the events before
// the question again ("0.0 ms: alice starts put x=v1 …" after "20.0 ms: bob starts get x …").
test('after a question, the narration goes on in order and repeats nothing', async () => {
  const found = [];
  for (const slug of ['stale-read', 'sloppy-quorum', 'quorum-overlap']) {
    const page = await open(s.b, `${s.srv.base}/#lesson=${slug}`);
    await page.evaluate(() => {
      // What is said on opening too.
      window.said = [[performance.now(), document.querySelector('#narration').textContent]];
      new MutationObserver(() => window.said.push([performance.now(), document.querySelector('#narration').textContent]))
        .observe(document.querySelector('#narration'), { childList: true, characterData: true, subtree: true });
    });
    await page.click('.transport .play');
    await page.waitForSelector('[data-question]', { timeout: 60000 });
    const choice = await page.$('[data-question] [data-choice]');
    if (choice) await choice.click();
    await page.click('[data-action=continue]');
    await page.waitForTimeout(4000);
    const said = (await page.evaluate(() => window.said)).map(([at, text]) => [at, text]).filter(([, text]) => text);
    const changes = said.filter((x, i) => i === 0 || x[1] !== said[i - 1][1]);
    const sentences = changes.flatMap(([, text]) => { const [, when, rest] = /^([\d.]+) ms: (.*)$/.exec(text) || []; return (rest || '').split('; ').map((x) => `${when} ms: ${x}`); });
    const times = changes.map(([, text]) => Number(/^([\d.]+) ms: /.exec(text)?.[1]));
    const twice = sentences.filter((x, i) => sentences.indexOf(x) !== i);
    if (twice.length) found.push(`${slug}: said twice: ${twice.join(' | ')}`);
    if (times.some((t, i) => i > 0 && t < times[i - 1])) found.push(`${slug}: out of order: ${times.join(', ')}`);
    const secs = (said.at(-1)[0] - said[0][0]) / 1000;
    if (changes.length > 3 * Math.max(1, secs) + 1) found.push(`${slug}: ${changes.length} announcements in ${secs.toFixed(1)} s`);
    await page.close();
  }
  assert.deepEqual(found, []);
});
