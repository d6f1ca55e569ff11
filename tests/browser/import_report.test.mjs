// A member of staff imports a TBT file with faults and reads the report as a person would:
// the job's page tells the counts and each refused or remarked row in Chinese, and in English
// after the language link in the header.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { portFor, startSite, signIn } from './harness.mjs';

const PORT = portFor(21000);
const BASE = `http://127.0.0.1:${PORT}`;
let site;

before(async () => {
  site = await startSite({ name: 'import-report', port: PORT, samples: false });
});

after(async () => {
  await site?.stop();
});

const CSV = [
  'Notifying Member(s),Symbol,Title,Distribution date,Products (HS/ICS code)',
  'USA,G/TBT/N/USA/2001,Range hoods,2024-13-45,8414',
  'USA,G/TBT/X/1,Bad symbol,2024-02-01,',
  'EU,G/TBT/N/EU/1100,Toys,2024-02-01,9999999',
].join('\n') + '\n';

test('the import report speaks the reader\'s language', async () => {
  const page = await (await site.browser.newContext()).newPage();
  await signIn(page, BASE, 'admin', site.adminPassword);

  await page.goto(`${BASE}/staff/tbt/import`);
  await page.setInputFiles('#file', { name: 'faults.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await Promise.all([page.waitForNavigation(), page.click('main button.primary')]);
  assert.match(page.url(), /\/staff\/jobs\/\d+$/);
  // The page refreshes itself until the job is done; the report table then shows.
  await page.waitForSelector('table.problems', { timeout: 30000 });

  const zh = await page.textContent('main');
  assert.match(zh, /共 3 行：新增 2 条/, zh);
  assert.match(zh, /“2024-13-45”无法识别为日期，已按原文保留/, zh);
  assert.match(zh, /G\/TBT\/X\/1：/, zh);
  assert.match(zh, /不是 HS 2022 编码或 ICS 分类号，已舍弃/, zh);
  assert.doesNotMatch(zh, /could not be read|refused|created/, zh);
  assert.ok(await page.isVisible('table.problems'));

  await Promise.all([page.waitForNavigation(), page.click('header a[lang="en"]')]);
  await page.waitForSelector('table.problems');
  const en = await page.textContent('main');
  assert.match(en, /3 rows: 2 created/, en);
  assert.match(en, /`2024-13-45` could not be read as a date; kept as written/, en);
  assert.match(en, /is not an HS 2022 or ICS code; dropped/, en);
  assert.doesNotMatch(en, /无法识别为日期/, en);
});
