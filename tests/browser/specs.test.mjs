// A local technical specification as people see it: staff propose one through the form (the
// 查新 report is on its page by itself), approve the plan, start drafting, add a draft and
// open the public consultation; a citizen logs in and comments by clause; the working group
// (staff here) downloads the comment-and-disposition table, an XLSX holding the comment.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { BIN, portFor, startSite, signIn } from './harness.mjs';

const PORT = portFor(23400);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'Specs-room 2026!';
const TITLE = '电梯维护保养技术规范';
let site;
let specUrl;

before(async () => {
  site = await startSite({ name: 'specs', port: PORT, samples: false });
  await createUser('citizen_chen');
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
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`user create ${name} exited ${code}`))));
  });
}

async function step(page, label) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: label, exact: true }).click()]);
}

test('staff propose a specification and open its consultation', async () => {
  const context = await site.browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': '198.51.100.40' } });
  const page = await context.newPage();
  await signIn(page, BASE, 'admin', site.adminPassword);
  await page.goto(`${BASE}/specs/new`);
  await page.fill('#title', TITLE);
  await page.fill('#related_numbers', 'GB/T 19001-2016');
  await Promise.all([page.waitForNavigation(), page.click('#propose-form button.primary')]);
  specUrl = page.url();
  assert.match(specUrl, /\/specs\/\d+$/);
  assert.equal((await page.locator('#spec-stage').textContent()).trim(), '立项申请');
  assert.match(await page.locator('#novelty').textContent(), /GB\/T 19001/);
  await step(page, '批准计划');
  await step(page, '开始起草');
  assert.equal((await page.locator('#spec-stage').textContent()).trim(), '起草');
  // Opening the consultation without a draft is refused, and the stage stays.
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '公开征求意见', exact: true }).click()]);
  assert.match(await page.locator('#err-action').textContent(), /尚无草案/);
  assert.equal((await page.locator('#spec-stage').textContent()).trim(), '起草');
  await page.fill('#body', '4.2 电梯维护保养应每十五日一次，并记录。');
  await Promise.all([page.waitForNavigation(), page.click('#draft-form button')]);
  await step(page, '公开征求意见');
  assert.equal((await page.locator('#spec-stage').textContent()).trim(), '征求意见');
  await context.close();
});

test('a citizen comments by clause and the disposition table holds the comment', async () => {
  const context = await site.browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': '198.51.100.41' }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(specUrl);
  assert.match(await page.locator('#diff').textContent(), /电梯维护保养应每十五日一次/);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: '登录后提出意见' }).click()]);
  await signIn(page, BASE, 'citizen_chen', PASSWORD, { onPage: true });
  assert.equal(page.url(), specUrl, 'back on the specification after logging in');
  await page.fill('#clause', '4.2');
  await page.selectOption('#kind', 'technical');
  await page.fill('#comment', '十五日过短，建议每月两次');
  await page.fill('#proposed', '改为“每十日一次”');
  await Promise.all([page.waitForNavigation(), page.click('#comment-form button')]);
  const table = page.locator('#comments table');
  assert.match(await table.textContent(), /4\.2.*技术性.*十五日过短，建议每月两次.*待处理/s);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载意见汇总处理表（XLSX）' }).click()]);
  assert.match(download.suggestedFilename(), /意见汇总处理表-\d+\.xlsx$/);
  const bytes = await readFile(await download.path());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an XLSX (ZIP) file');
  await context.close();
});
