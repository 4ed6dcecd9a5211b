#!/usr/bin/env bash
# Prints every failed or erroneous test's message and causes from the surefire and failsafe
# reports under the given directory, so the reason is in the last lines of a CI log.
set -euo pipefail
reports_root=${1:-target}
find "$reports_root" -name 'TEST-*.xml' -print0 2>/dev/null |
  xargs -0 -r grep -l -E '<(error|failure)[ >]' 2>/dev/null |
  while read -r report; do
    echo "=== failed in ${report#"$reports_root"/}"
    # Inside each <error>/<failure> element: every message and "Caused by" line, with the first
    # three frames under each; the rest of the frames would push the causes out of the log's tail.
    awk '
      /<(error|failure)[ >]/ { inside = 1 }
      inside && /^[ \t]+at / { if (frames++ < 3) print; next }
      inside && /^[ \t]+\.\.\. [0-9]+ more/ { next }
      inside { print; frames = 0 }
      /<\/(error|failure)>/ { inside = 0 }
    ' "$report" | head -60
    # What the class printed last (the [it] lines, a control plane's exit): often the why.
    echo "--- its last lines of output"
    awk '
      /<system-(out|err)>/ { inside = 1 }
      inside {
        line = $0
        sub(/^[ \t]*<system-(out|err)>/, "", line)
        gsub(/<\/?system-(out|err)>|<!\[CDATA\[|\]\]>|<\/testcase>.*/, "", line)
        if (line != "") print line
      }
      /<\/system-(out|err)>/ { inside = 0 }
    ' "$report" | tail -15
  done
