// Recording a sign inspection on a 390 px phone: a register is imported with `biaozhun
// import signs`; staff name an inspector for 天河区 on the inspectors page; the inspector
// (brought in with `biaozhun user create`) opens the district's register on their phone,
// records a nonconforming inspection with a photo (a small PNG) and the clauses, and sees
// it in the sign's history with the photo and the case to rectify; a sign of another
// district offers them no inspection form.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, portFor, run, startSite, signIn } from './harness.mjs';

const PORT = portFor(27000);
const BASE = `http://127.0.0.1:${PORT}`;
const PHONE = { width: 390, height: 844 };
const PASSWORD = 'Sign inspector 2026!';
const PHOTO = new URL('./fixtures/sign.png', import.meta.url).pathname;
let site;

before(async () => {
  site = await startSite({ name: 'signs', port: PORT, samples: false });
  const csv = join(site.dataDir, 'signs.csv');
  writeFileSync(csv, '编号,区,街道,地址,类型,执行标准\nTH-0001,天河区,天河南街道,体育东路 1 号,导向标志,GB/T 15566.1-2020\nYX-0001,越秀区,,北京路 1 号,位置标志,GB/T 10001.1-2023\n');
  await run(['import', 'signs', csv, '--data', site.dataDir]);
  await createUser('inspector_li');
});

after(async () => {
  await site?.stop();
});

function createUser(name) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['user', 'create', name, '--email', `${name}@example.org`, '--data', site.dataDir], {
      env: { ...process.env, BIAOZHUN_DATABASE_URL: '' }, stdio: ['pipe', 'ignore', 'inherit'],
    });
    p.stdin.end(PASSWORD + '\n');
    p.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`user create ${name} exited ${c}`))));
  });
}

async function phone(ip) {
  const context = await site.browser.newContext({ viewport: PHONE, extraHTTPHeaders: { 'X-Forwarded-For': ip } });
  return context.newPage();
}

async function within(locator, width) {
  assert.ok(await locator.isVisible(), 'visible');
  const b = await locator.boundingBox();
  assert.ok(b && b.x >= 0 && b.x + b.width <= width + 1, `within the screen (${JSON.stringify(b)})`);
}

test('staff name an inspector for 天河区', async () => {
  const page = await phone('198.51.100.40');
  await signIn(page, BASE, 'admin', site.adminPassword);
  await page.goto(`${BASE}/signs`);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: '标志检查员' }).click()]);
  await page.fill('#username', 'inspector_li');
  await page.selectOption('#district', '440106');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '指派' }).click()]);
  const row = page.locator('tr', { has: page.locator('th', { hasText: '天河区' }) });
  assert.match(await row.textContent(), /inspector_li/);
  await page.context().close();
});

test('the inspector records a nonconforming inspection with a photo on a phone', async () => {
  const page = await phone('198.51.100.41');
  await signIn(page, BASE, 'inspector_li', PASSWORD);
  await page.goto(`${BASE}/signs?district=440106`);
  assert.match(await page.locator('#register').textContent(), /天河区/);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'TH-0001' }).click()]);
  assert.match(await page.locator('main').textContent(), /尚未检查/);
  await page.getByLabel('不符合', { exact: true }).check();
  await page.fill('#findings', '4.2 字体不符合要求\n5.1 颜色褪色');
  await page.setInputFiles('#photos', PHOTO);
  const save = page.getByRole('button', { name: '保存检查记录' });
  await within(save, PHONE.width);
  await within(page.locator('#findings'), PHONE.width);
  await Promise.all([page.waitForNavigation(), save.click()]);
  const text = await page.locator('main').textContent();
  assert.match(text, /检查记录已保存/);
  assert.match(text, /条款 4\.2：字体不符合要求/);
  assert.match(text, /条款 5\.1：颜色褪色/);
  assert.match(text, /inspector_li/);
  assert.match(text, /待整改/);
  const photo = page.getByRole('link', { name: 'sign.png' });
  const href = await photo.getAttribute('href');
  const r = await page.request.get(`${BASE}${href}`);
  assert.equal(r.status(), 200);
  assert.equal(r.headers()['content-type'], 'image/png');
  // The statistics count the inspection and the open case.
  await page.goto(`${BASE}/signs`);
  const row = page.locator('tr', { has: page.locator('th', { hasText: '天河区' }) });
  assert.deepEqual(await row.locator('td').allTextContents(), ['1', '0', '1', '1']);
  await page.context().close();
});

test('a sign of another district offers the inspector no form', async () => {
  const page = await phone('198.51.100.42');
  await signIn(page, BASE, 'inspector_li', PASSWORD);
  await page.goto(`${BASE}/signs?district=440104`);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'YX-0001' }).click()]);
  const text = await page.locator('main').textContent();
  assert.match(text, /YX-0001/);
  assert.doesNotMatch(text, /记录检查/);
  await page.context().close();
});

test('the inspector edits a sign on a phone and puts it in a set; a stale edit is refused', async () => {
  const page = await phone('198.51.100.43');
  await signIn(page, BASE, 'inspector_li', PASSWORD);
  await page.goto(`${BASE}/signs?district=440106`);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'TH-0001' }).click()]);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: '修改标志' }).click()]);
  const save = page.getByRole('button', { name: '保存' });
  await within(save, PHONE.width);
  await within(page.locator('#address'), PHONE.width);
  await page.fill('#address', '体育东路 3 号');
  await page.fill('#set_name', '地铁体育西路站');
  await page.fill('#lat', '23.1375');
  await page.fill('#lon', '113.3271');
  // A second tab opened the same form before the save: its edit is refused afterwards.
  const stale = await page.context().newPage();
  await stale.goto(page.url());
  await Promise.all([page.waitForNavigation(), save.click()]);
  let text = await page.locator('main').textContent();
  assert.match(text, /标志已修改/);
  assert.match(text, /体育东路 3 号/);
  assert.match(text, /23\.1375, 113\.3271/);
  await stale.fill('#address', '过时的地址');
  await Promise.all([stale.waitForNavigation(), stale.getByRole('button', { name: '保存' }).click()]);
  assert.match(await stale.locator('#err-version').textContent(), /已被他人修改/);
  assert.equal(await stale.inputValue('#address'), '体育东路 3 号');
  // The set was made on the way; its page lists the sign.
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: '地铁体育西路站' }).click()]);
  text = await page.locator('main').textContent();
  assert.match(text, /TH-0001/);
  assert.match(text, /天河区/);
  // Placed by its new coordinates on the set's map too.
  assert.equal(await page.locator('svg.map a circle').count(), 1);
  await page.context().close();
});

test('the district page maps the sign placed by the inspector; its dot opens the sign', async () => {
  const page = await phone('198.51.100.44');
  await page.goto(`${BASE}/signs?district=440106`);
  const map = page.locator('svg.map');
  await within(map, PHONE.width);
  assert.match(await map.locator('title').first().textContent(), /天河区有坐标的标志 1 块/);
  assert.match(await page.locator('.signs-map figcaption').textContent(), /无底图/);
  const dot = map.locator('a circle');
  assert.equal(await dot.count(), 1, 'the one sign with coordinates');
  // Red: its last inspection found it nonconforming.
  assert.equal(await dot.getAttribute('fill'), '#c0392b');
  await within(dot, PHONE.width);
  await Promise.all([page.waitForNavigation(), dot.click()]);
  assert.match(await page.locator('main').textContent(), /TH-0001/);
  await page.context().close();
});
