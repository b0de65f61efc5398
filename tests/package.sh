#!/usr/bin/env bash
# The Debian package as an operator meets it: built from a clean clone of
# HEAD, checked by lintian, installed with apt-get on a pristine Debian 12
# root, run there as guad.service runs it, then purged.
#
# The root is made once with debootstrap --variant=minbase from the
# machine's own mirror and kept as a tarball in /var/cache/guad-tests/;
# the .debs apt fetches for it are kept there too. guad runs inside the
# root in network, mount and pid namespaces of its own, so its port 80 is
# not the machine's and nothing it starts outlives the test. Needs root,
# dpkg-buildpackage, lintian, debootstrap, unshare, ip and curl
# (sh tests/deps.sh test installs them). Exit 77 (skipped) says why when
# it cannot run here: no dpkg-buildpackage, not root, not a git checkout,
# or a sanitizer build (the package is built from the sources, not from
# this build, so building it once per commit is enough).
# SPDX-License-Identifier: ISC
set -euo pipefail

started=$(date +%s)
srcdir=$(cd "${SRCDIR:-.}" && pwd)
cache=${GUADTEST_PACKAGE_CACHE:-/var/cache/guad-tests}
suite=bookworm
tarball=$cache/$suite-minbase.tar.gz

skip() {
	echo "SKIP: $*"
	exit 77
}
fail() {
	echo "FAIL: $*" >&2
	echo "($(($(date +%s) - started)) s)" >&2
	exit 1
}
step() {
	echo "== $* ($(($(date +%s) - started)) s)"
}

command -v dpkg-buildpackage >/dev/null 2>&1 ||
    skip "dpkg-buildpackage is not installed (Debian: dpkg-dev)"
[ "$(id -u)" -eq 0 ] ||
    skip "needs root: debootstrap, chroot and namespaces"
case ${GUAD_SAN_CFLAGS:-} in
*sanitize*) skip "sanitizer build: the package does not use it" ;;
esac
top=$(git -C "$srcdir" rev-parse --show-toplevel 2>/dev/null) ||
    skip "$srcdir is not a git checkout (the package is built from HEAD)"
[ "$(cd "$top" && pwd -P)" = "$(cd "$srcdir" && pwd -P)" ] ||
    skip "$srcdir is not the top of its git checkout (a dist tree?)"
for tool in lintian debootstrap unshare ip curl fakeroot; do
	command -v $tool >/dev/null 2>&1 ||
	    fail "$tool is not installed: sh tests/deps.sh test installs it"
done

# Containers without CAP_SYS_ADMIN cannot make namespaces: say so exactly.
if ! why=$(unshare --mount --pid --net --fork true 2>&1); then
	skip "cannot make mount, pid and network namespaces here: $why"
fi

