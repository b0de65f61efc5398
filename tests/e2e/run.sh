#!/bin/bash
# End-to-end test: guad seen through a real browser.
#
# Debian's headless Chromium (/usr/bin/chromium, package "chromium", installed
# by `sh tests/deps.sh test`), driven by playwright-core from npm, loads the
# pages, checks the image and the stylesheet, submits the message form, and
# saves screenshots (browser.test.mjs); a directory listing, the 404 and a
# 503 page, from a second guad that pages.test.mjs starts, shot at desktop
# and phone widths with their stylesheet and sort links checked
# (pages.test.mjs); and a second loopback origin's page
# that tries to post to the board is refused (security.test.mjs).  `make check` runs this file as one test: exit 0 pass,
# non-zero fail (automake's 77/99 are not used: a missing browser is a failure,
# never a silent skip).
#
# Environment:
#   GUAD           the built binary (default: src/guad, relative to the cwd)
#   SRCDIR         top of the source tree (default: .); read-only is fine
#   E2E_ARTIFACTS  where the screenshots go (default: $PWD/tests/e2e/artifacts)
#   CHROMIUM       the browser (default: /usr/bin/chromium)
#
# It starts guad itself on an ephemeral port of 127.0.0.1 with a gua.ini in a
# temporary directory and stops it (by its pid) at the end.  node_modules is
# installed with `npm ci` next to package.json when that folder is writable,
# or else in a temporary directory (make distcheck: read-only source tree).
# SPDX-License-Identifier: ISC
set -u

me=${0##*/}
fail() { echo "$me: FAIL: $*" >&2; exit 1; }

GUAD=${GUAD:-src/guad}
SRCDIR=${SRCDIR:-.}
case $GUAD in /*) ;; *) GUAD=$PWD/$GUAD ;; esac
SRCDIR=$(cd "$SRCDIR" 2>/dev/null && pwd) || fail "SRCDIR: no such directory"
E2E=$SRCDIR/tests/e2e
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
E2E_ARTIFACTS=${E2E_ARTIFACTS:-$PWD/tests/e2e/artifacts}
case $E2E_ARTIFACTS in /*) ;; *) E2E_ARTIFACTS=$PWD/$E2E_ARTIFACTS ;; esac

# --- what the test needs --------------------------------------------------
[ -x "$GUAD" ] || fail "no guad binary at $GUAD (build it first: make)"
[ -f "$E2E/package-lock.json" ] || fail "no $E2E/package-lock.json (SRCDIR=$SRCDIR)"
[ -x "$CHROMIUM" ] ||
    fail "no browser at $CHROMIUM: install Debian's \"chromium\" package" \
	"(sh tests/deps.sh test, or apt-get install chromium)"
command -v node >/dev/null 2>&1 ||
    fail "no node: install Node.js 18 or newer (Debian package \"nodejs\")"
command -v npm >/dev/null 2>&1 ||
    fail "no npm: install npm (it comes with Node.js 18 or newer)"
node_major=$(node -p 'process.versions.node.split(".")[0]') || node_major=0
[ "$node_major" -ge 18 ] 2>/dev/null ||
    fail "node $(node --version 2>/dev/null) is too old: playwright-core needs 18 or newer"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/guad-e2e.XXXXXX") || fail "mktemp failed"
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- node_modules: playwright-core, exactly as package-lock.json pins it ----
# Reinstalled when missing or when it is not the version package.json pins.
deps_ok() {
	node -e '
		const fs = require("fs"), path = require("path");
		const want = require(path.join(process.argv[1], "package.json"))
		    .devDependencies["playwright-core"];
		const have = require(path.join(process.argv[1],
		    "node_modules/playwright-core/package.json")).version;
		process.exit(want === have ? 0 : 1);' "$1" 2>/dev/null
}
npm_ci() {
	echo "$me: npm ci in $1"
	(cd "$1" && npm ci --no-audit --no-fund --loglevel=error) >"$tmp/npm.log" 2>&1 ||
	    { cat "$tmp/npm.log" >&2; fail "npm ci failed in $1"; }
}
# Root may write anywhere, so also honour the mode bits that make distcheck's
# source tree read-only (chmod a-w), not only what test -w says.
if [ -w "$E2E" ] && [ -n "$(find "$E2E" -maxdepth 0 -perm -u=w 2>/dev/null)" ]; then
	deps=$E2E
else
	deps=$tmp/deps
	mkdir -p "$deps" && cp "$E2E/package.json" "$E2E/package-lock.json" "$deps/" ||
	    fail "cannot copy package.json to $deps"
fi
deps_ok "$deps" || npm_ci "$deps"
deps_ok "$deps" || fail "playwright-core is not installed in $deps/node_modules"

# --- guad on an ephemeral port --------------------------------------------
# As root, the workers run as nobody (guad refuses to keep root in them).
user=
[ "$(id -u)" -eq 0 ] && user="user = nobody"
cat >"$tmp/gua.ini" <<EOF
[server]
host = 127.0.0.1
port = 0
workers = 2
root = $SRCDIR/www
error_log = stderr
access_log = $tmp/access.log
$user

[msg]
db = $tmp/msg.db

[routes]
/ = file index.html
/doge.gif = file doge.gif
/msg = msg msg.html
/static/ = dir static
EOF

"$GUAD" -c "$tmp/gua.ini" 2>"$tmp/guad.log" &
pid=$!
port=
for _ in $(seq 100); do	# 10 s at most
	if grep -q 'ready: ' "$tmp/guad.log" 2>/dev/null; then
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
		    "$tmp/guad.log" | head -n 1)
		break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$port" ]; then
	echo "--- guad log" >&2
	cat "$tmp/guad.log" >&2
	fail "guad did not log 'listening on 127.0.0.1:PORT' and 'ready: N workers' within 10 s"
fi
echo "$me: guad (pid $pid) listening on 127.0.0.1:$port"

# --- the browser tests ----------------------------------------------------
mkdir -p "$E2E_ARTIFACTS" || fail "cannot create $E2E_ARTIFACTS"
mkdir -p "$tmp/tmp"
GUAD=$GUAD \
GUAD_URL=http://127.0.0.1:$port \
E2E_DEPS=$deps \
E2E_ARTIFACTS=$E2E_ARTIFACTS \
TMPDIR=$tmp/tmp \
CHROMIUM=$CHROMIUM \
    timeout -k 5 120 node --test --test-reporter=spec \
	"$E2E"/*.test.mjs
status=$?
[ "$status" -eq 124 ] && echo "$me: FAIL: the browser tests took more than 120 s" >&2

if ! kill -0 "$pid" 2>/dev/null; then
	echo "$me: FAIL: guad died during the tests" >&2
	status=1
fi
if [ "$status" -ne 0 ]; then
	echo "--- guad log" >&2
	cat "$tmp/guad.log" >&2
fi
echo "$me: screenshots in $E2E_ARTIFACTS"
exit "$status"
