// Apply → review → notice, as the people involved see it. An enterprise's administrator
// (its organisation registered by an approved membership application) applies for the
// good-behaviour grading with the form the platform pre-fills; staff check it and assign an
// expert; the expert sees only the applicant's name until declaring no conflict of interest,
// then scores; staff close the review (grade AAAA) and publish it; a visitor reads the notice.
// People are made with `biaozhun user create` and `biaozhun user roles`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, portFor, startSite, person, api } from './harness.mjs';

const PORT = portFor(25000);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'Programme-room 2026!';
const ORG = '广州市良好行为示范电子有限公司';
let site;
let appId;

function cli(args, input) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, [...args, '--data', site.dataDir], { env: { ...process.env, BIAOZHUN_DATABASE_URL: '' }, stdio: ['pipe', 'ignore', 'inherit'] });
    p.stdin.end(input ?? '');
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

before(async () => {
  site = await startSite({ name: 'programmes', port: PORT, samples: false });
  await cli(['user', 'create', 'qiye_zhao', '--email', 'zhao@example.org'], PASSWORD + '\n');
  await cli(['user', 'create', 'zhuanjia_qian', '--email', 'qian@example.org'], PASSWORD + '\n');
  await cli(['user', 'roles', 'zhuanjia_qian', '--set', 'expert', '--reason', '专家库入库']);
});

after(async () => {
  await site?.stop();
});

async function press(page, name) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name, exact: true }).click()]);
}

test('an enterprise applies with the pre-filled form and sees where it stands', async () => {
  const admin = await person(site, '198.51.100.30', 'admin', site.adminPassword);
  const zhao = await person(site, '198.51.100.31', 'qiye_zhao', PASSWORD);
  // Its organisation comes from an approved membership application.
  const applied = await api(zhao, BASE, 'POST', '/api/v1/membership/applications', {
    kind: 'organisation', org_name: ORG, uscc: '911522010783762860', industry: 'C', contact_name: '赵经理',
    contact_phone: '020-8888 0000', contact_email: 'zhao@example.org', district_code: '440106', address: '',
  });
  await api(admin, BASE, 'POST', `/api/v1/membership/applications/${applied.id}/decision`, { decision: 'approve', version: 1 });

  await zhao.goto(`${BASE}/programmes`);
  await Promise.all([zhao.waitForNavigation(), zhao.getByRole('link', { name: '标准化良好行为企业确认' }).click()]);
  assert.match(await zhao.locator('#thresholds').textContent(), /AAAA/);
  await Promise.all([zhao.waitForNavigation(), zhao.getByRole('link', { name: '申报', exact: true }).click()]);
  assert.equal(await zhao.inputValue('#f-org_name'), ORG, 'the name comes from the organisation record');
  assert.equal(await zhao.inputValue('#f-uscc'), '911522010783762860');
  await zhao.selectOption('#f-target_grade', 'AAAA');
  await zhao.fill('#f-evidence', '第 4 章 组织管理：标准化委员会文件；第 5 章 标准体系：标准体系表。');
  await zhao.fill('#f-self_measurement', 'na');
  // The required attachment is a file uploaded with the form.
  await press(zhao, '提交');
  assert.match(await zhao.locator('#err-att_self_assessment').textContent(), /提交前请上传附件“自我评价报告”/);
  await zhao.setInputFiles('#f-att_self_assessment', {
    name: '自我评价报告.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% self-assessment\n%%EOF\n'),
  });
  await press(zhao, '提交');
  assert.match(await zhao.locator('#app-state').textContent(), /已提交/);
  assert.match(await zhao.locator('#asked').textContent(), /等待形式审查/);
  const link = zhao.locator('#file-att_self_assessment a');
  assert.equal(await link.textContent(), '自我评价报告.pdf');
  const got = await zhao.request.get(new URL(await link.getAttribute('href'), BASE).href);
  assert.equal(got.status(), 200);
  assert.match((await got.body()).toString(), /self-assessment/);
  appId = Number(new URL(zhao.url()).pathname.split('/').pop());
  await zhao.context().close();
  await admin.context().close();
});

test('staff check it and assign an expert, who declares before reading and then scores', async () => {
  const admin = await person(site, '198.51.100.32', 'admin', site.adminPassword);
  await admin.goto(`${BASE}/staff/applications`);
  await Promise.all([admin.waitForNavigation(), admin.getByRole('link', { name: new RegExp(ORG) }).click()]);
  await press(admin, '开始形式审查');
  await press(admin, '形式审查通过，送专家评审');
  assert.match(await admin.locator('#app-state').textContent(), /专家评审/);
  await admin.fill('#reviewer', 'zhuanjia_qian');
  await press(admin, '指派');
  assert.match(await admin.locator('#panel').textContent(), /zhuanjia_qian[\s\S]*待声明/);

  const qian = await person(site, '198.51.100.33', 'zhuanjia_qian', PASSWORD);
  await qian.goto(`${BASE}/review/applications`);
  await Promise.all([qian.waitForNavigation(), qian.locator('#pending a').first().click()]);
  const before = await qian.locator('main').textContent();
  assert.match(before, new RegExp(`您与申报单位 ${ORG} 是否存在利益冲突`));
  assert.doesNotMatch(before, /标准体系表/, 'the application is hidden until the declaration');
  await qian.check('input[name=coi][value=none]');
  await press(qian, '提交声明');
  assert.match(await qian.locator('main').textContent(), /标准体系表/);
  // Once declared, the reviewer reads the uploaded attachment too.
  assert.equal(await qian.locator('#file-att_self_assessment a').textContent(), '自我评价报告.pdf');
  const types = await (await fetch(`${BASE}/api/v1/programmes`)).json();
  const gb = types.items.find((p) => p.code === 'good_behaviour');
  for (const c of gb.criteria) await qian.fill(`#s-${c.key}`, c.na_allowed ? 'na' : String(c.max));
  await press(qian, '提交评分');
  assert.match(await qian.locator('body').textContent(), /评分已提交/);
  await qian.context().close();

  await admin.goto(`${BASE}/applications/${appId}`);
  await press(admin, '结束评审并汇总评分');
  assert.equal((await admin.locator('#grade').textContent()).trim(), 'AAAA');
  assert.match(await admin.locator('#score').textContent(), /基础分 400 \+ 加分 100 = 500/);
  await press(admin, '审定通过并公示');
  assert.match(await admin.locator('#app-state').textContent(), /公示中/);
  await admin.context().close();
});

test('a visitor reads the public notice, and is asked to sign in to object', async () => {
  const visitor = await person(site, '198.51.100.34');
  await visitor.goto(`${BASE}/programmes/notices`);
  const notice = visitor.locator(`#notice-${appId}`);
  assert.match(await notice.textContent(), new RegExp(`${ORG}[\\s\\S]*AAAA`));
  assert.match(await notice.textContent(), /登录后提出异议/);
  await visitor.context().close();
});
