#!/usr/bin/python3
"""Renders the HTML report in headless Chromium and checks that the page
shows the same counts as the JSON report of the same run.

Usage: html_report_test.py ONUS_BINARY POLICIES_DIR SNAPSHOT
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


class IdText(html.parser.HTMLParser):
    """Collects the text of every element that has an id."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.text = {}

    def handle_starttag(self, tag, attrs):
        self.stack.append(dict(attrs).get("id"))

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for ident in self.stack:
            if ident:
                self.text[ident] = self.text.get(ident, "") + data


def main():
    onus, policies, snapshot = sys.argv[1:4]
    chromium = shutil.which("chromium")
    if not chromium:
        print("FAIL: chromium is not installed (.ci/install-deps installs it)")
        return 1
    tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    report_json = os.path.join(tmp, "report.json")
    report_html = os.path.join(tmp, "report.html")
    for fmt, out in (("json", report_json), ("html", report_html)):
        subprocess.run([onus, "eval", "--policies", policies, "--input",
                        snapshot, "--format", fmt, "--output", out],
                       check=True)
    with open(report_json) as f:
        report = json.load(f)
    env = dict(os.environ, HOME=tmp)
    base = [chromium] + CHROMIUM_FLAGS + ["--user-data-dir=" + tmp]
    dom = subprocess.run(base + ["--dump-dom", "file://" + report_html],
                         check=True, capture_output=True, text=True,
                         env=env, timeout=120).stdout
    shot = os.path.join(tmp, "report.png")
    subprocess.run(base + ["--window-size=1280,2000",
                           "--screenshot=" + shot, "file://" + report_html],
                   check=True, capture_output=True, env=env, timeout=120)

    parser = IdText()
    parser.feed(dom)
    totals = report["summary"]["totals"]
    want = {
        "count-pass": totals.get("pass", "0"),
        "count-fail": totals.get("fail", "0"),
        "count-error": totals.get("error", "0"),
        "count-not-applicable": totals.get("not_applicable", "0"),
        "count-waived": totals.get("waived", "0"),
    }
    for sev in report["summary"].get("by_severity", []):
        name = sev["severity"].lower()
        counts = sev.get("counts", {})
        for outcome in ("pass", "fail", "error"):
            want["sev-%s-%s" % (name, outcome)] = counts.get(outcome, "0")
    failures = []
    for ident, value in sorted(want.items()):
        got = parser.text.get(ident, "").strip()
        if got != str(value):
            failures.append("%s: page shows %r, JSON report says %r"
                            % (ident, got, value))
    # The page rendered: Chromium produced a real screenshot, and the DOM has
    # the findings table with one row per FAIL/ERROR/WAIVED finding.
    if not os.path.exists(shot) or os.path.getsize(shot) < 10000:
        failures.append("no screenshot rendered")
    rows = dom.count('class="finding-')
    expected_rows = int(totals.get("fail", 0)) + int(totals.get("error", 0)) + \
        int(totals.get("waived", 0))
    if rows != expected_rows:
        failures.append("findings table has %d rows, want %d"
                        % (rows, expected_rows))
    for f in failures:
        print("FAIL:", f)
    print("html report: %d counts checked, %d failures (screenshot %d bytes)"
          % (len(want), len(failures),
             os.path.getsize(shot) if os.path.exists(shot) else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
