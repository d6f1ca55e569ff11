// A group standard (团体标准) as people see it: staff propose one through the form with the
// kind chosen and take it (through the API, the consultation's 30 days moved into the past in
// the database) to the council's vote; a seated voter opens the vote page, sees the rule, the
// seated voters and the count, and casts a ballot with the radio buttons; a visitor sees who
// voted what but no ballot form; after publication the public list shows the number, the
// stage and the drafting organisations.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, portFor, startSite, person, api } from './harness.mjs';

const PORT = portFor(24400);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'Group-standards 2026!';
const TITLE = '城市路内停车泊位智能管理规范';
const ORGS = '广州智慧停车科技有限公司；广州市城市规划勘测设计研究院';
let site;
let specId;

before(async () => {
  site = await startSite({ name: 'group-standards', port: PORT, samples: false });
  for (const name of ['voter_wang', 'voter_li', 'expert_zhou']) await createUser(name);
  await cli(['user', 'roles', 'expert_zhou', '--set', 'expert', '--reason', 'review panel of the test']);
});

after(async () => {
  await site?.stop();
});

function cli(args, input = '') {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, [...args, '--data', site.dataDir], { env: { ...process.env, BIAOZHUN_DATABASE_URL: '' }, stdio: ['pipe', 'ignore', 'inherit'] });
    p.stdin.end(input);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

function createUser(name) {
  return cli(['user', 'create', name, '--email', `${name}@example.org`], PASSWORD + '\n');
}

function sql(text) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 10000', join(site.dataDir, 'biaozhun.db'), text], { encoding: 'utf8' }).trim();
}

async function becomeMember(admin, page, name) {
  const applied = await api(page, BASE, 'POST', '/api/v1/membership/applications', {
    kind: 'individual', real_name: name, contact_name: name, contact_phone: '13800138000', contact_email: `${name}@example.org`,
  });
  await api(admin, BASE, 'POST', `/api/v1/membership/applications/${applied.id}/decision`, { decision: 'approve', version: 1 });
}

test('staff propose a group standard and take it to the council vote', async () => {
  const admin = await person(site, '198.51.100.60', 'admin', site.adminPassword);
  for (const [i, name] of ['voter_wang', 'voter_li'].entries()) {
    const p = await person(site, `198.51.100.6${i + 1}`, name, PASSWORD);
    await becomeMember(admin, p, name);
    await p.context().close();
  }
  await admin.goto(`${BASE}/specs/new?kind=group`);
  assert.equal(await admin.locator('input[name="kind"][value="group"]').isChecked(), true, 'the kind asked for is chosen');
  await admin.fill('#title', TITLE);
  await admin.fill('#drafting_orgs', ORGS);
  await Promise.all([admin.waitForNavigation(), admin.click('#propose-form button.primary')]);
  specId = Number(admin.url().match(/\/specs\/(\d+)$/)[1]);
  assert.equal((await admin.locator('#spec-kind').textContent()).trim(), '团体标准');
  for (const action of ['approve_plan', 'start_drafting']) await api(admin, BASE, 'POST', `/api/v1/specs/${specId}/actions`, { action });
  await api(admin, BASE, 'POST', `/api/v1/specs/${specId}/drafts`, { body: '5.1 泊位宜设置地磁或视频检测器。' });
  await api(admin, BASE, 'POST', `/api/v1/specs/${specId}/actions`, { action: 'open_consultation' });
  sql(`UPDATE specs SET consultation_ends_at = 1 WHERE id = ${specId}`);
  await api(admin, BASE, 'POST', `/api/v1/specs/${specId}/actions`, { action: 'submit_for_review' });
  const expert = Number(sql("SELECT id FROM users WHERE username = 'expert_zhou'"));
  await api(admin, BASE, 'POST', `/api/v1/specs/${specId}/panel`, { experts: [expert] });
  await api(admin, BASE, 'POST', `/api/v1/specs/${specId}/actions`, { action: 'review_pass', note: '专家组同意' });
  const voters = sql("SELECT id FROM users WHERE username IN ('voter_wang', 'voter_li') ORDER BY id").split('\n').map(Number);
  await api(admin, BASE, 'POST', `/api/v1/specs/${specId}/voters`, { body: 'council', voters });
  // The page offers the vote, not the government's approval.
  await admin.goto(`${BASE}/specs/${specId}`);
  assert.equal(await admin.getByRole('button', { name: '报批', exact: true }).count(), 0);
  await Promise.all([admin.waitForNavigation(), admin.getByRole('button', { name: '开始表决', exact: true }).click()]);
  assert.equal((await admin.locator('#spec-stage').textContent()).trim(), '表决');
  await admin.context().close();
});

