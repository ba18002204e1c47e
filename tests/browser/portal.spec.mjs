// portal.spec.mjs - the teacher portal in a real browser: Debian's chromium driven by playwright-core.
//
// Proves what a teacher sees in a browser: without a session / lands on the login page, a wrong
// password is refused there (401, "Wrong name or password") and the right one logs in; then
// / lands on /students (a redirect) with the sample
// students and their averages; clicking a student opens the page with the grades and average;
// the add-grade form (POST, redirect back) adds the row and updates the average, also on the
// list; a score of 150 is refused with 400, the error shown and no grade added; a student named
// <script>alert(1)</script> is listed once, as text, with no dialog and no script element;
// with 120 more students (added through the portal's API) the "Next" link opens page 2 with
// the rest, a name typed into the search box finds the one student, a search for HTML shows as
// text with no dialog; "Log out" ends the session (back at /login, /students redirects there and
// the add-grade form no longer adds anything); and no page has a JavaScript error.
//
//   node portal.spec.mjs
//
// Prints one line per check, "PASS: description" or "FAIL: description" (context lines after a
// FAIL start with "    | "), then "SPEC-END: N passed, M failed". Exit status 0 iff nothing
// failed. Bounded: every wait has a timeout and a watchdog ends the script after 50 s.
//
// It changes the portal's data (adds a grade to student 1 and a student, then through the
// portal's API enough students for a second page of the list), so it expects the sample data of
// data/students.json, as in a fresh box (tests/box/test-browser.sh). The list's pages are
// followed by their "Next" link and a student is found by typing into the search box, as a
// person would.
//
// Environment:
//   PORTAL_URL      the portal (default http://127.0.0.1:5000)
//   SCREENSHOT_DIR  where the PNG screenshots go (default /var/tmp/dgo-box/logs/browser)
//   CHROMIUM        the browser (default /usr/bin/chromium, Debian's package)
//   TEACHER, PASSWORD  a teacher's name and password (dgoctl teacher add; test-browser.sh makes one)
//   API_TOKEN       an API token for the portal's /api (dgoctl token add)
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, checkEq, end, fail, firstLine, launchChromium, pass, scenario, watchdog, withTimeout } from './spec-lib.mjs';

const BASE = (process.env.PORTAL_URL || 'http://127.0.0.1:5000').replace(/\/+$/, '');
const SHOTS = process.env.SCREENSHOT_DIR || '/var/tmp/dgo-box/logs/browser';
const TEACHER = process.env.TEACHER || 'teacher';
const PASSWORD = process.env.PASSWORD || '';
const API = { Authorization: `Bearer ${process.env.API_TOKEN || ''}` };
const ACTION_MS = 5000;    // a click, a fill, a selector
const NAV_MS = 10000;      // a page load
const TOTAL_MS = 50000;    // the whole script (then up to 3 s to close the browser)

// The sample data the portal starts with (the box installs this very file).
const SAMPLE = JSON.parse(readFileSync(new URL('../../data/students.json', import.meta.url), 'utf8'));
const NICK = { id: 1, name: 'Nick Carter', average: '87.0%', grades: 3 };
const NEW_GRADE = { title: 'Browser quiz', type: 'Quiz', score: '100' };
const NEW_AVERAGE = '90.3%';   // (85 + 94 + 82 + 100) / 4 = 90.25, rounded half up
const XSS = { first: '<script>alert(1)</script>', last: '<img src=x onerror=alert(2)>' };

let browser;
watchdog(TOTAL_MS, 'the browser spec', () => browser);

// An average as the portal shows it: one decimal, rounded half up, and a percent sign.
function percent(scores) {
    const tenths = Math.round((scores.reduce((a, b) => a + b, 0) * 10) / scores.length + 1e-9);
    return `${(tenths / 10).toFixed(1)}%`;
}

// Submits FORM_SELECTOR by clicking its submit button; waits for the page that results.
// Returns { response, first }: the final main-frame response and the request that started the
// navigation (the POST, when the portal answered it with a redirect).
async function submit(page, formSelector) {
    const [response] = await Promise.all([
        page.waitForNavigation({ timeout: NAV_MS, waitUntil: 'load' }),
        page.click(`${formSelector} [type=submit]`, { timeout: ACTION_MS }),
    ]);
    if (!response) throw new Error(`submitting ${formSelector} gave no navigation`);
    let first = response.request();
    while (first.redirectedFrom()) first = first.redirectedFrom();
    return { response, first };
}

