"""Scrapes a running `onus serve --metrics-listen` after python_client.py
has made its calls, and parses the answer with Debian's prometheus_client
(the parser Prometheus' own Python tooling uses). Usage:
python_metrics.py METRICS_PORT. Exits non-zero on any mismatch.

The counts are those of python_client.py: GetInfo without a token
(UNAUTHENTICATED) and with one (OK); Evaluate of 10 buckets (OK: 5 pass, 5
fail) and one bad request (INVALID_ARGUMENT); one EvaluateStream of 100
buckets (OK: 80 pass, 20 fail).
"""
import sys
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

PORT = sys.argv[1]
URL = f"http://127.0.0.1:{PORT}"
TIMEOUT = 20


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


def main():
    with urllib.request.urlopen(URL + "/metrics", timeout=TIMEOUT) as r:
        check(r.status == 200, "GET /metrics is 200")
        ctype = r.headers.get("Content-Type", "")
        check(ctype.startswith("text/plain; version=0.0.4"),
              f"exposition format 0.0.4 (got {ctype!r})")
        text = r.read().decode("utf-8")

    # The parser raises on anything that is not valid exposition text.
    families = {f.name: f for f in text_string_to_metric_families(text)}
    want = {
        # The parser names counter families without their _total suffix.
        "onus_rpc_requests": "counter",
        "onus_rpc_errors": "counter",
        "onus_rpc_duration_seconds": "histogram",
        "onus_rpc_in_flight": "gauge",
        "onus_resources_evaluated": "counter",
        "onus_findings": "counter",
        "onus_bundle_version": "gauge",
        "onus_bundle_info": "gauge",
        "onus_bundle_loaded_timestamp_seconds": "gauge",
        "process_start_time_seconds": "gauge",
    }
    for name, typ in want.items():
        check(name in families and families[name].type == typ,
              f"family {name} ({typ})")

    def value(family, sample_name, **labels):
        for s in families[family].samples:
            if s.name == sample_name and all(
                    s.labels.get(k) == v for k, v in labels.items()):
                return s.value
        return None

    req = "onus_rpc_requests_total"
    check(value("onus_rpc_requests", req, method="Evaluate", code="OK") == 1,
          "Evaluate OK: 1")
    check(value("onus_rpc_requests", req, method="Evaluate",
                code="INVALID_ARGUMENT") == 1, "Evaluate INVALID_ARGUMENT: 1")
    check(value("onus_rpc_requests", req, method="EvaluateStream",
                code="OK") == 1, "EvaluateStream OK: 1")
    check(value("onus_rpc_requests", req, method="GetInfo",
                code="UNAUTHENTICATED") == 1, "GetInfo UNAUTHENTICATED: 1")
    check(value("onus_rpc_errors", "onus_rpc_errors_total",
                method="GetInfo") == 1, "GetInfo errors: 1")
    check(value("onus_resources_evaluated",
                "onus_resources_evaluated_total") == 110,
          "resources evaluated: 110")
    check(value("onus_findings", "onus_findings_total", outcome="fail") == 25,
          "findings fail: 25")
    check(value("onus_findings", "onus_findings_total", outcome="pass") == 85,
          "findings pass: 85")
    check(value("onus_bundle_version", "onus_bundle_version") == 1,
          "bundle version 1")
    info = [s for s in families["onus_bundle_info"].samples]
    check(len(info) == 1 and len(info[0].labels["digest"]) == 64 and
          info[0].labels["source"] == "sources" and info[0].value == 1,
          "bundle info: digest label, source=sources, value 1")
    check(value("process_start_time_seconds",
                "process_start_time_seconds") > 1.7e9, "process start time")

    # Histogram: cumulative buckets from 100 us to 10 s, +Inf == count.
    hist = families["onus_rpc_duration_seconds"].samples
    buckets = [(float(s.labels["le"]), s.value) for s in hist
               if s.name.endswith("_bucket") and s.labels["method"] == "Evaluate"]
    check([b for b, _ in buckets][0] == 0.0001 and
          [b for b, _ in buckets][-2] == 10 and buckets[-1][0] == float("inf"),
          "Evaluate buckets 100 us .. 10 s, +Inf")
    counts = [v for _, v in buckets]
    check(counts == sorted(counts), "buckets are cumulative")
    count = value("onus_rpc_duration_seconds",
                  "onus_rpc_duration_seconds_count", method="Evaluate")
    check(count == 2 and counts[-1] == count, "Evaluate count 2 == +Inf")
    for s in families["onus_rpc_in_flight"].samples:
        check(s.value == 0, f"in flight {s.labels['method']}: 0")

    # Other paths: 404; the endpoint still answers afterwards.
    try:
        urllib.request.urlopen(URL + "/", timeout=TIMEOUT)
        check(False, "GET / is 404")
    except urllib.error.HTTPError as e:
        check(e.code == 404, f"GET / is 404 (got {e.code})")
    with urllib.request.urlopen(URL + "/metrics", timeout=TIMEOUT) as r:
        check(r.status == 200, "GET /metrics again is 200")
    print("python metrics: all checks passed")


if __name__ == "__main__":
    main()
