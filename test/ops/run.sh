#!/usr/bin/env bash
# Usage: run.sh
# The chart's PrometheusRule under promtool (test/ops/rules_test.py). Expects helm and promtool in
# .tools/bin (make chart-tools prometheus-tools).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
export PATH="$root/.tools/bin:$PATH" PYTHONDONTWRITEBYTECODE=1
for tool in helm promtool; do
  command -v "$tool" >/dev/null || { echo "test-rules: $tool is missing (make chart-tools prometheus-tools)" >&2; exit 1; }
done

# Debian's python3 with PyYAML, as the chart checks use it; installed from Debian if missing.
python=/usr/bin/python3
if ! "$python" -c 'import yaml' 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-yaml >/dev/null
fi
out="$root/.run/ops"
rm -rf "$out"
exec "$python" "$root/test/ops/rules_test.py" --chart "$root/charts/xwing" --tests "$root/test/ops/rules.test.yaml" --out "$out"
