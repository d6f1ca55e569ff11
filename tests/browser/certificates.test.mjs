// Certificate verification as a person sees it on a 390 px phone: staff issue a certificate
// to a trainee through the staff form; a visitor opens the verification page, types the number
// loosely (lower case, spaces for hyphens) and sees "有效" with the holder's name; a number
// with one digit mistyped is caught by the check character.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, portFor, startSite, signIn } from './harness.mjs';

const PORT = portFor(24000);
const BASE = `http://127.0.0.1:${PORT}`;
const PHONE = { width: 390, height: 844 };
let site;
let number;

before(async () => {
  site = await startSite({ name: 'certificates', port: PORT, samples: false });
  await new Promise((resolve, reject) => {
    const p = spawn(BIN, ['user', 'create', 'trainee_zhao', '--email', 'trainee_zhao@example.org', '--data', site.dataDir], {
      env: { ...process.env, BIAOZHUN_DATABASE_URL: '' }, stdio: ['pipe', 'ignore', 'inherit'],
    });
    p.stdin.end('Certificates 2026!\n');
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`user create exited ${code}`))));
  });
});

after(async () => {
  await site?.stop();
});

async function phone(ip) {
  const context = await site.browser.newContext({ viewport: PHONE, extraHTTPHeaders: { 'X-Forwarded-For': ip } });
  return context.newPage();
}

async function visibleWithin(locator, width) {
  assert.ok(await locator.isVisible(), 'visible');
  const b = await locator.boundingBox();
  assert.ok(b && b.x >= 0 && b.x + b.width <= width + 1, `within the screen (${JSON.stringify(b)})`);
}

test('staff issue a certificate', async () => {
  const page = await phone('198.51.100.30');
  await signIn(page, BASE, 'admin', site.adminPassword);
  await page.goto(`${BASE}/staff/certificates`);
  await page.selectOption('#kind', 'engineer_junior');
  await page.fill('#holder', 'trainee_zhao');
  await page.fill('#title', '标准化工程师（初级）考试合格');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '颁发证书' }).click()]);
  assert.match(page.url(), /\/training\/certificates\/\d+$/);
  const text = await page.locator('.certificate-sheet').textContent();
  number = text.match(/GZBA-\d{4}-\d{6}-[0-9X]/)[0];
  assert.ok(number, text);
  await page.context().close();
});

test('a visitor types the number and sees it is valid, with the holder\'s name', async () => {
  const page = await phone('198.51.100.31');
  await page.goto(`${BASE}/certificates/verify`);
  const input = page.getByLabel('证书编号');
  await visibleWithin(input, PHONE.width);
  await input.fill(` ${number.toLowerCase().replaceAll('-', ' ')} `);
  const button = page.getByRole('button', { name: '查验' });
  await visibleWithin(button, PHONE.width);
  await Promise.all([page.waitForNavigation(), button.click()]);
  assert.equal(new URL(page.url()).pathname, `/certificates/${number}`);
  const status = page.locator('#cert-status');
  await visibleWithin(status, PHONE.width);
  assert.equal((await status.textContent()).trim(), '有效');
  const holder = page.locator('.cert-holder');
  await visibleWithin(holder, PHONE.width);
  assert.equal((await holder.textContent()).trim(), 'trainee_zhao');
  assert.ok(!(await page.content()).includes('trainee_zhao@example.org'), 'no e-mail address shown');

  // One digit mistyped: the check character catches it, and the typed text is kept.
  const typo = number.slice(0, 12) + (number[12] === '9' ? '8' : '9') + number.slice(13);
  await page.goto(`${BASE}/certificates/verify`);
  await page.getByLabel('证书编号').fill(typo);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '查验' }).click()]);
  const error = page.getByRole('alert');
  await visibleWithin(error, PHONE.width);
  assert.match(await error.textContent(), /校验位不符/);
  assert.equal(await page.getByLabel('证书编号').inputValue(), typo);
  await page.context().close();
});

test('the holder finds the certificate on the hours page and opens its printable page', async () => {
  const page = await phone('198.51.100.32');
  await signIn(page, BASE, 'trainee_zhao', 'Certificates 2026!');
  await page.goto(`${BASE}/training/hours`);
  const link = page.getByRole('link', { name: '标准化工程师（初级）考试合格' });
  await visibleWithin(link, PHONE.width);
  await Promise.all([page.waitForNavigation(), link.click()]);
  const sheet = page.locator('.certificate-sheet');
  assert.match(await sheet.textContent(), new RegExp(number));
  await visibleWithin(page.getByRole('img', { name: '扫码查验本证书' }), PHONE.width);
  if (process.env.SHOT) await page.screenshot({ path: process.env.SHOT, fullPage: true });
  // Printed on A4 the sheet takes one page, without the site's frame.
  await page.emulateMedia({ media: 'print' });
  assert.ok(!(await page.locator('header.top, .top').first().isVisible()), 'the site frame is not printed');
  await visibleWithin(sheet, PHONE.width);
  const pdf = (await page.pdf({ format: 'A4', printBackground: true })).toString('latin1');
  assert.equal((pdf.match(/\/Type\s*\/Page[^s]/g) || []).length, 1, 'one A4 page');
  await page.context().close();
});
