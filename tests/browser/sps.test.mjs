// SPS notifications as an exporter of food and animal products meets them (issue 20): the
// one TBT search filtered to SPS, an emergency notification opened from the results, its
// objective, HS codes and international standard, and the specific trade concern another
// member raised about it, in Chinese and in English.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CRATE, portFor, startSite, run } from './harness.mjs';

const PORT = portFor(23000);
const BASE = `http://127.0.0.1:${PORT}`;
let site, browser;

before(async () => {
  site = await startSite({ name: 'sps', port: PORT });
  ({ browser } = site);
  const dir = site.dataDir;
  await run(['import', 'tbt', join(CRATE, 'tests/data/sps/sps_notifications.jsonl'), '--data', dir]);
  await run(['import', 'tbt', join(CRATE, 'tests/data/sps/sps_eping.csv'), '--data', dir]);
  await run(['import', 'trade-concerns', join(CRATE, 'tests/data/sps/trade_concerns.csv'), '--data', dir]);
  // The running server takes the new records into its index from the change log.
  const deadline = Date.now() + 30000;
  for (;;) {
    const r = await fetch(`${BASE}/api/v1/tbt/notifications?agreement=sps&emergency=1`);
    if (r.ok && (await r.json()).total >= 2) break;
    if (Date.now() > deadline) throw new Error('the SPS notifications did not become searchable');
    await new Promise((res) => setTimeout(res, 500));
  }
});

after(async () => {
  await site?.stop();
});

const WORDS = {
  'zh-CN': { sps: 'SPS（卫生与植物卫生措施）', emergency: '紧急措施', objective: '动物健康', woah: '世界动物卫生组织', stcs: '特别贸易关注', status: '部分解决' },
  en: { sps: 'SPS (sanitary and phytosanitary)', emergency: 'Emergency measure', objective: 'Animal health', woah: 'WOAH (OIE)', stcs: 'Specific trade concerns', status: 'Partially resolved' },
};

for (const lang of ['zh-CN', 'en']) {
  test(`search filtered to SPS, an emergency notification, its objective, HS codes and trade concern (${lang})`, async () => {
    const w = WORDS[lang];
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/lang/${lang}?next=%2Ftbt`);
    // The search form: agreement SPS, emergency measures only.
    await page.selectOption('#agreement', { label: w.sps });
    await page.check('input[name="emergency"]');
    await page.click('form.tbt-search button.primary');
    await page.waitForURL(/agreement=sps/);
    const results = page.locator('main ol.tbt-list > li');
    const symbols = await results.locator('a.result-number').allTextContents();
    assert.deepEqual(symbols.map((s) => s.trim()).sort(), ['G/SPS/N/PHL/560', 'G/SPS/N/USA/3401']);
    // Every result says it is SPS and an emergency measure; no TBT notification is listed.
    for (const li of await results.all()) {
      const text = await li.textContent();
      assert.ok(text.includes('SPS') && text.includes(w.emergency), text);
    }
    assert.equal(await page.locator('main a.result-number', { hasText: 'G/TBT/N/' }).count(), 0);

    // Open the American emergency measure on poultry.
    await page.click('main a.result-number:has-text("G/SPS/N/USA/3401")');
    await page.waitForURL(/G%2FSPS%2FN%2FUSA%2F3401/);
    const main = (await page.locator('main').textContent()).replace(/\s+/g, ' ');
    assert.ok(main.includes(w.emergency), 'the page says it is an emergency measure');
    assert.ok(main.includes(w.objective), `the objective in the page's language: ${main}`);
    for (const code of ['0105', '0207', '040711']) assert.ok(main.includes(code), `HS ${code}`);
    assert.ok(main.includes(w.woah), 'the international standard (WOAH)');
    // The trade concern Brazil raised about it, with its status, links to its own page.
    assert.ok(main.includes(w.stcs));
    const stc = page.locator('main ul.stc-list a', { hasText: 'SPS STC 600' });
    assert.equal(await stc.count(), 1);
    assert.ok(main.includes('US import restrictions on poultry products related to HPAI') && main.includes(w.status), main);
    await stc.click();
    await page.waitForURL(/\/trade-concerns\/\d+$/);
    const concern = (await page.locator('main').textContent()).replace(/\s+/g, ' ');
    assert.ok(concern.includes('G/SPS/N/USA/3401'), 'the concern links back to the notification');
    assert.ok(concern.includes(lang === 'en' ? 'Brazil' : '巴西'), concern);
    await ctx.close();
  });
}
