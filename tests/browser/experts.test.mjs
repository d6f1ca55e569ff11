// The expert pool as people see it: staff upload an existing pool (XLSX) and watch the
// import's job page; an expert (an account with the Expert role, made with `biaozhun user
// create` and `user roles`) fills in their profile and submits it; staff approve it from the
// pool's page; staff run a draw and see the panel by name; the replay shows the same panel;
// the public list shows names and titles without contact data.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, CRATE, portFor, startSite, signIn } from './harness.mjs';

const PORT = portFor(24000);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'Expert-pool 2026!';
let site;

function cli(args, input = '') {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, [...args, '--data', site.dataDir], { env: { ...process.env, BIAOZHUN_DATABASE_URL: '' }, stdio: ['pipe', 'ignore', 'inherit'] });
    p.stdin.end(input);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

before(async () => {
  site = await startSite({ name: 'experts', port: PORT, samples: false });
  await cli(['user', 'create', 'expert_su', '--email', 'expert_su@example.org'], PASSWORD + '\n');
  await cli(['user', 'roles', 'expert_su', '--set', 'expert', '--reason', 'browser test']);
});

after(async () => {
  await site?.stop();
});

async function page(ip) {
  const context = await site.browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': ip } });
  return context.newPage();
}

test('staff import an existing pool and read the report', async () => {
  const p = await page('198.51.100.30');
  await signIn(p, BASE, 'admin', site.adminPassword);
  await p.goto(`${BASE}/staff/experts`);
  await p.setInputFiles('#file', join(CRATE, 'tests/data/experts/pool.xlsx'));
  await Promise.all([p.waitForNavigation(), p.getByRole('button', { name: '上传导入' }).click()]);
  assert.match(p.url(), /\/staff\/jobs\/\d+/);
  // The job runs in the server's worker; its page shows the summary and the refused rows.
  let text = '';
  for (let i = 0; i < 40 && !text.includes('新增 6'); i++) {
    await new Promise((r) => setTimeout(r, 500));
    await p.reload();
    text = await p.locator('main').textContent();
  }
  assert.match(text, /新增 6/);
  assert.match(text, /ICS 分类号无效：99\.999/);
  await p.goto(`${BASE}/staff/experts`);
  assert.match(await p.locator('#pool').textContent(), /林海/);
  await p.context().close();
});

test('an expert fills in the profile and submits it; staff approve it', async () => {
  const p = await page('198.51.100.31');
  await signIn(p, BASE, 'expert_su', PASSWORD);
  await p.goto(`${BASE}/experts/me`);
  await p.fill('#name', '苏明远');
  await p.fill('#title', '高级工程师');
  await p.fill('#org_name', '示例质量技术研究院');
  await p.fill('#fields', '13.020.10');
  await p.fill('#languages', '英语');
  await p.fill('#phone', '13700001111');
  await Promise.all([p.waitForNavigation(), p.click('#profile button.primary')]);
  assert.match(await p.locator('#profile-status').textContent(), /草稿/);
  await Promise.all([p.waitForNavigation(), p.click('#submit-profile')]);
  assert.match(await p.locator('#profile-status').textContent(), /待审核/);

  const staff = await page('198.51.100.32');
  await signIn(staff, BASE, 'admin', site.adminPassword);
  await staff.goto(`${BASE}/staff/experts?status=submitted`);
  await Promise.all([staff.waitForNavigation(), staff.getByRole('link', { name: '苏明远' }).click()]);
  assert.match(await staff.locator('main').textContent(), /13700001111/, 'staff see the contact data');
  await Promise.all([staff.waitForNavigation(), staff.getByRole('button', { name: '批准入库' }).click()]);
  assert.match(await staff.locator('#profile-status').textContent(), /已入库/);
  await staff.context().close();

  await p.goto(`${BASE}/experts/me`);
  assert.match(await p.locator('#profile-status').textContent(), /已入库/);
  await p.context().close();

  // The public list: names, titles and fields, no contact data.
  const visitor = await page('198.51.100.33');
  await visitor.goto(`${BASE}/experts?field=13.020`);
  const list = await visitor.locator('#experts').textContent();
  assert.match(list, /苏明远/);
  assert.match(list, /高级工程师/);
  assert.doesNotMatch(list, /13700001111|示例质量技术研究院/);
  await visitor.context().close();
});

test('staff draw a panel, see it by name, and the replay gives the same panel', async () => {
  const p = await page('198.51.100.34');
  await signIn(p, BASE, 'admin', site.adminPassword);
  await p.goto(`${BASE}/staff/experts/draws`);
  await p.fill('#title', '示范项目验收评审');
  await p.fill('#fields', '13.020; 91.140; 65.020');
  await p.fill('#count', '3');
  await p.fill('#backups', '1');
  await p.fill('#seed', '42');
  await Promise.all([p.waitForNavigation(), p.click('#draw-button')]);
  assert.match(p.url(), /\/staff\/experts\/draws\/\d+$/);
  assert.equal((await p.locator('#seed').textContent()).trim(), '42');
  const rows = p.locator('#panel tbody tr');
  assert.equal(await rows.count(), 4);
  const panel = await p.locator('#panel').textContent();
  assert.equal((panel.match(/评审组/g) || []).length, 3);
  assert.equal((panel.match(/候补待命/g) || []).length, 1, 'the backup waits in reserve');
  assert.match(panel, /已邀请/);
  const drawn = (await p.locator('#panel-ids').textContent()).trim();
  await Promise.all([p.waitForNavigation(), p.click('#replay-button')]);
  assert.match(await p.locator('#replay-verdict').textContent(), /复核结果与原抽取一致/);
  const replayed = await p.locator('#replay').textContent();
  const ids = drawn.replace(/^[^:：]*[:：]\s*/, '');
  assert.ok(replayed.includes(ids), `${replayed} has ${ids}`);
  await p.context().close();
});
