#!/bin/bash
# The committed snapshot.textproto is exactly what generate.py writes (so it
# is never edited by hand or left stale), and two runs agree (deterministic).
set -eu
GEN="$1"
WANT="$2"
OUT="${TEST_TMPDIR:-/tmp}"
/usr/bin/python3 "$GEN" "$OUT/a.textproto" >/dev/null
/usr/bin/python3 "$GEN" "$OUT/b.textproto" >/dev/null
cmp "$OUT/a.textproto" "$OUT/b.textproto" || { echo "FAIL: two runs differ"; exit 1; }
if ! cmp "$OUT/a.textproto" "$WANT"; then
  echo "FAIL: $WANT is stale; run python3 tests/data/acme/generate.py"
  diff "$OUT/a.textproto" "$WANT" | head -20
  exit 1
fi
echo "ok: generated output matches the committed file"
