// An online exam as a person takes it on a 390 px phone: staff publish a session starting in
// two hours, fill a question bank from an association's sheet and set an exam for those
// checked in; a trainee enrols, staff check them in from the roster, the trainee starts the
// exam, answers (each answer saved as it is chosen), reloads mid-way and finds the answers and
// the time left, submits, sees they passed, opens their certificate and the public
// verification page shows it valid.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, portFor, startSite, signIn } from './harness.mjs';

const PORT = portFor(25000);
const BASE = `http://127.0.0.1:${PORT}`;
const PHONE = { width: 390, height: 844 };
const PASSWORD = 'Exam-room 2026!';
const TITLE = '初级标准化工程师培训';
let site;
let sessionUrl;

before(async () => {
  site = await startSite({ name: 'exam', port: PORT, samples: false });
  await new Promise((resolve, reject) => {
    const p = spawn(BIN, ['user', 'create', 'trainee_chen', '--email', 'trainee_chen@example.org', '--data', site.dataDir], {
      env: { ...process.env, BIAOZHUN_DATABASE_URL: '' }, stdio: ['pipe', 'ignore', 'inherit'],
    });
    p.stdin.end(PASSWORD + '\n');
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

/** Beijing time `YYYY-MM-DDTHH:MM`, `secs` from now. */
function local(secs) {
  return new Date(Date.now() + secs * 1000 + 8 * 3600e3).toISOString().slice(0, 16);
}

// Every single choice's right option reads "正确选项", so a person can find it in any order.
const BANK = '题型,题干,选项A,选项B,选项C,选项D,答案,分值,知识点\n'
  + [1, 2, 3, 4].map((i) => `单选题,第${i}题：哪一项正确？,正确选项,干扰项甲,干扰项乙,干扰项丙,A,3,基础`).join('\n') + '\n'
  + '判断题,团体标准由社会团体自主制定、自愿采用。,,,,,对,2,基础\n'
  + '单选题,,缺题干,,,,A,1,\n';

test('staff set up a session, a question bank and an exam', async () => {
  const page = await phone('198.51.100.30');
  await signIn(page, BASE, 'admin', site.adminPassword);
  await page.goto(`${BASE}/staff/trainings/new`);
  await page.fill('#title', TITLE);
  await page.selectOption('#kind', 'engineer');
  await page.fill('#starts_at', local(2 * 3600));
  await page.fill('#ends_at', local(10 * 3600));
  await page.fill('#location', '广州市天河区');
  await page.fill('#hours', '8');
  await Promise.all([page.waitForNavigation(), page.click('form.panel button.primary')]);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '发布' }).click()]);
  sessionUrl = new URL(page.url()).pathname;
  const sid = sessionUrl.split('/').pop();

  await page.goto(`${BASE}/training/exam-banks`);
  await page.fill('#title', '标准化工程师题库');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '创建' }).click()]);
  await page.setInputFiles('#file', { name: '题库.csv', mimeType: 'text/csv', buffer: Buffer.from(BANK) });
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '导入试题' }).click()]);
  const report = page.locator('#import-report');
  await visibleWithin(report, PHONE.width);
  assert.match(await report.textContent(), /新增 5 道，更新 0 道，未变 0 道，未导入 1 行。/);
  assert.match(await report.textContent(), /7\s*题干\s*题目为空/);

  await page.goto(`${BASE}/staff/exams/new?session=${sid}`);
  await page.fill('#rules', 'single 4 3\ntruefalse 1 2');
  await page.fill('#minutes', '30');
  await page.fill('#pass_mark', '10');
  await page.fill('#opens_at', local(-600));
  await page.fill('#closes_at', local(3 * 86400));
  await page.selectOption('#admit', 'attended');
  await page.selectOption('#cert_kind', 'engineer_junior');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '创建' }).click()]);
  assert.match(page.url(), /\/training\/exams\/\d+$/);
  await page.context().close();
});