test('a seated voter casts a ballot on the vote page; a visitor sees the record without a form', async () => {
  const wang = await person(site, '198.51.100.63', 'voter_wang', PASSWORD);
  await wang.goto(`${BASE}/specs/${specId}`);
  await Promise.all([wang.waitForNavigation(), wang.locator('#vote-link').click()]);
  assert.match(await wang.locator('h1').textContent(), new RegExp(TITLE));
  assert.match(await wang.locator('main').textContent(), /理事会审议/);
  assert.match(await wang.locator('main').textContent(), /三分之二.*四分之三/s);
  assert.equal((await wang.locator('#tally-seated').textContent()).trim(), '2');
  assert.match(await wang.locator('#tally-result').textContent(), /未达法定人数.*未通过/s);
  await wang.getByLabel('赞成').check();
  await wang.fill('#comment', '同意发布');
  await Promise.all([wang.waitForNavigation(), wang.click('#ballot-form button.primary')]);
  const row = wang.locator('#voters tr', { hasText: 'voter_wang' });
  assert.match(await row.textContent(), /赞成.*同意发布/s);
  assert.equal(await wang.getByLabel('赞成').isChecked(), true, 'the ballot shows as cast and may be changed');
  await wang.context().close();

  const li = await person(site, '198.51.100.64', 'voter_li', PASSWORD);
  await li.goto(`${BASE}/specs/${specId}/vote`);
  await li.getByLabel('赞成').check();
  await Promise.all([li.waitForNavigation(), li.click('#ballot-form button.primary')]);
  assert.match(await li.locator('#tally-result').textContent(), /已达法定人数.*通过/s);
  await li.context().close();

  const visitor = await person(site, '198.51.100.65');
  await visitor.goto(`${BASE}/specs/${specId}/vote`);
  assert.equal(await visitor.locator('#ballot-form').count(), 0);
  assert.match(await visitor.locator('#voters').textContent(), /voter_li.*赞成/s);
  assert.equal((await visitor.locator('#tally-yes').textContent()).trim(), '2');
  await visitor.context().close();
});

test('after publication the public list shows the number, stage and drafting organisations', async () => {
  const admin = await person(site, '198.51.100.66', 'admin', site.adminPassword);
  await admin.goto(`${BASE}/specs/${specId}`);
  await Promise.all([admin.waitForNavigation(), admin.getByRole('button', { name: '编号发布', exact: true }).click()]);
  const number = (await admin.locator('#spec-number').textContent()).trim();
  assert.match(number, /^T\/GZBZ 001—\d{4}$/);
  await admin.context().close();

  const visitor = await person(site, '198.51.100.67');
  await visitor.goto(`${BASE}/group-standards`);
  const row = visitor.locator('#group-standards tbody tr', { hasText: TITLE });
  assert.equal(await row.count(), 1);
  const text = await row.textContent();
  assert.ok(text.includes(number) && text.includes('已发布') && text.includes('广州市城市规划勘测设计研究院'), text);
  await Promise.all([visitor.waitForNavigation(), row.getByRole('link', { name: TITLE }).click()]);
  assert.equal((await visitor.locator('#spec-number').textContent()).trim(), number);
  await visitor.context().close();
});