const text = async (locator) => (await locator.textContent({ timeout: ACTION_MS }) ?? '').trim();

async function screenshot(page, file) {
    const path = join(SHOTS, file);
    try {
        await page.screenshot({ path, fullPage: true, timeout: ACTION_MS });
        console.log(`    screenshot: ${path}`);
    } catch (e) {
        fail(`screenshot ${file}`, firstLine(e));
    }
}

async function gradeRows(page) {
    return page.$$eval('#grades tr:has(td.title)', (rows) => rows.map((r) => ({
        title: r.querySelector('td.title').textContent.trim(),
        type: r.querySelector('td.type')?.textContent.trim(),
        score: r.querySelector('td.score')?.textContent.trim(),
    })));
}

// ---------------------------------------------------------------------------------------------
mkdirSync(SHOTS, { recursive: true });
browser = await launchChromium(chromium);

const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
const page = await context.newPage();
page.setDefaultTimeout(ACTION_MS);
page.setDefaultNavigationTimeout(NAV_MS);
const dialogs = [], pageErrors = [];
page.on('dialog', (d) => { dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
page.on('pageerror', (e) => pageErrors.push(firstLine(e)));

let nickScores = null;   // the scores on Nick Carter's page before the test adds one

await scenario('logging in', async () => {
    await page.goto(`${BASE}/`);
    checkEq('without a session, / lands on the login page', `${BASE}/login`, page.url());
    await page.fill('#user', TEACHER);
    await page.fill('#password', 'not-the-password');
    let [response] = await Promise.all([page.waitForNavigation({ timeout: NAV_MS }), page.click('#login [type=submit]')]);
    checkEq('a wrong password is refused (401)', 401, response.status());
    check('... saying so', (await text(page.locator('p.error')).catch(() => '')).includes('Wrong name or password'));
    await page.fill('#password', PASSWORD);
    [response] = await Promise.all([page.waitForURL(`${BASE}/students`, { timeout: NAV_MS }), page.click('#login [type=submit]')]);
    checkEq('the right password logs in: /students', `${BASE}/students`, page.url());
    const cookie = (await context.cookies()).find((c) => c.name === 'dgo_session');
    check('the session cookie is HttpOnly and SameSite=Strict', cookie && cookie.httpOnly && cookie.sameSite === 'Strict',
        JSON.stringify(cookie));
    await screenshot(page, '0-logged-in.png');
});

await scenario('the students list', async () => {
    const response = await page.goto(`${BASE}/`);
    checkEq('GET / lands on /students', `${BASE}/students`, page.url());
    check('... by a redirect', !!response.request().redirectedFrom(), `no redirect; status ${response.status()}`);
    checkEq('/students answers 200', 200, response.status());
    await page.waitForSelector('#students', { timeout: ACTION_MS });
    pass('the page has the students table (#students)');
    const names = await page.$$eval('#students tr[data-student-id] td.name', (tds) => tds.map((td) => td.textContent.trim()));
    const sample = SAMPLE.map((s) => `${s.FirstName} ${s.LastName}`);
    const missing = sample.filter((n) => !names.includes(n));
    check(`it lists the ${sample.length} sample students`, missing.length === 0, `missing: ${missing.join(', ')}\nlisted: ${names.join(', ')}`);
    const row = page.locator(`#students tr[data-student-id="${NICK.id}"]`);
    checkEq(`student ${NICK.id} is ${NICK.name}`, NICK.name, await text(row.locator('td.name')));
    checkEq(`... with the average ${NICK.average}`, NICK.average, await text(row.locator('td.average')));
    const href = await row.locator('td.name a').getAttribute('href', { timeout: ACTION_MS });
    check(`... and a link to /students/${NICK.id}`, new URL(href, page.url()).href === `${BASE}/students/${NICK.id}`, `href: ${href}`);
    check('the add-student form has FirstName, LastName and a submit button',
        await page.locator('#add-student input[name=FirstName]').count() === 1 &&
        await page.locator('#add-student input[name=LastName]').count() === 1 &&
        await page.locator('#add-student [type=submit]').count() === 1);
    await screenshot(page, '1-students.png');
});

await scenario('adding a grade', async () => {
    if (page.url() !== `${BASE}/students`) await page.goto(`${BASE}/students`);
    await Promise.all([
        page.waitForURL(`${BASE}/students/${NICK.id}`, { timeout: NAV_MS }),
        page.click(`#students tr[data-student-id="${NICK.id}"] td.name a`),
    ]);
    pass(`clicking ${NICK.name} opens /students/${NICK.id}`);
    checkEq('the page is headed with his name', NICK.name, await text(page.locator('h1')));
    const before = await gradeRows(page);
    checkEq(`it shows his ${NICK.grades} grades`, NICK.grades, before.length);
    checkEq('... and his average', `Average: ${NICK.average}`, await text(page.locator('#average')));
    nickScores = before.map((g) => parseFloat(g.score));
    const options = await page.$$eval('#add-grade select[name=Type] option', (os) => os.map((o) => o.value || o.textContent.trim()));
    checkEq('the grade types are Quiz, Test, Exam, Homework', 'Quiz,Test,Exam,Homework', options.join(','));

    await page.fill('#add-grade input[name=Title]', NEW_GRADE.title);
    await page.selectOption('#add-grade select[name=Type]', NEW_GRADE.type);
    await page.fill('#add-grade input[name=Score]', NEW_GRADE.score);
    const { response, first } = await submit(page, '#add-grade');
    checkEq('the form is sent as a POST', 'POST', first.method());
    check('... answered with a redirect', first !== response.request(),
        `no redirect: the POST was answered ${response.status()} itself`);
    checkEq('... back to the student page', `${BASE}/students/${NICK.id}`, page.url());
    checkEq('... which answers 200', 200, response.status());
    const after = await gradeRows(page);
    checkEq('the page now has one more grade row', before.length + 1, after.length);
    const added = after.find((g) => g.title === NEW_GRADE.title);
    check(`... "${NEW_GRADE.title}", ${NEW_GRADE.type}, ${NEW_GRADE.score}`,
        !!added && added.type === NEW_GRADE.type && parseFloat(added.score) === parseFloat(NEW_GRADE.score),
        `rows: ${JSON.stringify(after)}`);
    const expected = percent([...nickScores, parseFloat(NEW_GRADE.score)]);
    checkEq(`the average is updated (${NICK.average} -> ${expected})`, `Average: ${expected}`, await text(page.locator('#average')));
    if (expected !== NEW_AVERAGE) fail(`the sample grades give ${NEW_AVERAGE} (not a fresh portal? scores were ${nickScores})`);
    check('no error is shown', await page.locator('.error').count() === 0, await page.locator('.error').allTextContents());
    await screenshot(page, '2-student-after-add.png');
});

await scenario('an invalid score', async () => {
    if (page.url() !== `${BASE}/students/${NICK.id}`) await page.goto(`${BASE}/students/${NICK.id}`);
    const rowsBefore = (await gradeRows(page)).length;
    // The browser itself would refuse 150 (max="100"): take the form's checks away, as a
    // hand-made request would.
    await page.evaluate(() => {
        const form = document.querySelector('#add-grade');
        form.noValidate = true;
        for (const el of form.querySelectorAll('input, select')) {
            for (const a of ['min', 'max', 'step', 'pattern', 'required']) el.removeAttribute(a);
        }
    });
    await page.fill('#add-grade input[name=Title]', 'Too high');
    await page.selectOption('#add-grade select[name=Type]', 'Test');
    await page.fill('#add-grade input[name=Score]', '150');
    const { response, first } = await submit(page, '#add-grade');
    checkEq('a score of 150 is refused with 400', 400, response.status());
    check('... to the POST itself (no redirect)', first === response.request() && first.method() === 'POST',
        `first request: ${first.method()} ${first.url()}; final: ${response.url()}`);
    const alert = page.locator('p.error[role=alert]');
    check('the error is shown (p.error[role=alert])', await alert.count() === 1 && await alert.isVisible(),
        `p.error[role=alert] count: ${await alert.count()}`);
    const message = await alert.count() ? await text(alert.first()) : '';
    check(`... with a message ("${message}")`, message.length > 0);
    await screenshot(page, '3-invalid-score.png');
    await page.goto(`${BASE}/students/${NICK.id}`);
    const rows = await gradeRows(page);
    check('the refused grade was not added', rows.length === rowsBefore && !rows.some((g) => g.title === 'Too high'),
        `rows: ${JSON.stringify(rows)}`);
});

await scenario('a name with HTML in it', async () => {
    await page.goto(`${BASE}/students`);
    if (nickScores) {
        const expected = percent([...nickScores, parseFloat(NEW_GRADE.score)]);
        checkEq(`the students list shows ${NICK.name}'s new average`, expected,
            await text(page.locator(`#students tr[data-student-id="${NICK.id}"] td.average`)));
    }
    await page.fill('#add-student input[name=FirstName]', XSS.first);
    await page.fill('#add-student input[name=LastName]', XSS.last);
    const { response, first } = await submit(page, '#add-student');
    checkEq('the add-student form is sent as a POST', 'POST', first.method());
    check('... and answered with a redirect to a page that answers 200',
        first !== response.request() && response.status() === 200, `final status ${response.status()}, url ${page.url()}`);
    if (page.url() !== `${BASE}/students`) await page.goto(`${BASE}/students`);
    await page.waitForTimeout(300);   // an onerror would have fired by now
    checkEq('no dialog fired', '', dialogs.join('; '));
    const dom = await page.evaluate(() => ({
        text: document.body.innerText,
        scripts: [...document.scripts].filter((s) => s.textContent.includes('alert(')).length,
        handlers: document.querySelectorAll('[onerror]').length,
    }));
    check('the page text holds the literal <script>alert(1)</script>', dom.text.includes(XSS.first));
    check('... and no script or onerror element came from the name', dom.scripts === 0 && dom.handlers === 0,
        `scripts with alert(: ${dom.scripts}, [onerror] elements: ${dom.handlers}`);
    const full = `${XSS.first} ${XSS.last}`;
    const row = page.locator('#students tr[data-student-id]').filter({ hasText: XSS.first });
    const rows = await row.count();
    checkEq('the new student is listed once', 1, rows);
    await screenshot(page, '4-xss-students.png');
    if (rows !== 1) return;
    checkEq('... with the name as text', full, await text(row.locator('td.name')));

    const seen = dialogs.length;
    await Promise.all([page.waitForURL(/\/students\/\d+$/, { timeout: NAV_MS }), row.locator('td.name a').click()]);
    await page.waitForTimeout(300);
    checkEq("the new student's page is headed with the name as text", full, await text(page.locator('h1')));
    check('... which has no grades yet (#no-grades)', await page.locator('#no-grades').count() === 1);
    checkEq('... and no dialog fired there either', '', dialogs.slice(seen).join('; '));
    await screenshot(page, '5-xss-student.png');
});

await scenario('the list in pages, and a search', async () => {
    // Enough students for two pages (100 a page), through the portal's API; one of them with a
    // name nobody else has.
    const FIND = { first: 'Wilhelmina', last: 'Searchable' };
    const added = [];
    for (let i = 0; i < 120; i++) {
        const name = i === 119 ? FIND : { first: 'Paged', last: `Pupil ${i}` };
        const r = await withTimeout(fetch(`${BASE}/api/students`, {
            method: 'POST', headers: { 'Content-Type': 'application/json', ...API },
            body: JSON.stringify({ FirstName: name.first, LastName: name.last }),
        }), ACTION_MS, 'POST /api/students');
        added.push(r.status);
    }
    checkEq('120 students added through the portal\'s API (201 each)', 120, added.filter((x) => x === 201).length);
    const book = await (await withTimeout(fetch(`${BASE}/api/students`, { headers: API }), ACTION_MS, 'GET /api/students')).json();
    const total = book.length;
    const rowIds = () => page.$$eval('#students tr[data-student-id]', (trs) => trs.map((tr) => Number(tr.dataset.studentId)));

    await page.goto(`${BASE}/students`);
    checkEq('the list shows 100 students', 100, (await rowIds()).length);
    checkEq('... "Page 1 of 2"', 'Page 1 of 2', await text(page.locator('#page-of')));
    checkEq(`... "Students 1–100 of ${total}"`, `Students 1–100 of ${total}`, await text(page.locator('#list-summary')));
    await screenshot(page, '6-list-page-1.png');
    await Promise.all([page.waitForURL(`${BASE}/students?page=2`, { timeout: NAV_MS }), page.click('#pager a[rel=next]')]);
    pass('the "Next" link opens /students?page=2');
    const ids = await rowIds();
    checkEq(`page 2 shows the other ${total - 100}`, total - 100, ids.length);
    checkEq('... the students after the first 100, by ID', book.slice(100).map((s) => s.ID).join(','), ids.join(','));
    checkEq('... "Page 2 of 2"', 'Page 2 of 2', await text(page.locator('#page-of')));
    check('... with a way back and none further',
        await page.locator('#pager a[rel=prev]').count() === 1 && await page.locator('#pager a[rel=next]').count() === 0);
    await screenshot(page, '7-list-page-2.png');

    await page.fill('#search-name', 'wilhelmina');
    await Promise.all([page.waitForURL(/\/students\?name=wilhelmina$/, { timeout: NAV_MS }), page.press('#search-name', 'Enter')]);
    pass('typing a name in the search box and Enter asks for /students?name=wilhelmina');
    const found = page.locator('#students tr[data-student-id]');
    checkEq('one student is found', 1, await found.count());
    checkEq(`... ${FIND.first} ${FIND.last}`, `${FIND.first} ${FIND.last}`, await text(found.first().locator('td.name')));
    checkEq('the search stays in the box', 'wilhelmina', await page.inputValue('#search-name'));
    await screenshot(page, '8-search.png');

    const seen = dialogs.length, NOBODY = '"><img src=y onerror=alert(3)>';
    await page.fill('#search-name', NOBODY);
    await Promise.all([page.waitForURL(/\/students\?name=/, { timeout: NAV_MS }), page.click('#search [type=submit]')]);
    await page.waitForTimeout(300);
    checkEq('a search for HTML shows it as text, in the box', NOBODY, await page.inputValue('#search-name'));
    check('... and in the page, which says nobody matches', (await text(page.locator('#no-students'))).includes(NOBODY));
    checkEq('... and no dialog fired', '', dialogs.slice(seen).join('; '));
    await Promise.all([page.waitForURL(`${BASE}/students`, { timeout: NAV_MS }), page.click('#clear-search')]);
    checkEq('"All students" lists page 1 again', 100, (await rowIds()).length);
});

await scenario('logging out', async () => {
    await page.goto(`${BASE}/students/${NICK.id}`);
    const before = await page.locator('#grades tbody tr').count();
    // The grade form of this page, kept for after the logout.
    const form = await page.$eval('#add-grade', (f) => Object.fromEntries(new FormData(f)));
    await Promise.all([page.waitForURL(`${BASE}/login`, { timeout: NAV_MS }), page.click('#logout [type=submit]')]);
    checkEq('"Log out" lands on the login page', `${BASE}/login`, page.url());
    await page.goto(`${BASE}/students`);
    checkEq('/students now redirects to /login', `${BASE}/login`, page.url());
    // The old form's POST with its (then valid) token: refused, nothing added.
    const r = await context.request.post(`${BASE}/students/${NICK.id}/grades`,
        { form: { ...form, Title: 'After logout', Score: '5' }, maxRedirects: 0, timeout: ACTION_MS });
    checkEq('the grade form after logout is sent to the login page', `303 ${BASE}/login`,
        `${r.status()} ${new URL(r.headers().location || '', BASE).href}`);
    const book = await (await withTimeout(fetch(`${BASE}/api/students/${NICK.id}`, { headers: API }), ACTION_MS, 'GET')).json();
    checkEq('... and added nothing', before, book.Grades.length);
});

checkEq('no JavaScript error on any page', '', pageErrors.join('; '));
await withTimeout(browser.close(), 5000, 'closing the browser').catch((e) => console.log(`    warning: ${e.message}`));
end();
