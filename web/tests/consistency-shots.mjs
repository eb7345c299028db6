// Screenshots of the consistency panel and an imported history, for looking at:
// node web/tests/consistency-shots.mjs OUTDIR (light and dark, 390x844, 640x400, 1440x900).
import { serve, browser, open } from './harness.mjs';
import fs from 'node:fs';
import path from 'node:path';

const out = process.argv[2] || '/tmp/qs-consistency-shots';
const ROOT = path.resolve(import.meta.dirname, '../..');
fs.mkdirSync(out, { recursive: true });
const { server, base } = await serve();
const b = await browser();
const lesson = JSON.parse(fs.readFileSync(path.join(ROOT, 'lessons/quorum-not-linearizable.json'), 'utf8'));
lesson.steps = [];
const etcd = fs.existsSync(path.join(ROOT, '../shared/reference/jepsen-etcd')) ? path.join(ROOT, '../shared/reference/jepsen-etcd') : '/work/shared/reference/jepsen-etcd';
for (const [w, h] of [[390, 844], [640, 400], [1440, 900]]) {
  for (const scheme of ['light', 'dark']) {
    const page = await open(b, `${base}/#lesson=stale-read`, { viewport: { width: w, height: h }, colorScheme: scheme });
    await page.evaluate((t) => window.wasmBindings.qs_load(t), JSON.stringify(lesson));
    await page.waitForSelector('[data-model=linearizable]');
    await page.evaluate(() => { const r = document.querySelector('input[name=time]'); r.value = '400'; r.dispatchEvent(new Event('input', { bubbles: true })); });
    await page.click('[data-model=linearizable]');
    await page.waitForTimeout(300);
    await page.locator('.consistency').screenshot({ path: `${out}/panel-${w}x${h}-${scheme}.png` });
    await page.locator('.consistency').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${out}/page-${w}x${h}-${scheme}.png` });
    await page.setInputFiles('input[type=file]', path.join(etcd, 'etcd_000.log'));
    await page.waitForSelector('.history-lanes');
    await page.click('[data-model=linearizable]');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${out}/history-${w}x${h}-${scheme}.png`, fullPage: true });
    if (page.errors.length) console.log(w, h, scheme, 'errors:', page.errors);
    await page.close();
  }
}
await b.close();
server.close();
console.log('screenshots in', out);
