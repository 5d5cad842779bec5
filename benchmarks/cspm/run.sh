#!/usr/bin/env bash
# The end-to-end CSPM benchmark (docs/performance.md, "End-to-end CSPM
# workload"): checks the C++ generator against Node's byte for byte, builds
# cspm_bench with -c opt and runs it at N=100,000 and N=1,000,000 with the
# Node peers, plus the streamed 1,000,000-resource peak-memory run. Results go
# to stdout; the exit status is non-zero if any contender's fail counts
# differ from the reference.
#
#   benchmarks/cspm/run.sh
# Env: SIZES (default "100000 1000000"), PASSES (5), THREADS (2),
#      NODE (1: run the Node peers; 0: skip them), SHARED_BENCH
#      (../shared/bench, relative to the repo root), BAZEL (bazel).
set -euo pipefail
cd "$(dirname "$0")/../.."
BAZEL=${BAZEL:-bazel}
SIZES=${SIZES:-100000 1000000}
PASSES=${PASSES:-5}
THREADS=${THREADS:-2}
NODE=${NODE:-1}
SHARED_BENCH=${SHARED_BENCH:-../shared/bench}
export SHARED_BENCH BAZEL

rc=0
node_flag=()
if [[ "$NODE" == 1 ]]; then
  if command -v node >/dev/null && [[ -d "$SHARED_BENCH" ]]; then
    benchmarks/cspm/crosscheck_node.sh 0 10 1000 || rc=1
    node_flag=(--node)
  else
    echo "run.sh: node or $SHARED_BENCH missing: Node peers skipped" >&2
  fi
fi

"$BAZEL" build -c opt //benchmarks/cspm:cspm_bench >&2
# Ask Bazel for the opt output folder: the bazel-bin symlink follows whatever
# configuration was built last, possibly by someone else.
BIN="$("$BAZEL" info -c opt bazel-bin 2>/dev/null)/benchmarks/cspm/cspm_bench"

for n in $SIZES; do
  echo
  echo "==================== N=$n ===================="
  stream=()
  # The peak-memory target is stated for a 1,000,000-resource stream.
  if (( n >= 1000000 )); then stream=(--stream); fi
  "$BIN" --n="$n" --passes="$PASSES" --threads="$THREADS" \
    --shared_bench="$SHARED_BENCH" --work_dir=benchmarks/cspm/.work \
    "${node_flag[@]}" "${stream[@]}" --json || rc=1
done
exit $rc
