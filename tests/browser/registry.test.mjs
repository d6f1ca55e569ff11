// Self-declaration as an enterprise and the public see it: an organisation's administrator
// adds a product citing a standard on "本单位的产品", declares it, the public search finds it
// by the standard's number, and once the catalogue withdraws the standard the declaration
// shows the flag. The organisation is set up as an approved membership would leave it (a row
// of `organisations` and its administrator); the catalogue comes in by `biaozhun import
// standards`, beside the running server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, portFor, run, startSite, signIn } from './harness.mjs';

const PORT = portFor(26000);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'Registry-room 2026!';
const USCC = '91440101MA59ABCD1D';
const LAB = '911522010783762860';
let site;

function createUser(name) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['user', 'create', name, '--email', `${name}@example.org`, '--data', site.dataDir], {
      env: { ...process.env, BIAOZHUN_DATABASE_URL: '' }, stdio: ['pipe', 'ignore', 'inherit'],
    });
    p.stdin.end(PASSWORD + '\n');
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`user create ${name} exited ${code}`))));
  });
}

function sql(text) {
  return execFileSync('sqlite3', [join(site.dataDir, 'biaozhun.db'), text], { encoding: 'utf8' });
}

async function importStandards(name, csv) {
  const file = join(site.dataDir, name);
  writeFileSync(file, csv);
  await run(['import', 'standards', file, '--data', site.dataDir]);
}

before(async () => {
  site = await startSite({ name: 'registry', port: PORT, samples: false });
  await createUser('reg_admin');
  await createUser('reg_lab');
  const now = Math.floor(Date.now() / 1000);
  sql(`INSERT INTO organisations (name, uscc, district_code, industry, created_at, updated_at) VALUES ('广州甲电器有限公司', '${USCC}', '440113', 'C', ${now}, ${now});
       INSERT INTO org_users (org_id, user_id, org_role, added_at) SELECT o.id, u.id, 'admin', ${now} FROM organisations o, users u WHERE o.uscc = '${USCC}' AND u.username = 'reg_admin';
       INSERT INTO organisations (name, uscc, district_code, industry, created_at, updated_at) VALUES ('广州检测中心', '${LAB}', '440106', '74', ${now}, ${now});
       INSERT INTO org_users (org_id, user_id, org_role, added_at) SELECT o.id, u.id, 'staff', ${now} FROM organisations o, users u WHERE o.uscc = '${LAB}' AND u.username = 'reg_lab';`);
  await importStandards('catalogue.csv', '标准号,中文标准名称,标准状态,发布日期,实施日期\nGB 4706.1-2005,家用和类似用途电器的安全 第1部分：通用要求,现行,2005-08-26,2006-08-01\n');
});

after(async () => {
  await site?.stop();
});

