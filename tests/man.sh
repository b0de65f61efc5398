#!/usr/bin/env bash
# The man pages render without a single warning: groff -ww (all warnings)
# and, where it is installed, mandoc -T lint. Any output fails the test.
set -u
srcdir=${SRCDIR:-.}
pages="$srcdir/man/guad.8 $srcdir/man/gua.ini.5"
status=0

if ! command -v groff >/dev/null 2>&1; then
	echo "groff is not installed (Debian: groff-base)" >&2
	exit 1
fi
for page in $pages; do
	out=$(LC_ALL=C groff -ww -z -man "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "groff -ww -z -man $page:" >&2
		echo "$out" >&2
		status=1
	else
		echo "ok: groff $page"
	fi
	if command -v mandoc >/dev/null 2>&1; then
		out=$(LC_ALL=C mandoc -T lint -W warning "$page" 2>&1)
		if [ -n "$out" ]; then
			echo "mandoc -T lint $page:" >&2
			echo "$out" >&2
			status=1
		else
			echo "ok: mandoc $page"
		fi
	fi
done
exit $status
