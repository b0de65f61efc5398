#!/bin/sh
# Installs, with apt-get on Debian 12, what guad needs: "run" to build and
# run it, "test" to run its whole test suite as well.
set -eu

build="build-essential autoconf automake pkg-config libinih-dev libmagic-dev
libsqlite3-dev check"
test="python3 curl groff-base systemd"

case "${1:-run}" in
run)	pkgs=$build ;;
test)	pkgs="$build $test" ;;
*)	echo "usage: sh tests/deps.sh [run|test]" >&2; exit 2 ;;
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
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing
fi
