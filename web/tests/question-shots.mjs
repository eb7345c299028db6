// Screenshots of every lesson at each of its questions, for looking at:
// node web/tests/question-shots.mjs OUTDIR [WIDTHxHEIGHT ...]
import { serve, browser, open, lessonAsShown } from './harness.mjs';
import fs from 'node:fs';
import path from 'node:path';

const out = process.argv[2] || '/tmp/question-shots';
const sizes = (process.argv.slice(3).length ? process.argv.slice(3) : ['1440x900', '390x844']).map((s) => s.split('x').map(Number));
fs.mkdirSync(out, { recursive: true });
const lessons = path.resolve(import.meta.dirname, '../../lessons');
const { server, base } = await serve();
const b = await browser();
for (const f of fs.readdirSync(lessons).filter((f) => f.endsWith('.json')).sort()) {
  const slug = f.slice(0, -5);
  const qs = lessonAsShown(path.resolve(lessons, '..'), slug).steps.filter((s) => s.predict);
  for (const [width, height] of sizes) {
    const page = await open(b, `${base}/#lesson=${slug}`, { viewport: { width, height } });
    for (const q of qs) {
      await page.evaluate((t) => { const r = document.querySelector('input[name=time]'); r.value = String(t); r.dispatchEvent(new Event('input', { bubbles: true })); }, 1e9);
      await page.waitForSelector(`[data-question="${q.i}"]`);
      await page.waitForTimeout(200);
      await page.screenshot({ path: `${out}/${slug}-q${q.i}-${width}x${height}.png` });
      const c = page.locator(`[data-question="${q.i}"] [data-choice]`);
      if (await c.count()) await c.nth(q.answer ?? 0).click();
      await page.click('[data-action=continue]');
      await page.keyboard.press(' ');
    }
    await page.close();
  }
}
await b.close();
server.close();
