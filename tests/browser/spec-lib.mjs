// spec-lib.mjs - what the browser specs share: the PASS:/FAIL: lines and
// the last line "SPEC-END: N passed, M failed" that tests/box/browser-lib.sh
// counts; scenarios (a thrown error is one FAIL and ends that scenario, not
// the script); and a watchdog that ends the script in time, closing the
// browser first (chromium's helper processes would otherwise outlive node
// for seconds, holding its stdout open).
let passed = 0, failed = 0, timedOut = false, cleanup = () => {};

export const pass = (desc) => { if (timedOut) return; passed++; console.log(`PASS: ${desc}`); };
export const fail = (desc, context) => {
    failed++; console.log(`FAIL: ${desc}`);
    // eslint-disable-next-line no-control-regex
    if (context) console.log(String(context).replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(0, 12).map((l) => `    | ${l}`).join('\n'));
};
export const check = (desc, ok, context) => (ok ? pass(desc) : fail(desc, context));
export const checkEq = (desc, expected, actual) =>
    check(desc, expected === actual, `expected: ${JSON.stringify(expected)}\nactual:   ${JSON.stringify(actual)}`);
export const firstLine = (e) => String((e && e.message) || e).split('\n')[0];

// FN runs once, at the end, before the process exits.
export function onEnd(fn) { cleanup = fn; }

export function end() {
    console.log(`SPEC-END: ${passed} passed, ${failed} failed`);
    cleanup();
    process.exit(failed === 0 ? 0 : 1);
}

export function withTimeout(promise, ms, what) {
    let t;
    return Promise.race([promise, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: no end after ${ms} ms`)), ms); })])
        .finally(() => clearTimeout(t));
}

// After MS: one FAIL ("WHAT finished within ..."), the browser (BROWSER() may be
// undefined) closed within 3 s, and end().
export function watchdog(ms, what, browser) {
    setTimeout(() => {
        timedOut = true;
        fail(`${what} finished within ${ms / 1000} s`);
        const b = browser();
        withTimeout(b ? b.close() : Promise.resolve(), 3000, 'closing the browser').catch(() => {}).finally(end);
    }, ms);
}

export async function scenario(name, fn) {
    if (timedOut) return;
    try { await fn(); } catch (e) { if (!timedOut) fail(`${name}: ${firstLine(e)}`, e && e.message); }
}

// Debian's chromium, and the flags this machine needs (see .library/env/machines/c.md): no
// sandbox as root, no GPU, and no background connections (the closed network refuses them).
// playwright-core adds --headless and a fresh temporary --user-data-dir (removed again on
// close) by itself.
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const LAUNCH_MS = 20000;

// Starts chromium headless through playwright-core's CHROMIUM_TYPE, with EXTRA_ARGS too: one
// PASS and the browser, or one FAIL and end().
export async function launchChromium(chromiumType, extraArgs = []) {
    try {
        const browser = await chromiumType.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs],
            timeout: LAUNCH_MS });
        pass(`chromium starts headless (${browser.version()})`);
        return browser;
    } catch (e) {
        fail(`chromium starts headless (${CHROMIUM})`, e && e.message);
        return end();
    }
}
