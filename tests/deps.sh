#!/bin/sh
# Installs, with apt-get on Debian 12, what guad needs: "run" to build and
# run it, "test" to run its whole test suite as well.
# SPDX-License-Identifier: ISC
set -eu

# media-types: /etc/mime.types, the table of types by file extension.
build="build-essential autoconf automake pkg-config libinih-dev libmagic-dev
libsqlite3-dev libssl-dev libpq-dev media-types"
# check: the unit tests (guad itself builds without it).
# chromium, nodejs and a CJK font: the browser tests (tests/e2e) and their
# screenshots; clang: the sanitizer build and the fuzzers; cppcheck,
# clang-tidy and clang-format: make lint; mandoc: tests/man.sh;
# postgresql: the PostgreSQL store's tests (tests/integration/test_pg.py).
# dpkg-dev, debhelper, devscripts, lintian, fakeroot, debootstrap, iproute2:
# tests/package.sh builds the .deb and installs it on a fresh Debian root.
# prometheus: its promtool checks /metrics (tests/integration/test_status.py).
# testssl.sh: judges the HTTPS listener (tests/integration/test_testssl.py).
# strace: shows whether a worker asks the kernel for kTLS
# (tests/integration/test_https.py).
test="python3 curl groff-base systemd clang libclang-rt-14-dev chromium nodejs
fonts-wqy-zenhei cppcheck clang-tidy clang-format mandoc check
dpkg-dev debhelper devscripts lintian fakeroot debootstrap iproute2
postgresql prometheus testssl.sh strace"

# The HTTPS benchmark (bench/tls.sh): the servers it measures guad
# against, lighttpd's TLS module, wrk, openssl's s_time and valgrind.
bench="nginx lighttpd lighttpd-mod-openssl h2o wrk openssl valgrind"

case "${1:-run}" in
run)	pkgs=$build ;;
test)	pkgs="$build $test" ;;
bench)	pkgs="$build $bench" ;;
*)	echo "usage: sh tests/deps.sh [run|test|bench]" >&2; exit 2 ;;
esac

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	# installing a server must not start its system service
	policy=
	if [ "${1:-run}" = bench ] && [ -z "$sudo" ] &&
	    [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy=/usr/sbin/policy-rc.d
	fi
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing
	[ -z "$policy" ] || rm -f "$policy"
fi
# Debian's nodejs comes without npm (NodeSource's includes it and conflicts
# with Debian's npm package): add npm only where it is missing.
if [ "${1:-run}" = test ] && ! command -v npm >/dev/null 2>&1; then
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends npm
fi