test('an administrator adds and declares a product; the public finds it; a withdrawal flags it', async () => {
  const context = await site.browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': '198.51.100.60' } });
  const page = await context.newPage();
  await signIn(page, BASE, 'reg_admin', PASSWORD);

  await page.goto(`${BASE}/registry/products`);
  assert.match(await page.textContent('main'), /广州甲电器有限公司/);
  // A mistyped GTIN is shown at its field, the rest kept.
  await page.fill('#name', '电热水壶');
  await page.fill('#model', 'K-17');
  await page.fill('#gtin', '6901234567893');
  await page.fill('#hs', '8516.79');
  await page.fill('#standards', 'GB 4706.1-2005');
  await Promise.all([page.waitForNavigation(), page.click('form.panel button')]);
  assert.match(await page.textContent('#err-gtin'), /商品条码/);
  assert.equal(await page.inputValue('#name'), '电热水壶');
  await page.fill('#gtin', '6901234567892');
  await Promise.all([page.waitForNavigation(), page.click('form.panel button')]);
  const product = page.locator('li.product', { hasText: '电热水壶' });
  assert.match(await product.textContent(), /GB 4706\.1-2005 — 现行/);
  await Promise.all([page.waitForNavigation(), product.locator('button', { hasText: '公开声明' }).click()]);
  assert.match(await page.locator('li.product', { hasText: '电热水壶' }).textContent(), /已公开声明/);

  // The public search, without an account.
  const visitor = await (await site.browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': '198.51.100.61' } })).newPage();
  await visitor.goto(`${BASE}/registry`);
  await visitor.fill('#standard', 'GB 4706.1');
  await Promise.all([visitor.waitForNavigation(), visitor.click('form.filters button')]);
  const found = visitor.locator('li.declaration', { hasText: '电热水壶' });
  assert.match(await found.textContent(), /广州甲电器有限公司/);
  assert.match(await found.textContent(), /现行/);
  assert.equal(await visitor.locator('.flag').count(), 0);

  // The catalogue withdraws the standard: the server's jobs flag the declaration.
  await importStandards('withdrawn.csv', '标准号,中文标准名称,标准状态,发布日期,实施日期\nGB 4706.1-2005,家用和类似用途电器的安全 第1部分：通用要求,废止,2005-08-26,2006-08-01\n');
  let flag = '';
  for (let i = 0; i < 40 && !flag; i++) {
    await visitor.reload();
    if (await visitor.locator('.flag').count()) flag = await visitor.locator('.flag').first().textContent();
    else await new Promise((r) => setTimeout(r, 500));
  }
  assert.match(flag, /所引标准 GB 4706\.1-2005 已废止，无代替标准/);
  assert.match(await visitor.locator('li.declaration').first().textContent(), /废止/);
  // The organisation's administrator is told (by the job that follows the catalogue).
  let told = '';
  for (let i = 0; i < 40 && !/自我声明引用的标准已变更/.test(told); i++) {
    await page.goto(`${BASE}/notifications`);
    told = await page.textContent('main');
    if (!/自我声明引用的标准已变更/.test(told)) await new Promise((r) => setTimeout(r, 500));
  }
  assert.match(told, /自我声明引用的标准已变更：电热水壶/);
  assert.match(told, /所引标准 GB 4706\.1-2005 已废止，无代替标准/);
});

test('staff register a testing body; its user records a result on the declaration page', async () => {
  const staff = await (await site.browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': '198.51.100.62' } })).newPage();
  await signIn(staff, BASE, 'admin', site.adminPassword);
  await staff.goto(`${BASE}/staff/registry/bodies`);
  await staff.fill('#organisation', LAB);
  await staff.fill('#accreditation', 'CNAS L0001');
  await staff.fill('#scope', 'GB 4706.1');
  await Promise.all([staff.waitForNavigation(), staff.click('#body-form button.primary')]);
  const row = staff.locator('table.bodies tr', { hasText: '广州检测中心' });
  assert.match(await row.textContent(), /CNAS L0001/);
  await Promise.all([staff.waitForNavigation(), row.locator('button', { hasText: '标为政府采信' }).click()]);
  assert.match(await staff.locator('table.bodies tr', { hasText: '广州检测中心' }).textContent(), /取消政府采信/);

  const lab = await (await site.browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': '198.51.100.63' } })).newPage();
  await signIn(lab, BASE, 'reg_lab', PASSWORD);
  const declaration = sql('SELECT id FROM registry_declarations ORDER BY id LIMIT 1;').trim();
  await lab.goto(`${BASE}/registry/declarations/${declaration}`);
  // A validity ending before the test is refused at its field, the rest kept.
  await lab.selectOption('#r-outcome', 'pass');
  await lab.fill('#r-report', 'GZ-2026-0001');
  await lab.fill('#r-tested', '2026-03-01');
  await lab.fill('#r-valid', '2025-01-01');
  await Promise.all([lab.waitForNavigation(), lab.click('#result-form button.primary')]);
  assert.match(await lab.textContent('#err-valid_until'), /有效期不能早于检测日期/);
  assert.equal(await lab.inputValue('#r-report'), 'GZ-2026-0001');
  await lab.fill('#r-valid', '2029-02-28');
  await Promise.all([lab.waitForNavigation(), lab.click('#result-form button.primary')]);
  assert.match(lab.url(), new RegExp(`/registry/declarations/${declaration}$`));
  const results = await lab.textContent('#results');
  assert.match(results, /GZ-2026-0001/);
  assert.match(results, /合格/);
  assert.match(results, /广州检测中心 \(政府采信\)/);
});