work=$(mktemp -d /tmp/guad-package.XXXXXX)
cleanup() {
	# Everything started inside the namespaces is gone with them; the
	# root may still hold a mount if a step was interrupted.
	umount -R "$work/root/proc" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# -- build ------------------------------------------------------------------
commit=$(git -C "$top" rev-parse HEAD)
step "cloning $commit"
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
	echo "note: uncommitted changes in $top are not in the package"
fi
git clone -q --no-checkout "$top" "$work/src/guad"
git -C "$work/src/guad" checkout -q --detach "$commit"
version=$(cd "$work/src/guad" && dpkg-parsechangelog -S Version)
deb=guad_${version}_$(dpkg --print-architecture).deb

step "dpkg-buildpackage -us -uc -b ($version)"
if ! (cd "$work/src/guad" &&
    DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
    timeout 600 dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log" >&2
	fail "dpkg-buildpackage failed"
fi
ls "$work/src/$deb" >/dev/null || fail "no $deb"
ls "$work"/src/guad-dbgsym_*.deb >/dev/null 2>&1 || fail "no -dbgsym package"
dpkg-deb -c "$work/src/$deb" | awk '{print $6}' >"$work/contents"

step "lintian"
timeout 300 lintian --tag-display-limit 0 "$work"/src/guad_*.changes \
    >"$work/lintian.log" 2>&1 || true
cat "$work/lintian.log"
if grep -q '^E: ' "$work/lintian.log"; then
	fail "lintian reports errors"
fi

# -- a pristine Debian 12 root ------------------------------------------------
# The mirror this machine uses (deb822 or one-line sources), else Debian's.
mirror=$(
	{ cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
	    awk '/^URIs:/ { u = $2 } /^Suites:/ && / '$suite'( |$)/ && u !~ /security/ { print u; exit }'
)
[ -n "$mirror" ] || mirror=$(
	{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
	    awk '$1 == "deb" && $3 == "'$suite'" { print $2; exit }'
)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

mkdir -p "$cache"
exec 9>"$cache/lock"
flock -w 900 9 || fail "$cache/lock: held by another run for 15 min"
if [ ! -s "$tarball" ]; then
	step "debootstrap --variant=minbase $suite from $mirror (cached after)"
	if ! timeout 900 debootstrap --variant=minbase "$suite" \
	    "$work/boot" "$mirror" >"$work/debootstrap.log" 2>&1; then
		tail -n 30 "$work/debootstrap.log" >&2
		fail "debootstrap failed"
	fi
	tar -C "$work/boot" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rm -rf "$work/boot"
fi
flock -u 9
step "unpacking $tarball"
mkdir "$work/root"
tar -C "$work/root" -xzf "$tarball"
root=$work/root
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$work/src/$deb" "$root/tmp/"
mkdir -p "$cache/archives/partial"

# in_root SECONDS SCRIPT: runs SCRIPT with bash in the root, in new mount
# and pid namespaces (nothing it starts outlives it), with /proc and the
# shared apt archive cache, for at most SECONDS.
in_root() {
	timeout "$1" unshare --mount --pid --fork --kill-child -- bash -c '
		set -e
		mount -t proc proc "$1/proc"
		mount --bind "$2/archives" "$1/var/cache/apt/archives"
		exec chroot "$1" /usr/bin/env -i \
		    PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		    DEBIAN_FRONTEND=noninteractive bash -euo pipefail -c "$3"
	' in_root "$root" "$cache" "$2"
}

# -- install ----------------------------------------------------------------
step "apt-get install ./$deb in the $suite root"
if ! in_root 600 "apt-get update -qq &&
    apt-get install -y -q --no-install-recommends ./tmp/$deb" \
    >"$work/install.log" 2>&1; then
	tail -n 40 "$work/install.log" >&2
	fail "apt-get install ./$deb failed"
fi
grep -E '^(Setting up|Created symlink)' "$work/install.log" || true

expect() { # what, then a test command
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
owner() { # path in the root -> user:group as the root names them
	chroot "$root" stat -c %U:%G "$1"
}
expect "_guad is a system user without a login shell" \
    grep -Eq '^_guad:x:[0-9]{1,3}:[0-9]+:[^:]*:/var/lib/guad:(/usr/sbin/nologin|/sbin/nologin|/bin/false)$' \
    "$root/etc/passwd"
expect "/var/lib/guad belongs to _guad" test "$(owner /var/lib/guad)" = _guad:_guad
expect "/var/log/guad exists" test -d "$root/var/log/guad"
expect "/etc/guad/gua.ini is a conffile" \
    grep -qx /etc/guad/gua.ini "$root/var/lib/dpkg/info/guad.conffiles"
expect "guad.service is enabled" \
    test -L "$root/etc/systemd/system/multi-user.target.wants/guad.service"
expect "the logrotate file sends USR1 (guad -s reopen)" \
    grep -q 'guad -s reopen' "$root/etc/logrotate.d/guad"
expect "the unit starts guad -c /etc/guad/gua.ini, Type=notify" \
    grep -q '^ExecStart=/usr/sbin/guad -c /etc/guad/gua.ini$' \
    "$root/lib/systemd/system/guad.service"
grep -q '^Type=notify$' "$root/lib/systemd/system/guad.service" ||
    fail "guad.service is not Type=notify"

# -- run it as the unit does ------------------------------------------------
# systemd does not run in the root: guad -c /etc/guad/gua.ini as root, in
# a network namespace of its own; the master binds [::]:80 and its
# workers drop to _guad. The client is curl from this machine, inside
# that namespace (the root has no curl).
step "guad -c /etc/guad/gua.ini in the root, port 80, its own network"
cat >"$work/run.sh" <<'EOF'
set -u
root=$1
fail() { echo "FAIL: $*" >&2; kill "$pid" 2>/dev/null; exit 1; }
ok() { echo "ok: $*"; }
# This namespace's own /proc, for ps and for the root.
mount -t proc proc /proc
mount -t proc proc "$root/proc"
ip link set lo up
chroot "$root" /usr/sbin/guad -c /etc/guad/gua.ini \
    >"$root/tmp/guad.out" 2>&1 &
pid=$!
log() { cat "$root/tmp/guad.out"; }
for _ in $(seq 100); do
	grep -q 'ready:' "$root/tmp/guad.out" && break
	kill -0 "$pid" 2>/dev/null || { log; fail "guad exited before it was ready"; }
	sleep 0.1
done
grep -q 'ready:' "$root/tmp/guad.out" || { log; fail "guad not ready in 10 s"; }
grep -q 'listening on \[::\]:80' "$root/tmp/guad.out" ||
    { log; fail "not listening on [::]:80"; }
c() { curl -sS --max-time 5 -g "$@"; }
for base in http://127.0.0.1 'http://[::1]'; do
	body=$(c "$base/") || fail "GET $base/"
	case $body in *"Hello Gua"*) ok "GET $base/ says Hello Gua" ;;
	*) fail "GET $base/: $body" ;; esac
done
code=$(c -o "$root/tmp/doge.gif" -w '%{http_code} %{content_type}' \
    http://127.0.0.1/doge.gif) || fail "GET /doge.gif"
[ "$code" = "200 image/gif" ] || fail "GET /doge.gif: $code"
cmp -s "$root/tmp/doge.gif" "$root/usr/share/guad/www/doge.gif" ||
    fail "GET /doge.gif: not the installed file"
ok "GET /doge.gif is the image"
code=$(c -o /dev/null -w '%{http_code}' -d message=hello-from-the-package \
    'http://[::1]/msg') || fail "POST /msg"
[ "$code" = 303 ] || fail "POST /msg answered $code"
c 'http://127.0.0.1/msg' | grep -q hello-from-the-package ||
    fail "GET /msg does not show the message"
owner=$(chroot "$root" stat -c %U "/var/lib/guad/msg.db") ||
    fail "no /var/lib/guad/msg.db"
[ "$owner" = _guad ] || fail "/var/lib/guad/msg.db belongs to $owner"
ok "POST /msg stored in /var/lib/guad/msg.db (owner _guad)"
# uids: the root's _guad may be another user's uid on this machine.
uid=$(chroot "$root" id -u _guad)
workers=$(ps -o uid= --ppid "$pid" | tr -d ' ' | sort -u | tr '\n' ' ')
[ "$workers" = "$uid " ] || fail "workers run as uid $workers, not $uid"
ok "workers run as _guad"
grep -q '"GET /doge.gif HTTP/1.1" 200 ' "$root/var/log/guad/access.log" ||
    fail "/var/log/guad/access.log has no GET /doge.gif"
ok "requests logged in /var/log/guad/access.log"
chroot "$root" /usr/sbin/guad -t || fail "guad -t"
ok "guad -t"
chroot "$root" /usr/sbin/guad -s reload || fail "guad -s reload"
for _ in $(seq 100); do
	grep -q 'reloaded:' "$root/tmp/guad.out" && break
	sleep 0.1
done
grep -q 'reloaded:' "$root/tmp/guad.out" || { log; fail "no reload in 10 s"; }
c http://127.0.0.1/ | grep -q "Hello Gua" || fail "GET / after the reload"
ok "guad -s reload: reloaded, still serving"
chroot "$root" /usr/sbin/guad -s quit || fail "guad -s quit"
for _ in $(seq 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "guad -s quit: still running after 10 s"
wait "$pid"
status=$?
[ "$status" -eq 0 ] || { log; fail "guad exited $status"; }
ok "guad -s quit: exited 0"
echo "--- guad's error log"
log
EOF
timeout 120 unshare --net --mount --pid --fork --kill-child \
    bash "$work/run.sh" "$root" || fail "guad in the root (above)"

# -- the edited conffile stays; purge ---------------------------------------
step "reinstall keeps an edited gua.ini; purge"
echo "; edited by the operator" >>"$root/etc/guad/gua.ini"
in_root 300 "apt-get install -y -q --reinstall ./tmp/$deb" \
    >"$work/reinstall.log" 2>&1 ||
    { tail -n 30 "$work/reinstall.log" >&2; fail "reinstall failed"; }
expect "the edited gua.ini survives a reinstall" \
    grep -q '^; edited by the operator$' "$root/etc/guad/gua.ini"
in_root 300 "apt-get purge -y -q guad" >"$work/purge.log" 2>&1 ||
    { tail -n 30 "$work/purge.log" >&2; fail "apt-get purge guad failed"; }
left=
for p in /etc/guad /var/log/guad /run/guad /etc/logrotate.d/guad \
    /etc/systemd/system/multi-user.target.wants/guad.service \
    /var/lib/systemd/deb-systemd-helper-enabled/guad.service.dsh-also; do
	[ -e "$root$p" ] || [ -L "$root$p" ] && left="$left $p"
done
while read -r p; do
	p=${p#.}
	[ -f "$root$p" ] && left="$left $p"
done <"$work/contents"
[ -z "$left" ] || fail "purge left:$left"
echo "ok: purge removed the package's files, /etc/guad and /var/log/guad"
expect "purge keeps the data: /var/lib/guad/msg.db" \
    test -f "$root/var/lib/guad/msg.db"
expect "purge keeps the _guad user (Debian policy)" \
    grep -q '^_guad:' "$root/etc/passwd"

echo "package test passed in $(($(date +%s) - started)) s"
