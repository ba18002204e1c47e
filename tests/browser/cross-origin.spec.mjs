// cross-origin.spec.mjs - a hostile web page, in a real browser, cannot change or read a grade.
//
// Proves (issue 13, "the original's clients keep working, web pages never do"): while the browser
// holds a logged-in teacher's session for the portal, a page served from another origin - first
// http://127.0.0.1:HOSTILE_PORT (another port of the portal's host: same site, so the browser
// sends the SameSite=Strict session cookie along), then http://localhost:HOSTILE_PORT (another
// site) - whose script tries
//   1. fetch POST text/plain, no-cors, with credentials, to the portal's /api/students/1/grades,
//   2. fetch POST text/plain, no-cors, straight to the grading service's :6000/students/1/grades,
//   3. an auto-submitted HTML form POST (Title/Type/Score) to the portal's /students/1/grades,
//      into a hidden iframe,
//   4. fetch DELETE (cors, so preflighted) of :6000/students/1/grades/0,
//   5. fetch GET (cors) of :6000/students, and of the portal's /api/students with credentials,
// reads nothing: each attempt recorded into the page's DOM (by the page's own script) either
// failed or gave an opaque answer with no status and no body, and the form's answer in the iframe
// cannot be read; the DELETE and both GETs failed outright. The three POSTs (which need no
// preflight) reached the services - the browser saw an answer to each - and each was answered
// with a refusal (4xx), not 2xx or 3xx. The
// teacher's session was live all along (after the attacks the student's page opens without a new
// login). That the grade book did not change is asserted by tests/box/test-browser-cross-origin.sh,
// which asks the grading service itself before and after, as the original's clients do.
//
// Chromium refuses port 6000 (X11) by default (ERR_UNSAFE_PORT), which would make attempts 2, 4
// and 5 fail without ever reaching the grading service: it is started with
// --explicitly-allowed-ports=6000 so that the service's own checks are what is tested.
//
//   node cross-origin.spec.mjs
//
// Prints one line per check, "PASS: description" or "FAIL: description" (context lines after a
// FAIL start with "    | "), then "SPEC-END: N passed, M failed". Exit status 0 iff nothing
// failed. Bounded: every wait has a timeout and a watchdog ends the script after 40 s.
//
// Environment:
//   PORTAL_URL    the portal (default http://127.0.0.1:5000)
//   GRADING_URL   the grading service (default http://127.0.0.1:6000)
//   HOSTILE_PORT  the port the hostile page is served on, by this script (default 8999)
//   CHROMIUM      the browser (default /usr/bin/chromium, Debian's package)
//   TEACHER, PASSWORD  a teacher's name and password (dgoctl teacher add)
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { check, checkEq, end, fail, launchChromium, onEnd, pass, scenario, watchdog, withTimeout } from './spec-lib.mjs';

const BASE = (process.env.PORTAL_URL || 'http://127.0.0.1:5000').replace(/\/+$/, '');
const GRADING = (process.env.GRADING_URL || 'http://127.0.0.1:6000').replace(/\/+$/, '');
const HOSTILE_PORT = Number(process.env.HOSTILE_PORT || 8999);
const TEACHER = process.env.TEACHER || 'teacher';
const PASSWORD = process.env.PASSWORD || '';
const ACTION_MS = 5000, NAV_MS = 10000, TOTAL_MS = 40000;
const GRADING_PORT = new URL(GRADING).port || '80';


let browser, server;
onEnd(() => { if (server) server.close(); });
watchdog(TOTAL_MS, 'the cross-origin spec', () => browser);

// The hostile page. Its script makes the attempts one after the other and writes what each saw
// into <pre id=seen> as JSON; "done" is set last.
const GRADE = JSON.stringify({ Title: 'Hostile page', Type: 'Quiz', Score: 1 });
const hostilePage = () => `<!doctype html>
<meta charset=utf-8><title>Free marks</title>
<pre id=seen>{}</pre>
<iframe name=sink id=sink></iframe>
<form id=grade-form method=POST action="${BASE}/students/1/grades" target=sink>
<input name=Title value="Hostile form"><input name=Type value=Quiz><input name=Score value=1>
</form>
<script>
const seen = {};
const record = (name, what) => { seen[name] = what; document.getElementById('seen').textContent = JSON.stringify(seen); };
async function attempt(name, url, init) {
    try {
        const r = await fetch(url, init);
        let body;
        try { body = await r.text(); } catch (e) { body = 'unreadable: ' + e.name; }
        record(name, { outcome: 'answered', type: r.type, status: r.status, body: body.slice(0, 200) });
    } catch (e) {
        record(name, { outcome: 'error', error: String(e) });
    }
}
(async () => {
    const text = { 'Content-Type': 'text/plain' };
    await attempt('api-post', ${JSON.stringify(`${BASE}/api/students/1/grades`)},
        { method: 'POST', mode: 'no-cors', credentials: 'include', headers: text, body: ${JSON.stringify(GRADE)} });
    await attempt('grading-post', ${JSON.stringify(`${GRADING}/students/1/grades`)},
        { method: 'POST', mode: 'no-cors', credentials: 'include', headers: text, body: ${JSON.stringify(GRADE)} });
    await attempt('grading-delete', ${JSON.stringify(`${GRADING}/students/1/grades/0`)},
        { method: 'DELETE', mode: 'cors', credentials: 'include' });
    await attempt('grading-read', ${JSON.stringify(`${GRADING}/students`)}, { mode: 'cors' });
    await attempt('api-read', ${JSON.stringify(`${BASE}/api/students`)}, { mode: 'cors', credentials: 'include' });
    const sink = document.getElementById('sink');
    sink.onload = () => {
        let what;
        try { what = { outcome: 'answered', body: sink.contentDocument.body.innerText.slice(0, 200) }; }
        catch (e) { what = { outcome: 'error', error: String(e) }; }
        record('form', what);
        record('done', true);
    };
    document.getElementById('grade-form').submit();
})();
</script>
`;

