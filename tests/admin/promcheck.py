#!/usr/bin/python3
"""promcheck.py FILE: parse a /metrics answer with the Prometheus project's own
text-format parser (python3-prometheus-client) and print one line per sample,
"name{k=v,...} value", sorted; exit 1 if it does not parse, or a sample has no
# TYPE of its family, or a series appears twice."""
import sys
from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1]).read()
typed = set()
for line in text.splitlines():
    if line.startswith("# TYPE "):
        typed.add(line.split()[2])
seen = set()
out = []
try:
    for fam in text_string_to_metric_families(text):
        if fam.name not in typed and fam.name + "_total" not in typed:
            sys.exit("promcheck: family %s has no # TYPE" % fam.name)
        for s in fam.samples:
            labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
            key = "%s{%s}" % (s.name, labels)
            if key in seen:
                sys.exit("promcheck: %s twice" % key)
            seen.add(key)
            out.append("%s %s" % (key, repr(float(s.value))))
except ValueError as e:
    sys.exit("promcheck: does not parse: %s" % e)
print("\n".join(sorted(out)))
