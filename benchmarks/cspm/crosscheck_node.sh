#!/usr/bin/env bash
# Cross-checks the C++ generator against the JavaScript one: the JSON of
# genInventory(N, 42) from `node gen_inventory_json.mjs N` and from
# //benchmarks/cspm:dump_inventory_json must be byte-identical.
#
#   benchmarks/cspm/crosscheck_node.sh [N ...]    (default: 0 1 10 1000 20000)
# Env: SHARED_BENCH (default ../shared/bench, relative to the repo root),
#      BAZEL (default bazel).
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED_BENCH=${SHARED_BENCH:-../shared/bench}
BAZEL=${BAZEL:-bazel}
WORK=benchmarks/cspm/.work
mkdir -p "$WORK"
if [[ ! -f "$SHARED_BENCH/gen_inventory_json.mjs" ]]; then
  echo "crosscheck: $SHARED_BENCH/gen_inventory_json.mjs not found (set SHARED_BENCH)" >&2
  exit 2
fi
command -v node >/dev/null || { echo "crosscheck: node not installed" >&2; exit 2; }
"$BAZEL" build //benchmarks/cspm:dump_inventory_json >&2
BIN="$("$BAZEL" info bazel-bin 2>/dev/null)/benchmarks/cspm/dump_inventory_json"
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(0 1 10 1000 20000)
fail=0
for n in "${sizes[@]}"; do
  node "$SHARED_BENCH/gen_inventory_json.mjs" "$n" >"$WORK/inv_js_$n.json" 2>/dev/null
  "$BIN" "$n" >"$WORK/inv_cc_$n.json"
  if cmp -s "$WORK/inv_js_$n.json" "$WORK/inv_cc_$n.json"; then
    echo "crosscheck N=$n: identical ($(wc -c <"$WORK/inv_cc_$n.json") bytes)"
  else
    echo "crosscheck N=$n: DIFFERENT: $(cmp "$WORK/inv_js_$n.json" "$WORK/inv_cc_$n.json" || true)"
    fail=1
  fi
done
exit $fail