// What a page may have seen and still have read nothing: an error, or an opaque answer.
const readNothing = (s) => !!s && (s.outcome === 'error' || (s.type === 'opaque' && s.status === 0 && s.body === ''));

// ---------------------------------------------------------------------------------------------
server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(hostilePage());
});
try {
    // '::' takes IPv4 too: the page is reached as 127.0.0.1 and as localhost (::1 or 127.0.0.1).
    await withTimeout(new Promise((resolve, reject) => { server.once('error', reject); server.listen(HOSTILE_PORT, '::', resolve); }),
        ACTION_MS, 'listen');
    pass(`the hostile page is served on port ${HOSTILE_PORT}`);
} catch (e) {
    fail(`the hostile page is served on port ${HOSTILE_PORT}`, e && e.message);
    end();
}
// Chromium as spec-lib.mjs starts it, plus port 6000 allowed (see above).
browser = await launchChromium(chromium, [`--explicitly-allowed-ports=${GRADING_PORT}`]);
const context = await browser.newContext();
const page = await context.newPage();
page.setDefaultTimeout(ACTION_MS);
page.setDefaultNavigationTimeout(NAV_MS);

await scenario('logging in', async () => {
    await page.goto(`${BASE}/login`);
    await page.fill('#user', TEACHER);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(`${BASE}/students`, { timeout: NAV_MS }), page.click('#login [type=submit]')]);
    checkEq('the teacher is logged in: /students', `${BASE}/students`, page.url());
    const cookie = (await context.cookies(BASE)).find((c) => c.name === 'dgo_session');
    check('the browser holds the session cookie', !!cookie, JSON.stringify(await context.cookies(BASE)));
});

// The services' answers as the browser saw them (not the page): method, URL, status.
const answers = [];
page.on('response', (r) => {
    const u = r.url();
    if (u.startsWith(BASE) || u.startsWith(GRADING)) answers.push({ method: r.request().method(), url: u, status: r.status() });
});

for (const host of ['127.0.0.1', 'localhost']) {
    const origin = `http://${host}:${HOSTILE_PORT}`;
    await scenario(`the page from ${origin}`, async () => {
        answers.length = 0;
        await page.goto(`${origin}/`);
        await page.waitForFunction(() => JSON.parse(document.getElementById('seen').textContent).done === true,
            null, { timeout: NAV_MS });
        const seen = JSON.parse(await page.textContent('#seen'));
        const what = {
            'api-post': `a text/plain no-cors POST to ${BASE}/api/students/1/grades`,
            'grading-post': `a text/plain no-cors POST to ${GRADING}/students/1/grades`,
            'form': `a form POST to ${BASE}/students/1/grades (its answer in an iframe)`,
            'grading-delete': `a cors DELETE of ${GRADING}/students/1/grades/0`,
            'grading-read': `a cors GET of ${GRADING}/students`,
            'api-read': `a cors GET of ${BASE}/api/students with the session cookie`,
        };
        for (const [name, desc] of Object.entries(what))
            check(`${origin}: ${desc}: the page read nothing`, readNothing(seen[name]), JSON.stringify(seen[name]));
        for (const name of ['grading-delete', 'grading-read', 'api-read'])
            checkEq(`${origin}: ${what[name]}: failed in the page`, 'error', seen[name] && seen[name].outcome);

        // The POSTs (no preflight) reached the services, which refused them. (A response the
        // browser blocks for want of CORS headers is not reported to the driver, so the GETs and
        // the preflighted DELETE are judged by what the page saw, above.)
        for (const url of [`${BASE}/api/students/1/grades`, `${GRADING}/students/1/grades`, `${BASE}/students/1/grades`]) {
            const a = answers.find((x) => x.method === 'POST' && x.url === url);
            if (!a) fail(`${origin}: POST ${url} reached the service`, JSON.stringify(answers));
            else check(`${origin}: POST ${url} reached the service and was refused (${a.status})`, a.status >= 400 && a.status < 500, JSON.stringify(a));
        }
        console.log(`    answers seen by the browser: ${answers.map((a) => `${a.method} ${a.url} ${a.status}`).join('; ')}`);
    });
}

await scenario('the session after the attacks', async () => {
    await page.goto(`${BASE}/students/1`);
    checkEq("the teacher's session was live throughout: /students/1 opens without a login", `${BASE}/students/1`, page.url());
});

await withTimeout(browser.close(), 5000, 'closing the browser').catch((e) => console.log(`    warning: ${e.message}`));
end();
