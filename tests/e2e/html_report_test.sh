#!/bin/bash
# Bazel entry for html_report_test.py: Debian's python3 (not a pyenv one).
exec /usr/bin/python3 "$(dirname "$0")/html_report_test.py" "$@"
