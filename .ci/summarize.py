#!/usr/bin/env python3
"""Prints the one-line test summary of `make test`.

Counts individual test cases from Bazel's JUnit XML reports
(bazel-testlogs/**/test.xml) and adds the counts of the suites that run
outside Bazel (each writes a line `<suite>: N passed, N failed, N skipped`
into a summary file). A Bazel test target that produced no XML (it failed to
build or crashed before writing) counts as one failure.

Usage: summarize.py TESTLOGS_DIR EXTRA_COUNTS_FILE [TARGET_STATUS_FILE]
"""
import os
import re
import sys
import xml.etree.ElementTree as ET


def count_xml(path):
    passed = failed = skipped = 0
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return 0, 1, 0
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None or case.get("result") == "suppressed":
            skipped += 1
        else:
            passed += 1
    # A target that failed without any testcase element (crash, timeout).
    if passed + failed + skipped == 0:
        suite_failures = sum(int(s.get("failures", "0")) + int(s.get("errors", "0"))
                             for s in root.iter("testsuite"))
        if suite_failures:
            failed = 1
        else:
            passed = 1
    return passed, failed, skipped


def main():
    logs, extra = sys.argv[1], sys.argv[2]
    status_file = sys.argv[3] if len(sys.argv) > 3 else None
    p = f = s = 0
    if os.path.isdir(logs):
        for dirpath, _, files in os.walk(logs, followlinks=True):
            if "test.xml" in files:
                a, b, c = count_xml(os.path.join(dirpath, "test.xml"))
                p, f, s = p + a, f + b, s + c
    # Targets Bazel reported as failed to build / no status: one failure each.
    if status_file and os.path.exists(status_file):
        with open(status_file) as fh:
            for line in fh:
                if re.search(r"\b(FAILED TO BUILD|NO STATUS)\b", line):
                    f += 1
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