test('a trainee enrols, is checked in, takes the exam across a reload and earns a verifiable certificate', async () => {
  const trainee = await phone('198.51.100.31');
  await signIn(trainee, BASE, 'trainee_chen', PASSWORD);
  await trainee.goto(`${BASE}${sessionUrl}`);
  await Promise.all([trainee.waitForNavigation(), trainee.getByRole('button', { name: '报名', exact: true }).click()]);
  assert.equal((await trainee.locator('#my-place').textContent()).trim(), '已报名');
  // Not checked in yet: the exam is not theirs to start.
  const examLink = trainee.locator('#exams a').first();
  await visibleWithin(examLink, PHONE.width);
  await Promise.all([trainee.waitForNavigation(), examLink.click()]);
  assert.match(await trainee.locator('main').textContent(), /只有本期培训报名成功（或已签到）的学员可以参加考试/);

  const staff = await phone('198.51.100.32');
  await signIn(staff, BASE, 'admin', site.adminPassword);
  await staff.goto(`${BASE}${sessionUrl}/roster`);
  // The roster is a wide table: its row's button is reached by scrolling sideways.
  const checkIn = staff.getByRole('button', { name: '签到 trainee_chen', exact: true });
  await checkIn.scrollIntoViewIfNeeded();
  assert.ok(await checkIn.isVisible());
  await Promise.all([staff.waitForNavigation(), checkIn.click()]);
  await staff.context().close();

  await trainee.reload();
  const start = trainee.getByRole('button', { name: '开始考试' });
  await visibleWithin(start, PHONE.width);
  await Promise.all([trainee.waitForNavigation(), start.click()]);
  assert.match(trainee.url(), /\/training\/attempts\/\d+$/);
  assert.match(await trainee.locator('#remaining').textContent(), /^(30:00|29:[0-5]\d)$/);

  // Two answers, each saved as it is chosen (the page says so).
  const questions = trainee.locator('fieldset.question');
  assert.equal(await questions.count(), 5);
  const singles = trainee.locator('fieldset.question[data-kind="single"]');
  for (let i = 0; i < 2; i++) {
    const q = singles.nth(i);
    const right = q.locator('label.option', { hasText: '正确选项' });
    await visibleWithin(right, PHONE.width);
    await right.click();
    await q.locator('.save-state', { hasText: '已保存' }).waitFor();
  }
  // A reload (or a lost connection): the answers and the time left are still there.
  await trainee.reload();
  for (let i = 0; i < 2; i++) {
    assert.ok(await singles.nth(i).locator('label.option', { hasText: '正确选项' }).locator('input').isChecked(), `answer ${i + 1} kept`);
  }
  assert.ok(!(await singles.nth(2).locator('input:checked').count()), 'the unanswered stays unanswered');
  assert.match(await trainee.locator('#remaining').textContent(), /^(30:00|29:[0-5]\d)$/);
  for (let i = 2; i < 4; i++) {
    await singles.nth(i).locator('label.option', { hasText: '正确选项' }).click();
  }
  await trainee.locator('fieldset.question[data-kind="truefalse"] label.option', { hasText: '正确' }).click();
  const submit = trainee.getByRole('button', { name: '交卷' });
  await submit.scrollIntoViewIfNeeded();
  await visibleWithin(submit, PHONE.width);
  await Promise.all([trainee.waitForNavigation(), submit.click()]);
  const outcome = trainee.locator('#outcome');
  await visibleWithin(outcome, PHONE.width);
  assert.equal((await outcome.textContent()).trim(), '考试通过！得分 14（满分 14）。');

  const cert = trainee.locator('#certificate');
  await visibleWithin(cert, PHONE.width);
  const number = (await cert.textContent()).match(/GZBA-\d{4}-\d{6}-[0-9X]/)[0];
  await Promise.all([trainee.waitForNavigation(), cert.click()]);
  assert.match(await trainee.locator('main').textContent(), new RegExp(number));
  const verifyUrl = (await trainee.locator('.cert-url').textContent()).trim();
  await trainee.context().close();

  // Anyone verifies it: valid, with the holder's name.
  const visitor = await phone('198.51.100.33');
  await visitor.goto(verifyUrl);
  const main = await visitor.locator('main').textContent();
  assert.match(main, /有效/);
  assert.match(main, /trainee_chen/);
  assert.match(main, new RegExp(number));
  await visitor.context().close();
});
