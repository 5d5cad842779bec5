#!/usr/bin/env bash
# The `conformance` step of `make test`: installs the pinned npm packages and
# dumps the CEL conformance suite (setup.sh; the npm registry is the only
# network access), builds the runner, runs every test, rewrites
# docs/conformance.md and exits non-zero when a targeted file is below its
# target. Extra arguments go to the runner (e.g. --filter basic --verbose);
# with a --filter the report is not rewritten.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${root}"
# $BAZEL may carry startup options ("bazel --max_idle_secs=60").
read -r -a bazel <<<"${BAZEL:-bazel}"

dump_dir="$(tests/conformance/setup.sh)"

"${bazel[@]}" build //tests/conformance:runner
# Ask Bazel where it put the binary: the bazel-bin symlink follows whichever
# configuration the last build on this checkout used (e.g. -c opt).
runner="$("${bazel[@]}" info bazel-bin 2>/dev/null)/tests/conformance/runner"

args=(--data "${dump_dir}" --targets tests/conformance/targets.txt)
if [[ " $* " != *" --filter"* ]]; then
  args+=(--report docs/conformance.md)
fi
# exec: the runner's exit status is the script's.
exec "${runner}" "${args[@]}" "$@"
