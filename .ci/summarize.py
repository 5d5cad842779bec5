#!/usr/bin/env python3
"""Prints the one-line test summary of `make test`.

Reads Bazel's build event stream (`--build_event_json_file`) of this very
invocation, so stale results from earlier runs in bazel-testlogs are never
counted. For each test target that ran (or was cached), the individual
GoogleTest cases in its JUnit XML are counted; a test target that produced
no result (it failed to build, or the build stopped before it) counts as one
failure. Suites that run outside Bazel append lines of the form
`<suite>: N passed, N failed, N skipped` to EXTRA_COUNTS_FILE.

Usage: summarize.py BEP_JSON_FILE EXTRA_COUNTS_FILE
"""
import json
import os
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET


def count_xml(path):
    passed = failed = skipped = 0
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return None
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None or case.get("result") == "suppressed":
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def bazel_counts(bep_path):
    """(passed, failed, skipped, problems) from one build event stream."""
    tests = set()       # labels of test targets in this invocation
    results = {}        # label -> list of (status, xml path)
    if not os.path.exists(bep_path):
        return 0, 1, 0, ["no build event file: bazel did not run"]
    with open(bep_path) as fh:
        for line in fh:
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                continue
            eid = ev.get("id", {})
            if "targetConfigured" in eid:
                kind = ev.get("configured", {}).get("targetKind", "")
                if kind.endswith("_test rule") or "testSize" in ev.get("configured", {}):
                    tests.add(eid["targetConfigured"]["label"])
            elif "testResult" in eid:
                label = eid["testResult"]["label"]
                res = ev.get("testResult", {})
                xml = None
                for out in res.get("testActionOutput", []):
                    if out.get("name") == "test.xml":
                        xml = urllib.parse.unquote(
                            urllib.parse.urlparse(out.get("uri", "")).path)
                results.setdefault(label, []).append(
                    (res.get("status", "NO_STATUS"), xml))
    p = f = s = 0
    problems = []
    for label in sorted(tests):
        if label not in results:
            f += 1
            problems.append(f"{label}: no result (failed to build or not run)")
            continue
        for status, xml in results[label]:
            counted = count_xml(xml) if xml else None
            if counted is None or sum(counted) == 0:
                # No per-case detail (sh_test, crash before XML): one case.
                if status == "PASSED":
                    p += 1
                else:
                    f += 1
                    problems.append(f"{label}: {status}")
                continue
            a, b, c = counted
            if status != "PASSED" and b == 0:
                b = 1  # crashed or timed out after its cases passed
                problems.append(f"{label}: {status}")
            p, f, s = p + a, f + b, s + c
    return p, f, s, problems


def main():
    bep, extra = sys.argv[1], sys.argv[2]
    p, f, s, problems = bazel_counts(bep)
    for msg in problems:
        print("  " + msg)
    if os.path.exists(extra):
        with open(extra) as fh:
            for line in fh:
                m = re.search(r"(\d+) passed, (\d+) failed(?:, (\d+) skipped)?", line)
                if m:
                    p += int(m.group(1))
                    f += int(m.group(2))
                    s += int(m.group(3) or 0)
    line = f"{p} passed, {f} failed"
    if s:
        line += f", {s} skipped"
    print(line)
    return 1 if f else 0


if __name__ == "__main__":
    sys.exit(main())
