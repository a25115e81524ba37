"""skaffold.yaml checks: valid for skaffold in every profile, keeping the Helm release, and an
offline render that puts the built tag into the chart. Split from chart_test.py so that the chart
suite needs no skaffold build.

Usage: skaffold_test.py --root DIR --chart DIR --out DIR --skaffold-helm DIR
"""

import json
import os
import subprocess

import yaml

from chart_test import Results, by_kind, load_docs, one, parse_args


def skaffold_checks(root, chart, out, skaffold_helm, res):
    check = res.record
    config = os.path.join(root, "skaffold.yaml")

    def run_skaffold(*args, profiles="", timeout=120, env=None):
        """skaffold in the repository, with the comma-separated profiles when given."""
        cmd = ["skaffold", *args, *(["--profile", profiles] if profiles else [])]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=root, env=env)

    def skaffold():
        with open(config) as fh:
            raw = yaml.safe_load(fh)
        release_name = raw["deploy"]["helm"]["releases"][0]["name"]
        proc = subprocess.run(["helm", "template", release_name, chart], capture_output=True, text=True, timeout=60)
        services = {s["metadata"]["name"]: {p["port"] for p in s["spec"]["ports"]} for s in by_kind(load_docs(proc.stdout), "Service")}
        for pf in raw["portForward"]:
            assert pf["port"] in services.get(pf["resourceName"], set()), f"portForward to {pf['resourceName']}:{pf['port']} matches no Service"
        effective = {}
        for profiles in ("", "kind", "minikube", "dev", "kind,dev", "local-cluster", "local-cluster,dev", "dev,local-cluster"):
            proc = run_skaffold("diagnose", "--yaml-only", "--filename", config, profiles=profiles)
            assert proc.returncode == 0, f"skaffold rejects skaffold.yaml with profiles '{profiles}': {proc.stderr[-800:]}"
            effective[profiles] = yaml.safe_load(proc.stdout)
        for profiles, cfg in effective.items():
            rel = cfg["deploy"]["helm"]["releases"][0]
            assert rel["chartPath"].rstrip("/").endswith("charts/xwing"), f"{profiles}: chart {rel['chartPath']}"
            art = cfg["build"]["artifacts"][0]
            local = "local-cluster" in profiles
            # The template key follows the artifact's name: a renamed image must rename both.
            key = art["image"].replace(":", "_").replace("/", "_").replace(".", "_").replace("-", "_")
            assert rel["setValueTemplates"]["image.repository"] == f"{{{{.IMAGE_REPO_{key}}}}}", f"{profiles}: image repository not from the build"
            assert rel["setValueTemplates"]["image.tag"] == f"{{{{.IMAGE_TAG_{key}}}}}", f"{profiles}: image tag not from the build"
            # Only the local cluster's profile pushes, and only to its registry on loopback.
            assert cfg["build"]["local"]["push"] is local, f"{profiles}: push {cfg['build']['local']['push']}"
            assert art["image"] == ("localhost:5001/xwing" if local else "xwing"), f"{profiles}: image {art['image']}"
            dev = "dev" in profiles
            assert art["docker"]["target"] == ("dev" if dev else "runtime"), f"{profiles}: target {art['docker']['target']}"
            if dev:
                assert art["sync"]["manual"][0]["src"].startswith("app/src/"), f"{profiles}: no file sync"
                assert rel["setValues"]["securityContext.readOnlyRootFilesystem"] == "false", f"{profiles}: sync needs a writable root"
                assert rel["setValues"]["config.SHUTDOWN_DELAY_MS"] == "0", f"{profiles}: a synced change waits for the shutdown delay"
        assert effective["kind"]["deploy"]["kubeContext"] == "kind-xwing"
        assert effective["kind,dev"]["deploy"]["kubeContext"] == "kind-xwing", "dev profile drops the kind context"
        assert effective["local-cluster"]["deploy"]["kubeContext"] == "xwing-local"
        # Auto-activation applies profiles in file order, naming them on the command line in the
        # order given: dev and local-cluster must give the same pipeline either way.
        assert effective["local-cluster,dev"] == effective["dev,local-cluster"], "dev and local-cluster do not commute"
        for profiles in ("", "kind", "minikube", "dev", "kind,dev"):
            assert "localhost:5001" not in json.dumps(effective[profiles]), f"{profiles}: the local cluster's registry leaks in"
    check("skaffold.yaml: valid for skaffold, every profile keeps the Helm release, dev syncs, only local-cluster pushes", skaffold)

    def skaffold_rejects():
        with open(config) as fh:
            text = fh.read()
        assert "    push: false\n" in text
        bad = os.path.join(out, "skaffold-unknown-field.yaml")
        with open(bad, "w") as fh:
            fh.write(text.replace("    push: false\n", "    push: false\n    pushy: true\n", 1))
        proc = run_skaffold("diagnose", "--yaml-only", "--filename", bad)
        assert proc.returncode != 0 and "pushy" in proc.stderr, f"skaffold accepted an unknown field: {proc.stderr[-300:]}"
    check("skaffold rejects an unknown field in skaffold.yaml, naming it", skaffold_rejects)

    def skaffold_render():
        # What skaffold would deploy, rendered offline from a stated build result: the built
        # tag must reach the Deployment, and the dev profile's values must take effect.
        env = {**os.environ, "PATH": f"{skaffold_helm}:{os.environ['PATH']}"}
        for profile in ("", "dev", "local-cluster", "local-cluster,dev"):
            name = "localhost:5001/xwing" if "local-cluster" in profile else "xwing"
            builds = os.path.join(out, "skaffold-builds.json")
            with open(builds, "w") as fh:
                json.dump({"builds": [{"imageName": name, "tag": f"{name}:render-check"}]}, fh)
            proc = run_skaffold("render", "--offline=true", "--digest-source=tag", "--build-artifacts", builds,
                                "--filename", config, profiles=profile, timeout=180, env=env)
            assert proc.returncode == 0, f"skaffold render {profile}: {proc.stderr[-800:]}"
            docs = load_docs(proc.stdout)
            deployment = one(docs, "Deployment", "xwing")
            spec = deployment["spec"]["template"]["spec"]
            image = spec["containers"][0]["image"]
            assert image == f"{name}:render-check", f"{profile or 'default'}: Deployment runs {image}"
            dev = "dev" in profile
            writable = spec["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is False
            assert writable == dev, f"{profile or 'default'}: readOnlyRootFilesystem"
            assert bool(by_kind(docs, "HorizontalPodAutoscaler")) != dev, f"{profile or 'default'}: HPA"
    check("skaffold render puts the built image and tag into the chart (local-cluster: its registry); dev values apply", skaffold_render)


def main():
    # --skaffold-helm: the directory whose helm skaffold runs (Helm 3).
    args = parse_args("--root", "--chart", "--out", "--skaffold-helm")
    res = Results()
    print("skaffold.yaml")
    skaffold_checks(args.root, args.chart, args.out, args.skaffold_helm, res)
    res.finish("skaffold")


if __name__ == "__main__":
    main()
