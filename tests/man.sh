#!/usr/bin/env bash
# The man pages, as installed (built from man/*.in with configure's paths),
# render without a single warning: groff -ww (all warnings) and mandoc -T
# lint (tests/deps.sh installs both). Any output fails the test.
# SPDX-License-Identifier: ISC
set -u
# make check runs in the build folder, where make built the pages.
pages="man/guad.8 man/gua.ini.5"
status=0

for tool in groff mandoc; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "$tool is not installed (Debian: groff-base, mandoc;" \
		    "sh tests/deps.sh test installs them)" >&2
		exit 1
	fi
done
for page in $pages; do
	if [ ! -f "$page" ]; then
		echo "$page: not built; run make in the build folder first" >&2
		exit 1
	fi
	if grep -n '@[a-z]*dir@' "$page" >&2; then
		echo "$page: a path configure did not fill in" >&2
		status=1
	fi
	out=$(LC_ALL=C groff -ww -z -man "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "groff -ww -z -man $page:" >&2
		echo "$out" >&2
		status=1
	else
		echo "ok: groff $page"
	fi
	out=$(LC_ALL=C mandoc -T lint -W warning "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "mandoc -T lint $page:" >&2
		echo "$out" >&2
		status=1
	else
		echo "ok: mandoc $page"
	fi
done
exit $status
