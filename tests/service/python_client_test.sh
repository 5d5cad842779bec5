#!/usr/bin/env bash
# A foreign client against a real `onus serve`: Debian's /usr/bin/python3
# with grpcio, stubs generated into TEST_TMPDIR, server on 127.0.0.1 with a
# kernel-picked port read from --port-file. Every wait is bounded and the
# server is always killed.
# Then Debian's prometheus_client parses the metrics endpoint
# (python_metrics.py).
# Args: ONUS_BINARY PYTHON_CLIENT PYTHON_METRICS PROTO_FILE...
set -euo pipefail
ONUS="$1"; CLIENT="$2"; METRICS="$3"; shift 3
PY=/usr/bin/python3
TMP="${TEST_TMPDIR:-$(mktemp -d)}/py"
mkdir -p "$TMP/stubs" "$TMP/policies"

# The .proto files arrive as proto/onus/...; the import root is proto/.
# Debian's protoc (3.21, proto3 `optional`) with the Python gRPC plugin;
# python3-grpc-tools bundles an older protoc that rejects `optional`.
protoc -Iproto -I/usr/include --python_out="$TMP/stubs" \
  --grpc_out="$TMP/stubs" --plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin \
  "$@"

cat > "$TMP/policies/s3.onus" <<'ONUS'
package aws.s3;

policy versioning {
  title    = "S3 buckets keep versions"
  severity = high
  owner    = customer
  service  = [iaas]
  domain   = data_protection
  resource = onus.aws.s3.Bucket as b
  require  = b.versioning.status == "Enabled"
  message  = "bucket {b.name} is not versioned"
}
ONUS
TOKEN="py-test-token-$RANDOM$RANDOM$RANDOM"
echo "$TOKEN evaluate" > "$TMP/tokens"

# Usage errors exit 2 with a clear message and never start listening.
expect_usage() {
  local want="$1"; shift
  set +e; out=$(timeout 20 "$ONUS" serve "$@" 2>&1); rc=$?; set -e
  [ "$rc" = 2 ] || { echo "serve $*: exit $rc, want 2: $out"; exit 1; }
  grep -q -- "$want" <<<"$out" || { echo "serve $*: no '$want' in: $out"; exit 1; }
}
expect_usage "refusing plaintext" --policies "$TMP/policies" --listen 0.0.0.0:0 --plaintext
expect_usage "no TLS certificate" --policies "$TMP/policies" --listen 127.0.0.1:0
echo "short evaluate" > "$TMP/bad_tokens"
expect_usage "bad_tokens:1: token shorter" --policies "$TMP/policies" \
  --listen 127.0.0.1:0 --plaintext --tokens "$TMP/bad_tokens"
expect_usage "refusing the metrics endpoint on non-loopback" \
  --policies "$TMP/policies" --listen 127.0.0.1:0 --plaintext \
  --metrics-listen 0.0.0.0:0
expect_usage "needs --metrics-listen" --policies "$TMP/policies" \
  --listen 127.0.0.1:0 --plaintext --metrics-port-file "$TMP/x"
# A damaged compiled bundle stops the start with the loader's message.
printf 'not a bundle' > "$TMP/bad.onusb"
expect_usage "bad.onusb: not a compiled bundle" --policies "$TMP/bad.onusb" --listen 127.0.0.1:0 --plaintext
expect_usage "watch-s must be an integer >= 1" --policies "$TMP/policies" \
  --listen 127.0.0.1:0 --plaintext --watch-s 0
expect_usage "tls-cert" --policies "$TMP/policies" --tls-cert "$TMP/missing.pem" --tls-key x

"$ONUS" serve --policies "$TMP/policies" --listen 127.0.0.1:0 --plaintext \
  --tokens "$TMP/tokens" --port-file "$TMP/port" \
  --metrics-listen 127.0.0.1:0 --metrics-port-file "$TMP/metrics_port" \
  2> "$TMP/server.log" &
SERVER=$!
cleanup() {
  kill -TERM "$SERVER" 2>/dev/null || true
  # Bounded wait for the graceful exit, then force.
  for _ in $(seq 50); do kill -0 "$SERVER" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$SERVER" 2>/dev/null || true
}
trap cleanup EXIT

for _ in $(seq 200); do
  [ -s "$TMP/port" ] && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$TMP/server.log"; exit 1; }
  sleep 0.05
done
[ -s "$TMP/port" ] || { echo "server did not start in 10s"; cat "$TMP/server.log"; exit 1; }
PORT=$(cat "$TMP/port")
# Written after the gRPC port file: present once that one is.
[ -s "$TMP/metrics_port" ] || { echo "no --metrics-port-file"; exit 1; }

timeout 60 "$PY" "$CLIENT" "$TMP/stubs" "$PORT" "$TOKEN"
timeout 60 "$PY" "$METRICS" "$(cat "$TMP/metrics_port")"

# Graceful shutdown on SIGTERM: exit status 0, and one JSON line per call.
kill -TERM "$SERVER"
for _ in $(seq 100); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVER" 2>/dev/null; then echo "server ignored SIGTERM"; exit 1; fi
wait "$SERVER" || { echo "server exited with $?"; cat "$TMP/server.log"; exit 1; }
trap - EXIT
grep -q '"method":"EvaluateStream".*"status":"OK"' "$TMP/server.log" || {
  echo "no JSON log line for EvaluateStream"; cat "$TMP/server.log"; exit 1; }
grep -q '"status":"UNAUTHENTICATED"' "$TMP/server.log"
echo "PASS"
