#!/bin/sh
# The test driver's LOG_COMPILER for tests/fuzz/NAME.replay: runs the
# plain (libFuzzer-free) build of harness NAME, tests/fuzz/replay_NAME,
# over the directories that file lists, relative to the source tree.
#
#	replay.sh TOP_SRCDIR TOP_BUILDDIR tests/fuzz/NAME.replay
# SPDX-License-Identifier: ISC
set -eu
srcdir=$1
builddir=$2
list=$3
name=$(basename "$list" .replay)

set --
while IFS= read -r line; do
	case $line in
	''|'#'*) ;;
	*) set -- "$@" "$srcdir/$line" ;;
	esac
done < "$list"
if [ $# -eq 0 ]; then
	echo "replay.sh: $list names no directory" >&2
	exit 99
fi
exec "$builddir/tests/fuzz/replay_$name" "$@"
