// session.spec.mjs - the login's guards as a teacher meets them in a real browser (Debian's
// chromium, playwright-core), against a portal whose sessions end after SESSION_IDLE seconds
// without a request (tests/box/test-browser.sh restarts it with --session-idle for this).
//
// Proves: a wrong password is refused (401, "Wrong name or password") only after a delay, and
// the next wrong one after a longer delay (the throttle, as the teacher waits for the page); the
// right password then logs in, and a grade added through the page's form shows; once the session
// has been idle past SESSION_IDLE, reloading the page lands on the login page, and the grade form
// that was on the page adds nothing (303 to /login; the book, read through the API, unchanged).
//
//   node session.spec.mjs
//
// Prints "PASS: ..."/"FAIL: ..." lines and "SPEC-END: N passed, M failed" (spec-lib.mjs).
// Bounded: every wait has a timeout and a watchdog ends the script after 40 s.
//
// Environment: PORTAL_URL, CHROMIUM, TEACHER, PASSWORD, API_TOKEN as for portal.spec.mjs;
//   SESSION_IDLE    the portal's --session-idle, in seconds (default 3)
import { chromium } from 'playwright-core';
import { check, checkEq, end, firstLine, launchChromium, scenario, watchdog, withTimeout } from './spec-lib.mjs';

const BASE = (process.env.PORTAL_URL || 'http://127.0.0.1:5000').replace(/\/+$/, '');
const TEACHER = process.env.TEACHER || 'teacher';
const PASSWORD = process.env.PASSWORD || '';
const API = { Authorization: `Bearer ${process.env.API_TOKEN || ''}` };
const SESSION_IDLE_MS = Number(process.env.SESSION_IDLE || 3) * 1000;
const ACTION_MS = 5000, NAV_MS = 10000, TOTAL_MS = 40000;
// The throttle's first delays (docs/security.md, "Guessing passwords"): 0.5 s, then 1 s.
const FIRST_DELAY_MS = 500, SECOND_DELAY_MS = 1000;

let browser;
watchdog(TOTAL_MS, 'the session spec', () => browser);

// Submits the login form with PASSWORD; returns [status, milliseconds until the page came].
async function tryLogin(page, password) {
    await page.fill('#user', TEACHER);
    await page.fill('#password', password);
    const t0 = Date.now();
    const [response] = await Promise.all([page.waitForNavigation({ timeout: NAV_MS }), page.click('#login [type=submit]')]);
    return [response.status(), Date.now() - t0];
}

const grades = async (id) =>
    (await (await withTimeout(fetch(`${BASE}/api/students/${id}`, { headers: API }), ACTION_MS, 'GET')).json()).Grades;

browser = await launchChromium(chromium);
const context = await browser.newContext();
const page = await context.newPage();
page.setDefaultTimeout(ACTION_MS);

await scenario('wrong passwords are slowed', async () => {
    await page.goto(`${BASE}/login`, { timeout: NAV_MS });
    let [status, ms] = await tryLogin(page, 'wrong-password-1');
    checkEq('a wrong password is refused (401)', 401, status);
    check(`... after at least ${FIRST_DELAY_MS} ms (${ms} ms)`, ms >= FIRST_DELAY_MS - 50);
    check('... the page saying so', ((await page.locator('p.error').textContent()) || '').includes('Wrong name or password'));
    [status, ms] = await tryLogin(page, 'wrong-password-2');
    checkEq('the next wrong one too (401)', 401, status);
    check(`... after at least ${SECOND_DELAY_MS} ms (${ms} ms)`, ms >= SECOND_DELAY_MS - 50);
});

let form = null, before = null;
await scenario('logging in, a grade', async () => {
    const [status] = await tryLogin(page, PASSWORD);
    checkEq('the right password then logs in', `200 ${BASE}/students`, `${status} ${page.url()}`);
    await page.goto(`${BASE}/students/1`, { timeout: NAV_MS });
    await page.fill('#add-grade [name=Title]', 'Before expiry');
    await page.selectOption('#add-grade [name=Type]', 'Quiz');
    await page.fill('#add-grade [name=Score]', '77');
    await Promise.all([page.waitForNavigation({ timeout: NAV_MS }), page.click('#add-grade [type=submit]')]);
    check('a grade added through the form shows', (await page.locator('#grades td.title').allTextContents())
        .map((t) => t.trim()).includes('Before expiry'));
    form = await page.$eval('#add-grade', (f) => Object.fromEntries(new FormData(f)));
    before = (await grades(1)).length;
});

await scenario('an expired session', async () => {
    await new Promise((r) => setTimeout(r, SESSION_IDLE_MS + 1500));
    await page.reload({ timeout: NAV_MS });
    checkEq(`after ${SESSION_IDLE_MS / 1000} s without a request, reloading lands on the login page`, `${BASE}/login`,
        page.url());
    const r = await context.request.post(`${BASE}/students/1/grades`,
        { form: { ...form, Title: 'After expiry', Score: '5' }, maxRedirects: 0, timeout: ACTION_MS });
    checkEq('the grade form of the expired session is sent to the login page', `303 ${BASE}/login`,
        `${r.status()} ${new URL(r.headers().location || '', BASE).href}`);
    checkEq('... and added nothing', before, (await grades(1)).length);
});

await withTimeout(browser.close(), 5000, 'closing the browser').catch((e) => console.log(`    warning: ${firstLine(e)}`));
end();
