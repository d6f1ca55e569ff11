// The catalogue as a person meets it (issue 14): one result per standard with what it folds,
// a Chinese query reaching the ISO catalogue with the glossary term shown, and a standard's
// page whose timeline lists each edition once, at desktop and phone widths, in both languages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.BIAOZHUN_BIN || new URL('../../target/debug/biaozhun', import.meta.url).pathname;
const PORT = 21000 + (process.pid % 1000);
const BASE = `http://127.0.0.1:${PORT}`;
const FAMILIES = ['ISO 22301', 'ISO/TS 22331', 'ISO 9001', 'ISO/CD 9001', 'ISO 9002', 'ISO 9003', 'ISO 9000', 'ISO 9004', 'ISO 10005'];
let server, browser, dataDir;

function run(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { env: { ...process.env, BIAOZHUN_DATABASE_URL: '' }, stdio: 'ignore' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'biaozhun-catalogue-'));
  // A slice of the ISO catalogue: a few documents with their editions, drafts and amendments.
  const iso = gunzipSync(readFileSync(new URL('../../crates/biaozhun/tests/data/catalogues/iso.jsonl.gz', import.meta.url))).toString();
  const lines = iso.split('\n').filter((l) => {
    const m = l.match(/"docid": "([^"]+)"/);
    return m && FAMILIES.some((f) => m[1] === f || m[1].startsWith(`${f}:`) || m[1].startsWith(`${f}/`) || m[1].startsWith(`${f}.`));
  });
  const slice = join(dataDir, 'iso-slice.jsonl');
  writeFileSync(slice, lines.join('\n') + '\n');
  await run(['import', 'standards', slice, '--data', dataDir]);
  server = spawn(BIN, ['serve', '--bind', `127.0.0.1:${PORT}`, '--data', dataDir], {
    env: { ...process.env, BIAOZHUN_TEST_HOOKS: '1', BIAOZHUN_BASE_URL: BASE, BIAOZHUN_DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start: ' + out)), 60000);
    server.stdout.on('data', (d) => {
      out += d;
      if (out.includes('listening on')) { clearTimeout(timer); resolve(); }
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
      const first = page.locator('main ul.list > li').first();
      const link = first.locator('a').first();
      // (Whether the number link can be clicked at every width is the search layout's test.)
      assert.equal((await link.textContent()).trim(), 'ISO 22301:2019');
      // The withdrawn edition is folded under the current one, said in the page's language.
      const folded = first.locator('.folded');
      assert.ok(await folded.isVisible());
      assert.match(await folded.textContent(), lang === 'en' ? /1 earlier editions/ : /1 个早期版本/);
      assert.equal(await page.locator('main ul.list > li > a', { hasText: 'ISO 22301:2012' }).count(), 0);

      // The standard's page: each edition once, drafts in development, ISO 9002 as related.
      await page.goto(`${BASE}/standards?q=${encodeURIComponent('ISO 9001')}`);
      const href = await page.locator('main ul.list > li > a').first().getAttribute('href');
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
  const numbers = await page.locator('main ul.list > li > a:first-child').allTextContents();
  assert.ok(numbers.slice(0, 5).some((n) => n.trim() === 'ISO 9001:2015'), numbers.join(', '));
  await page.context().close();
});
