# browser-lib.sh - what the browser box tests (test-browser*.sh) need on the host, sourced after
# lib.sh. Sets BROWSER_DIR (tests/browser) and CHROMIUM (Debian's /usr/bin/chromium).
# browser_host_ready: checks that chromium and node (>= 18) are there and that
# tests/browser/node_modules holds the playwright-core of package-lock.json (reused when it does,
# so it works offline; else `npm ci`); one PASS for playwright-core, or one FAIL saying what to
# install and then `finish` (the test ends there).
# shellcheck shell=bash
BROWSER_DIR=$REPO/tests/browser
CHROMIUM=/usr/bin/chromium

need_packages() {   # need_packages WHAT: one FAIL that says what to install, then the end
    box__fail "$1" "install the Debian packages: apt-get install --no-install-recommends chromium nodejs npm"
    finish
}

browser_host_ready() {
    local node_major want have npm_out
    [ -x "$CHROMIUM" ] || need_packages "chromium is not installed ($CHROMIUM is missing)"
    command -v node >/dev/null || need_packages "node is not installed (no node in PATH)"
    node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || node_major=0
    [ "$node_major" -ge 18 ] 2>/dev/null || need_packages "node $(node --version 2>/dev/null) is too old (need >= 18)"

    want=$(node -p 'require(process.argv[1]).packages["node_modules/playwright-core"].version' \
               "$BROWSER_DIR/package-lock.json" 2>/dev/null)
    have=$(browser__have_version || true)
    if [ -z "$have" ] || [ "$have" != "$want" ]; then
        if ! command -v npm >/dev/null; then
            [ -n "$have" ] || need_packages "npm is not installed, and tests/browser/node_modules is missing"
            echo "    npm is not installed: using playwright-core $have from node_modules (the lock wants $want)"
        else
            echo "    npm ci in tests/browser (node_modules has ${have:-nothing}, the lock wants $want)"
            npm_out=$(cd "$BROWSER_DIR" && timeout -k 5 180 npm ci --no-audit --no-fund 2>&1) ||
                echo "    npm ci failed:"$'\n'"$(tail -n 5 <<<"$npm_out" | sed 's/^/    | /')"
            have=$(browser__have_version || true)
        fi
    fi
    check_match "playwright-core is installed in tests/browser/node_modules (lock: $want)" '^1\.' "${have:-none}"
    [ -n "$have" ] || finish
}

browser__have_version() {
    node -p 'require(process.argv[1]).version' "$BROWSER_DIR/node_modules/playwright-core/package.json" 2>/dev/null
}

# browser_run_spec TIMEOUT SPEC [VAR=VALUE...]: runs `node SPEC` in tests/browser with CHROMIUM
# and the VARs in its environment, killed after TIMEOUT s. Its "PASS: x"/"FAIL: x" lines count
# here as "browser: x", other lines are echoed; its "SPEC-END: ..." line is echoed as
# "    browser spec: ... (exit N)$BROWSER_SPEC_NOTE"; without one (the spec did not run to its
# end), one FAIL.
browser_run_spec() {
    local timeout=$1 spec=$2 ended='' rc=0 line; shift 2
    while IFS= read -r line; do
        case $line in
            "PASS: "*) box__pass "browser: ${line#PASS: }" ;;
            "FAIL: "*) box__fail "browser: ${line#FAIL: }" ;;
            "SPEC-END: "*) ended=${line#SPEC-END: } ;;
            *) echo "$line" ;;   # context of a FAIL, where a screenshot went
        esac
    done < <(cd "$BROWSER_DIR" && env CHROMIUM="$CHROMIUM" "$@" timeout -k 5 "$timeout" node "$spec" 2>&1)
    wait $! || rc=$?
    if [ -n "$ended" ]; then
        echo "    browser spec: $ended (exit $rc)${BROWSER_SPEC_NOTE:-}"
    else
        box__fail "the browser spec ran to its end" "exit $rc$([ $rc = 124 ] && echo ": killed after $timeout s")"
    fi
}
