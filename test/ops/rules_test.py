"""The chart's PrometheusRule under promtool: what the chart renders is what gets tested.

Usage: rules_test.py --chart DIR --tests FILE --out DIR

Renders templates/prometheusrule.yaml for release "xwing" in namespace "xwing" (default values),
writes its spec as OUT/rules.yaml, runs `promtool check rules` on it and `promtool test rules` on
the unit tests (TESTS), after adding to each expected alert the fixed annotations of its rule
(description and runbook hold no template; the summary, which does, is written in the tests).
Also checks that every alert has a summary, description and runbook, that the tests make every
alert fire once and stay quiet once, and that promtool fails the tests on a rule whose threshold
was changed, so that a test that cannot fail shows up here.
"""

import argparse
import os
import subprocess
import sys

import yaml

RELEASE = "xwing"
NAMESPACE = "xwing"
ANNOTATIONS = ("summary", "description", "runbook")


def render_rules(chart):
    cmd = ["helm", "template", RELEASE, chart, "--namespace", NAMESPACE,
           "--api-versions", "monitoring.coreos.com/v1", "--set", "metrics.prometheusRule.enabled=true",
           "--show-only", "templates/prometheusrule.yaml"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        sys.exit(f"helm template failed: {proc.stderr}")
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    if len(docs) != 1 or docs[0]["kind"] != "PrometheusRule":
        sys.exit(f"expected one PrometheusRule, got {[d.get('kind') for d in docs]}")
    return docs[0]["spec"]


def alerts_of(spec):
    return {r["alert"]: r for g in spec["groups"] for r in g["rules"] if "alert" in r}


def with_fixed_annotations(tests, alerts):
    """The unit tests with each expected alert's untemplated annotations taken from its rule."""
    for group in tests["tests"]:
        for case in group.get("alert_rule_test", []):
            fixed = {k: v for k, v in alerts[case["alertname"]].get("annotations", {}).items() if "{{" not in v}
            for exp in case.get("exp_alerts") or []:
                exp["exp_annotations"] = {**fixed, **exp.get("exp_annotations", {})}
    return tests


def coverage(tests, alerts):
    """Problems: alerts the tests never fire, or never hold back."""
    fired, quiet = set(), set()
    for group in tests["tests"]:
        for case in group.get("alert_rule_test", []):
            (fired if case.get("exp_alerts") else quiet).add(case["alertname"])
    problems = [f"unknown alert {a} in the tests" for a in sorted((fired | quiet) - set(alerts))]
    problems += [f"{a} never fires in the tests" for a in sorted(set(alerts) - fired)]
    problems += [f"{a} is never shown quiet in the tests" for a in sorted(set(alerts) - quiet)]
    return problems


def promtool(*args):
    proc = subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=300)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def write_yaml(path, data):
    with open(path, "w") as fh:
        yaml.safe_dump(data, fh, sort_keys=False, width=1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chart", required=True)
    ap.add_argument("--tests", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    failures = []

    spec = render_rules(args.chart)
    alerts = alerts_of(spec)
    rules_path = os.path.join(args.out, "rules.yaml")
    write_yaml(rules_path, spec)
    print(f"rendered {sum(len(g['rules']) for g in spec['groups'])} rules ({len(alerts)} alerts) into {rules_path}")

    for name, rule in alerts.items():
        missing = [a for a in ANNOTATIONS if not rule.get("annotations", {}).get(a)]
        if missing:
            failures.append(f"{name} lacks annotations {missing}")

    code, out = promtool("check", "rules", rules_path)
    print(out)
    if code != 0:
        failures.append("promtool check rules failed")

    with open(args.tests) as fh:
        tests = yaml.safe_load(fh)
    failures += coverage(tests, alerts)
    tests_path = os.path.join(args.out, "rules.test.yaml")
    write_yaml(tests_path, with_fixed_annotations(tests, alerts))
    code, out = promtool("test", "rules", tests_path)
    print(out)
    if code != 0:
        failures.append("promtool test rules failed")

    # The same tests against rules whose fast burn threshold is ten times too high must fail.
    broken_dir = os.path.join(args.out, "broken")
    os.makedirs(broken_dir, exist_ok=True)
    with open(rules_path) as fh:
        text = fh.read()
    if "14.4 * (1 - 0.999)" not in text:
        failures.append("the fast availability threshold 14.4 * (1 - 0.999) is not in the rendered rules")
    with open(os.path.join(broken_dir, "rules.yaml"), "w") as fh:
        fh.write(text.replace("14.4 * (1 - 0.999)", "144 * (1 - 0.999)"))
    write_yaml(os.path.join(broken_dir, "rules.test.yaml"), with_fixed_annotations(tests, alerts))
    code, out = promtool("test", "rules", os.path.join(broken_dir, "rules.test.yaml"))
    if code != 0 and "XwingAvailabilityBurnRate1h" in out:
        print("ok: the tests fail on a rule with a changed threshold")
    else:
        failures.append(f"the tests passed rules with a changed threshold (exit {code})")

    if failures:
        print("failures:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)
    print(f"rules: {len(alerts)} alerts, each fired and held back by promtool unit tests")


if __name__ == "__main__":
    main()
