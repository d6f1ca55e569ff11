// The catalogue as a person meets it (issue 14): one result per standard with what it folds,
// a Chinese query reaching the ISO catalogue with the glossary term shown, and a standard's
// page whose timeline lists each edition once, at desktop and phone widths, in both languages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { portFor, startSite, run } from './harness.mjs';

const PORT = portFor(21000);
const BASE = `http://127.0.0.1:${PORT}`;
const FAMILIES = ['ISO 22301', 'ISO/TS 22331', 'ISO 9001', 'ISO/CD 9001', 'ISO 9002', 'ISO 9003', 'ISO 9000', 'ISO 9004', 'ISO 10005'];
let site, browser, dataDir, adminPassword;

// Imports a slice of the ISO catalogue before the server starts: a few documents with
// their editions, drafts and amendments.
async function prepareSlice(dir) {
  const iso = gunzipSync(readFileSync(new URL('../../crates/biaozhun/tests/data/catalogues/iso.jsonl.gz', import.meta.url))).toString();
  const lines = iso.split('\n').filter((l) => {
    const m = l.match(/"docid": "([^"]+)"/);
    return m && FAMILIES.some((f) => m[1] === f || m[1].startsWith(`${f}:`) || m[1].startsWith(`${f}/`) || m[1].startsWith(`${f}.`));
  });
  const slice = join(dir, 'iso-slice.jsonl');
  writeFileSync(slice, lines.join('\n') + '\n');
  await run(['import', 'standards', slice, '--data', dir]);
}

before(async () => {
  site = await startSite({ name: 'catalogue', port: PORT, prepare: prepareSlice, samples: false });
  ({ browser, dataDir, adminPassword } = site);
});

after(async () => {
  await site?.stop();
});

async function newPage(lang, width) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/lang/${lang}?next=%2F`);
  return page;
}

for (const width of [1280, 390]) {
  for (const lang of ['zh-CN', 'en']) {
    test(`one result per standard, its folded editions and its timeline (${lang}, ${width} px)`, async () => {
      const page = await newPage(lang, width);
      await page.goto(`${BASE}/standards?q=${encodeURIComponent('business continuity management systems')}`);
      const first = page.locator('main ol.result-list > li').first();
      const link = first.locator('a.result-number');
      // (Whether the number link can be clicked at every width is the search layout's test.)
      assert.equal((await link.textContent()).trim(), 'ISO 22301:2019');
      // The withdrawn edition is folded under the current one, said in the page's language.
      const folded = first.locator('.folded');
      assert.ok(await folded.isVisible());
      assert.match(await folded.textContent(), lang === 'en' ? /1 earlier editions/ : /1 个早期版本/);
      assert.equal(await page.locator('main a.result-number', { hasText: 'ISO 22301:2012' }).count(), 0);

      // The standard's page: each edition once, drafts in development, ISO 9002 as related.
      await page.goto(`${BASE}/standards?q=${encodeURIComponent('ISO 9001')}`);
      const href = await page.locator('main a.result-number').first().getAttribute('href');
      await page.goto(`${BASE}${href}`);
      assert.match(page.url(), /\/standards\/ISO%209001%3A2015$/);
      const timeline = page.locator('#editions');
      assert.ok(await timeline.isVisible());
      for (const ed of ['ISO 9001:1987', 'ISO 9001:1994', 'ISO 9001:2000', 'ISO 9001:2008']) {
        assert.equal(await timeline.locator('ol.timeline > li > a', { hasText: new RegExp(`^${ed}$`) }).count(), 1, ed);
      }
      const text = await timeline.textContent();
      assert.match(text, lang === 'en' ? /In development/ : /制修订中/);
      assert.match(text, lang === 'en' ? /merged into ISO 9001:2000/ : /并入 ISO 9001:2000/);
      assert.ok(text.indexOf('ISO 9001:1987') < text.indexOf('ISO 9001:2008'), 'oldest first');
      await page.context().close();
    });
  }
}

test('a Chinese query finds the ISO standard and names the glossary term', async () => {
  const page = await newPage('zh-CN', 1280);
  await page.goto(`${BASE}/standards?q=${encodeURIComponent('质量管理体系')}`);
  const note = page.locator('p.glossary');
  assert.ok(await note.isVisible());
  assert.match(await note.textContent(), /质量管理体系 → quality management systems/);
  const numbers = await page.locator('main a.result-number').allTextContents();
  assert.ok(numbers.slice(0, 5).some((n) => n.trim() === 'ISO 9001:2015'), numbers.join(', '));
  await page.context().close();
});
