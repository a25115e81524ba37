"""Chart tests: render charts/xwing in a matrix of variants and assert on the objects.

Usage: chart_test.py --chart DIR --schemas DIR --out DIR

Each variant is rendered with `helm template`, checked object by object, and validated with
kubeconform against offline Kubernetes schemas. Bad values must be rejected with a message
naming the field. The checks are also run against deliberately broken renders, which they
must flag, so that a check that cannot fail shows up as a failure here.
"""

import argparse
import copy
import json
import os
import subprocess
import sys

import yaml

RELEASE = "xw"
NAMESPACE = "xwing-test"
FULL = f"{RELEASE}-xwing"
REDIS = f"{FULL}-redis"
KUBE_VERSION = "1.35.4"
PROBE_ROUTES = {"startupProbe": "/healthz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"}


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def ok(self, name):
        self.passed += 1
        print(f"  ok   {name}")

    def fail(self, name, detail):
        self.failed.append(f"{name}: {detail}")
        print(f"  FAIL {name}: {detail}")

    def verdict(self, name, passed, detail):
        self.ok(name) if passed else self.fail(name, detail)

    def record(self, name, fn):
        """Runs one check that raises on failure, and records its outcome."""
        try:
            fn()
            self.ok(name)
        except (AssertionError, KeyError, IndexError, TypeError, StopIteration, ValueError) as exc:
            self.fail(name, str(exc) or repr(exc))

    def finish(self, suite):
        print(f"{suite}: {self.passed} passed, {len(self.failed)} failed")
        if self.failed:
            print("failures:\n  " + "\n  ".join(self.failed), file=sys.stderr)
            sys.exit(1)


# ---------------------------------------------------------------- rendering helpers


def helm_template(chart, sets=(), api_versions=(), values=None):
    cmd = ["helm", "template", RELEASE, chart, "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION]
    for api in api_versions:
        cmd += ["--api-versions", api]
    if values is not None:
        cmd += ["--values", "-"]
    for s in sets:
        cmd += ["--set", s]
    return subprocess.run(cmd, input=yaml.safe_dump(values) if values is not None else None,
                          capture_output=True, text=True, timeout=60)


def render_notes(chart, values_file):
    """NOTES.txt as `helm install` prints it; a client-side dry run needs no cluster."""
    cmd = ["helm", "install", RELEASE, chart, "--namespace", NAMESPACE, "--dry-run=client",
           "--values", values_file]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "KUBECONFIG": os.devnull})
    return proc.stdout.partition("\nNOTES:\n")[2] if proc.returncode == 0 else proc.stderr


def load_docs(text):
    return [d for d in yaml.safe_load_all(text) if d]


def by_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def one(docs, kind, name=None):
    found = [d for d in by_kind(docs, kind) if name is None or d["metadata"]["name"] == name]
    if len(found) != 1:
        raise AssertionError(f"expected one {kind}{' ' + name if name else ''}, found {len(found)}")
    return found[0]


def pod_specs(docs):
    """(owner description, pod metadata, pod spec) of every workload and bare Pod."""
    out = []
    for d in docs:
        if d["kind"] in ("Deployment", "StatefulSet"):
            out.append((f"{d['kind']}/{d['metadata']['name']}", d["spec"]["template"]["metadata"],
                        d["spec"]["template"]["spec"]))
        elif d["kind"] == "Pod":
            out.append((f"Pod/{d['metadata']['name']}", d["metadata"], d["spec"]))
    return out


def subset(small, big):
    return bool(small) and all(big.get(k) == v for k, v in small.items())


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def configmap_env(docs, container):
    data = {}
    for src in container.get("envFrom", []):
        ref = src.get("configMapRef")
        if ref:
            data.update(one(docs, "ConfigMap", ref["name"]).get("data", {}))
    return data


# ---------------------------------------------------------------- the checks


def check_render(docs, expect):
    """Returns [(check name, None | failure detail)] for one rendered variant."""
    results = []

    def check(name, fn):
        try:
            fn()
            results.append((name, None))
        except AssertionError as exc:
            results.append((name, str(exc) or "assertion failed"))
        except (KeyError, IndexError, TypeError) as exc:
            results.append((name, f"missing or malformed field: {exc!r}"))

    def labels():
        for d in docs:
            lab = d["metadata"].get("labels", {})
            where = f"{d['kind']}/{d['metadata']['name']}"
            for key in ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                        "app.kubernetes.io/managed-by", "app.kubernetes.io/component", "helm.sh/chart"):
                assert key in lab, f"{where} lacks label {key}"
            assert lab["app.kubernetes.io/name"] == "xwing", f"{where} name label {lab['app.kubernetes.io/name']}"
            assert lab["app.kubernetes.io/instance"] == RELEASE, f"{where} instance label"
            comp = lab["app.kubernetes.io/component"]
            assert comp in ("api", "redis", "test"), f"{where} has component {comp}"
            if ("redis" in d["metadata"]["name"] and d["kind"] != "Secret") or d["kind"] == "StatefulSet":
                assert comp == "redis", f"{where} is Redis's but has component {comp}"
            want_ns = NAMESPACE
            if d["kind"] == "ConfigMap" and d["metadata"]["name"] == f"{FULL}-dashboard":
                want_ns = expect["dashboard"].get("namespace", NAMESPACE)
            assert d["metadata"].get("namespace", NAMESPACE) == want_ns, f"{where} namespace"
    check("recommended labels on every object", labels)

    dep = one(docs, "Deployment", FULL)
    pod = dep["spec"]["template"]
    api = next(c for c in pod["spec"]["containers"] if c["name"] == "api")
    ports = {p["name"]: p["containerPort"] for p in api["ports"]}
    cm = configmap_env(docs, api)

    def probes():
        for probe, route in PROBE_ROUTES.items():
            get = api[probe]["httpGet"]
            assert get["path"] == route, f"{probe} hits {get['path']}, the app serves {route}"
            assert get["port"] in ports or get["port"] == int(cm["PORT"]), f"{probe} port {get['port']} is no container port"
        assert int(cm["PORT"]) == ports["http"], f"PORT={cm['PORT']} but container port http={ports['http']}"
        if expect["metrics"]:
            assert int(cm["METRICS_PORT"]) == ports["metrics"], "METRICS_PORT differs from the metrics container port"
    check("probes hit the app's /healthz and /readyz on its HTTP port", probes)

    def security():
        for owner, meta, spec in pod_specs(docs):
            psc = spec.get("securityContext", {})
            assert spec.get("automountServiceAccountToken") is False, f"{owner} mounts a service account token"
            for c in spec["containers"]:
                sc = c.get("securityContext", {})
                merged = {**psc, **sc}
                assert merged.get("runAsNonRoot") is True, f"{owner}/{c['name']} may run as root"
                assert sc.get("readOnlyRootFilesystem") is True, f"{owner}/{c['name']} root FS is writable"
                assert sc.get("allowPrivilegeEscalation") is False, f"{owner}/{c['name']} allows privilege escalation"
                assert "ALL" in sc.get("capabilities", {}).get("drop", []), f"{owner}/{c['name']} keeps capabilities"
                assert merged.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{owner}/{c['name']} seccomp"
                image = c["image"]
                assert ":" in image and not image.endswith(":latest"), f"{owner}/{c['name']} image {image} is not pinned"
    check("restricted security context on every pod", security)

    def tmp():
        mounts = {m["mountPath"]: m["name"] for m in api.get("volumeMounts", [])}
        assert "/tmp" in mounts, "no /tmp mount under the read-only root FS"
        vol = next(v for v in pod["spec"]["volumes"] if v["name"] == mounts["/tmp"])
        assert "emptyDir" in vol, "/tmp is not an emptyDir"
    check("writable /tmp is an emptyDir", tmp)

    def resources():
        req = api["resources"]["requests"]
        assert req.get("cpu") and req.get("memory"), "API container lacks CPU or memory requests"
        assert api["resources"].get("limits", {}).get("memory"), "API container lacks a memory limit"
    check("API requests and limits", resources)

    def rollout():
        ru = dep["spec"]["strategy"]["rollingUpdate"]
        assert ru["maxUnavailable"] == 0, f"maxUnavailable is {ru['maxUnavailable']}"
        ann = pod["metadata"].get("annotations", {})
        assert len(ann.get("checksum/config", "")) == 64, "no checksum/config annotation on the pod template"
        grace = pod["spec"]["terminationGracePeriodSeconds"]
        # A setting the ConfigMap leaves out runs with the app's default.
        need = sum(int(cm.get(key, expect["app_defaults"][key])) for key in ("SHUTDOWN_DELAY_MS", "SHUTDOWN_TIMEOUT_MS"))
        assert grace * 1000 > need, f"terminationGracePeriodSeconds {grace} does not cover delay+drain {need} ms"
        assert pod["spec"].get("enableServiceLinks") is False, "service links may shadow app env vars"
    check("rolling update, checksum and grace period", rollout)

    def pod_name():
        ref = env_of(api)["POD_NAME"]["valueFrom"]["fieldRef"]
        assert ref["fieldPath"] == "metadata.name", f"POD_NAME from {ref}"
    check("POD_NAME comes from the downward API", pod_name)

    def spread():
        tsc = pod["spec"]["topologySpreadConstraints"]
        assert tsc and tsc[0]["topologyKey"] == "kubernetes.io/hostname", "pods are not spread across nodes"
        assert subset(tsc[0]["labelSelector"]["matchLabels"], pod["metadata"]["labels"]), "spread selector misses the pods"
    check("topology spread across nodes selects the API pods", spread)

    def service_selectors():
        workloads = pod_specs(docs)
        for svc in by_kind(docs, "Service"):
            sel = svc["spec"]["selector"]
            matches = [(o, s) for o, m, s in workloads if subset(sel, m.get("labels", {})) and not o.startswith("Pod/")]
            assert len(matches) == 1, f"Service {svc['metadata']['name']} selects {len(matches)} workloads"
            names = {p["name"] for c in matches[0][1]["containers"] for p in c.get("ports", [])}
            for port in svc["spec"]["ports"]:
                assert port["targetPort"] in names, f"Service {svc['metadata']['name']} targets missing port {port['targetPort']}"
    check("every Service selects exactly one workload's pods and named ports", service_selectors)

    hpas = by_kind(docs, "HorizontalPodAutoscaler")

    def hpa():
        if expect["hpa"]:
            assert len(hpas) == 1, f"{len(hpas)} HPAs"
            h = hpas[0]
            ref = h["spec"]["scaleTargetRef"]
            assert (ref["apiVersion"], ref["kind"], ref["name"]) == ("apps/v1", "Deployment", dep["metadata"]["name"]), f"HPA targets {ref}"
            assert h["apiVersion"] == "autoscaling/v2", h["apiVersion"]
            assert "replicas" not in dep["spec"], "Deployment sets spec.replicas while the HPA owns it"
            cpu = [m for m in h["spec"]["metrics"] if m["resource"]["name"] == "cpu"]
            assert cpu and cpu[0]["resource"]["target"]["type"] == "Utilization", "no CPU utilisation target"
            b = h["spec"]["behavior"]
            assert b["scaleDown"]["stabilizationWindowSeconds"] > b["scaleUp"]["stabilizationWindowSeconds"], "scale-down not stabilised"
        else:
            assert not hpas, "HPA rendered with autoscaling off"
            assert dep["spec"]["replicas"] == expect["replicas"], f"replicas {dep['spec'].get('replicas')}"
    check("HPA targets the Deployment, which leaves replicas to it", hpa)

    def pdb():
        pdbs = [p for p in by_kind(docs, "PodDisruptionBudget") if p["metadata"]["name"] == FULL]
        if expect["pdb"]:
            assert len(pdbs) == 1, "no PodDisruptionBudget although more than one replica always exists"
            assert subset(pdbs[0]["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"]), "PDB selects no API pod"
        else:
            assert not pdbs, "a PDB on a single guaranteed replica would block node drains"
    check("PodDisruptionBudget exactly when more than one replica is guaranteed", pdb)

    def redis_url():
        assert cm.get("REDIS_URL") == expect["redis_url"], f"REDIS_URL is {cm.get('REDIS_URL')}, want {expect['redis_url']}"
        pw = env_of(api).get("REDIS_PASSWORD")
        if expect["secret"] is None:
            assert pw is None, "REDIS_PASSWORD set without a password source"
            return
        assert pw, "the app gets no REDIS_PASSWORD"
        ref = pw["valueFrom"]["secretKeyRef"]
        assert (ref["name"], ref["key"]) == expect["secret"], f"REDIS_PASSWORD from {ref}, want {expect['secret']}"
        if expect["secret_rendered"]:
            sec = one(docs, "Secret", ref["name"])
            assert ref["key"] in sec["data"], f"Secret {ref['name']} has no key {ref['key']}"
    check("Redis URL and password reach the app", redis_url)

    def redis_pod():
        s = one(docs, "StatefulSet", REDIS)
        spec = s["spec"]["template"]["spec"]
        return s, spec, {c["name"]: c for c in spec["containers"]}

    def mounted_config_map(spec, container, path):
        """The ConfigMap a container sees at `path`, or None when something else is mounted there."""
        vol = next(m["name"] for m in container["volumeMounts"] if m["mountPath"] == path)
        source = next(v for v in spec["volumes"] if v["name"] == vol)
        return one(docs, "ConfigMap", source["configMap"]["name"]) if "configMap" in source else None

    def script(spec, container, command):
        """The file a container runs (`sh <scripts dir>/<file> ...`), read from its ConfigMap."""
        assert command[0] == "sh" and len(command) >= 2, f"{container['name']} runs {command}, not a script"
        folder, name = command[1].rsplit("/", 1)
        cm = mounted_config_map(spec, container, folder)
        assert cm is not None, f"{command[1]} is not on a ConfigMap mount"
        assert name in cm["data"], f"{name} is not in ConfigMap {cm['metadata']['name']}"
        assert cm["data"][name] == expect["files"]["redis/" + name], f"{name} differs from files/redis/{name}"
        return cm["data"][name] + cm["data"]["lib.sh"]

    def redis():
        sts = by_kind(docs, "StatefulSet")
        if not expect["redis"]:
            assert not sts and not [s for s in by_kind(docs, "Service") if "redis" in s["metadata"]["name"]], "in-cluster Redis rendered"
            return
        s, spec, containers = redis_pod()
        c = containers["redis"]
        assert s["spec"]["replicas"] == expect["redis_replicas"], f"{s['spec']['replicas']} Redis pods"
        for container in containers.values():
            assert container["image"].startswith("redis:"), f"{container['name']} image {container['image']} is not the official redis"
        headless = one(docs, "Service", s["spec"]["serviceName"])
        assert headless["spec"].get("clusterIP") == "None", "serviceName is not a headless Service"
        assert headless["spec"].get("publishNotReadyAddresses") is True, "pods not yet ready have no DNS name"
        client = one(docs, "Service", REDIS)
        assert client["spec"].get("clusterIP") != "None"
        conf_map = mounted_config_map(spec, c, "/etc/xwing-redis")
        assert conf_map["data"]["common.conf"] == expect["files"]["redis.conf"], "common.conf is not files/redis.conf verbatim"
        conf = conf_map["data"]["redis.conf"].splitlines()
        assert conf[0] == "include /etc/xwing-redis/common.conf", "the per-pod config does not include the shared one first"
        assert "appendonly yes" in conf, "append-only persistence is off"
        assert "maxmemory-policy noeviction" in conf, "a maxmemory policy that evicts sessions"
        env = env_of(c)
        for name in ("REDIS_PASSWORD", "REDISCLI_AUTH"):
            ref = env[name]["valueFrom"]["secretKeyRef"]
            assert (ref["name"], ref["key"]) == expect["secret"], f"Redis {name} from {ref}"
        assert env["REDIS_CONFIG"]["value"] == "/etc/xwing-redis/redis.conf", "Redis starts from another config"
        start = script(spec, c, c["command"])
        assert "requirepass" in start, "Redis never sets requirepass"
        run_dir = env["REDIS_RUN_DIR"]["value"]
        assert mounted_config_map(spec, c, run_dir) is None, "the generated config would land on a read-only mount"
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert "redis-cli" in script(spec, c, c[probe]["exec"]["command"]), f"Redis {probe} does not ping"
        vct = s["spec"].get("volumeClaimTemplates", [])
        mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
        assert mounts.get("data") == "/data" == env["REDIS_DATA_DIR"]["value"], "Redis data is not kept on /data"
        if expect["persistence"]:
            assert len(vct) == 1 and vct[0]["metadata"]["name"] == "data", "no PVC template for /data"
            assert vct[0]["spec"]["resources"]["requests"]["storage"], "PVC without a size"
            vlabels = vct[0]["metadata"].get("labels", {})
            assert "app.kubernetes.io/version" not in vlabels and "helm.sh/chart" not in vlabels, \
                "volumeClaimTemplates carry labels that change on upgrade (they are immutable)"
        else:
            assert not vct and "emptyDir" in next(v for v in spec["volumes"] if v["name"] == "data"), "persistence off should use an emptyDir"
        assert len(s["spec"]["template"]["metadata"]["annotations"]["checksum/config"]) == 64
    check("Redis StatefulSet: official image, headless + client Service, AOF, noeviction, auth, probes, storage", redis)

    def replication():
        if not expect["redis"]:
            return
        s, spec, containers = redis_pod()
        pdbs = [p for p in by_kind(docs, "PodDisruptionBudget") if p["metadata"]["name"] == REDIS]
        api_cm = one(docs, "ConfigMap", FULL)["data"]
        if not expect["replication"]:
            assert list(containers) == ["redis"], f"standalone Redis pod runs {list(containers)}"
            assert not pdbs, "a PDB on the single Redis pod would block node drains"
            assert "REDIS_SENTINELS" not in api_cm, "the app is sent to Sentinels that do not exist"
            assert [p["name"] for p in one(docs, "Service", REDIS)["spec"]["ports"]] == ["redis"]
            return
        rep = expect["replication"]
        n, port, name = rep["replicas"], rep["port"], rep["name"]
        assert list(containers) == ["redis", "sentinel"], f"Redis pod runs {list(containers)}"
        redis_c, sentinel_c = containers["redis"], containers["sentinel"]
        assert redis_c["image"] == sentinel_c["image"], "Sentinel runs another image than Redis"
        assert s["spec"]["podManagementPolicy"] == "Parallel", "a stuck pod would hold the others back"
        domain = f"{REDIS}-headless.{NAMESPACE}.svc.cluster.local"
        nodes = ",".join(f"{REDIS}-{i}.{domain}:6379" for i in range(n))
        sentinels = ",".join(f"{REDIS}-{i}.{domain}:{port}" for i in range(n))
        for c in (redis_c, sentinel_c):
            env = env_of(c)
            assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
            names = list(env)
            assert names.index("POD_NAME") < names.index("ANNOUNCE_HOST"), "$(POD_NAME) used before it is defined"
            assert env["ANNOUNCE_HOST"]["value"] == f"$(POD_NAME).{domain}", f"{c['name']} announces {env['ANNOUNCE_HOST']}"
            assert env["REDIS_NODES"]["value"] == nodes, f"{c['name']} REDIS_NODES {env['REDIS_NODES']['value']}"
            assert env["SENTINEL_NODES"]["value"] == sentinels, f"{c['name']} SENTINEL_NODES"
            assert env["SENTINEL_MASTER_NAME"]["value"] == name
            ref = env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]
            assert (ref["name"], ref["key"]) == expect["secret"], f"{c['name']} password from {ref}"
        start_redis = script(spec, redis_c, redis_c["command"])
        for line in ("masterauth", "replica-announce-ip", "replicaof", "newest_view"):
            assert line in start_redis, f"start-redis.sh lacks {line}"
        start_sentinel = script(spec, sentinel_c, sentinel_c["command"])
        for line in ("announce-hostnames yes", "resolve-hostnames yes", "sentinel announce-ip", "sentinel auth-pass",
                     "requirepass", "sentinel monitor"):
            assert line in start_sentinel, f"start-sentinel.sh lacks {line}"
        assert "--sentinel" in start_sentinel, "Sentinel is not started as redis-server --sentinel"
        conf_dir = env_of(sentinel_c)["SENTINEL_CONF_DIR"]["value"]
        vol = next(m["name"] for m in sentinel_c["volumeMounts"] if m["mountPath"] == conf_dir)
        assert "emptyDir" in next(v for v in spec["volumes"] if v["name"] == vol), "Sentinel's config is not on writable storage"
        grace = spec["terminationGracePeriodSeconds"]
        for c, file in ((redis_c, "prestop-redis.sh"), (sentinel_c, "prestop-sentinel.sh")):
            command = c["lifecycle"]["preStop"]["exec"]["command"]
            assert command[1].endswith("/" + file), f"{c['name']} preStop runs {command}"
            script(spec, c, command)
            timeout = int(env_of(c)["PRESTOP_TIMEOUT_SECONDS"]["value"])
            assert 0 < timeout < grace, f"{c['name']} preStop may wait {timeout}s of a {grace}s grace period"
        handover = script(spec, redis_c, redis_c["lifecycle"]["preStop"]["exec"]["command"])
        assert "CLIENT PAUSE" in handover and "SENTINEL FAILOVER" in handover, "the preStop does not pause writes and fail over"
        ready = script(spec, redis_c, redis_c["readinessProbe"]["exec"]["command"])
        assert redis_c["readinessProbe"]["exec"]["command"][2] == "ready" and "master_link_status" in ready, \
            "a replica is ready before it is in sync"
        assert sentinel_c["readinessProbe"] and sentinel_c["livenessProbe"], "Sentinel has no probes"
        assert len(pdbs) == 1 and pdbs[0]["spec"]["maxUnavailable"] == 1, "no PDB with maxUnavailable 1 for the Redis pods"
        assert subset(pdbs[0]["spec"]["selector"]["matchLabels"], s["spec"]["template"]["metadata"]["labels"]), "Redis PDB selects no Redis pod"
        terms = spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
        assert terms[0]["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname", "Redis pods are not spread over nodes"
        assert "requiredDuringSchedulingIgnoredDuringExecution" not in spec["affinity"]["podAntiAffinity"]
        headless = one(docs, "Service", f"{REDIS}-headless")
        assert {p["name"]: p["port"] for p in headless["spec"]["ports"]} == {"redis": 6379, "sentinel": port}
        client = one(docs, "Service", REDIS)
        assert [(p["name"], p["port"]) for p in client["spec"]["ports"]] == [("sentinel", port)], \
            "the Redis Service load-balances the data port over replicas"
        assert api_cm.get("REDIS_SENTINELS") == sentinels, f"the app's REDIS_SENTINELS is {api_cm.get('REDIS_SENTINELS')}"
        assert api_cm.get("REDIS_SENTINEL_NAME") == name, f"the app's REDIS_SENTINEL_NAME is {api_cm.get('REDIS_SENTINEL_NAME')}"
    check("Redis replication: Sentinel beside each node, stable names, writable Sentinel config, preStop handover, in-sync readiness, PDB", replication)

    def service_account():
        sas = by_kind(docs, "ServiceAccount")
        assert len(sas) == 1 and sas[0]["automountServiceAccountToken"] is False, "ServiceAccount automounts its token"
        assert pod["spec"]["serviceAccountName"] == sas[0]["metadata"]["name"]
    check("ServiceAccount without token automount", service_account)

    def helm_test():
        pods = by_kind(docs, "Pod")
        assert len(pods) == 1, f"{len(pods)} test Pods"
        p = pods[0]
        assert p["metadata"]["annotations"]["helm.sh/hook"] == "test"
        c = p["spec"]["containers"][0]
        svc = one(docs, "Service", FULL)
        port = next(x["port"] for x in svc["spec"]["ports"] if x["name"] == "http")
        url = env_of(c)["XWING_URL"]["value"]
        assert url == f"http://{FULL}:{port}", f"test Pod calls {url}, not the Service"
        folder, file = c["command"][1].rsplit("/", 1)
        script = mounted_config_map(p["spec"], c, folder)["data"][file]
        assert script == expect["files"]["tests/session-test.mjs"], "the test client differs from files/tests/session-test.mjs"
        for route in ("/auth/register", "/auth/login", "/auth/session"):
            assert route in script, f"test Pod never calls {route}"
    check("helm test Pod registers, logs in and reads the session through the Service", helm_test)

    def network_policy():
        nps = by_kind(docs, "NetworkPolicy")
        if not expect["netpol"]:
            assert not nps, "NetworkPolicy rendered while disabled"
            return
        rp = one(docs, "NetworkPolicy", REDIS)
        redis_pod = one(docs, "StatefulSet", REDIS)["spec"]["template"]["metadata"]["labels"]
        assert subset(rp["spec"]["podSelector"]["matchLabels"], redis_pod), "Redis policy selects no Redis pod"
        rules = rp["spec"]["ingress"]
        assert all(len(r["from"]) == 1 for r in rules), "a Redis policy rule admits more than one peer"
        peers = [r["from"][0]["podSelector"]["matchLabels"] for r in rules]
        assert subset(peers[0], pod["metadata"]["labels"]), "Redis policy does not admit the API pods"
        assert not subset(peers[0], redis_pod), "the API rule also matches Redis itself"
        ports = lambda rule: sorted(p["port"] for p in rule["ports"])
        if expect["replication"]:
            assert len(rules) == 2 and subset(peers[1], redis_pod), "Redis pods cannot reach each other"
            assert ports(rules[0]) == ports(rules[1]) == ["redis", "sentinel"], "a rule misses Redis's or Sentinel's port"
        else:
            assert len(rules) == 1 and ports(rules[0]) == ["redis"], "Redis policy admits more than the API on Redis's port"
        ap = one(docs, "NetworkPolicy", FULL)
        assert subset(ap["spec"]["podSelector"]["matchLabels"], pod["metadata"]["labels"])
    check("NetworkPolicy: Redis accepts only the API pods", network_policy)

    def ingress():
        ings = by_kind(docs, "Ingress")
        if not expect["ingress"]:
            assert not ings, "Ingress rendered while disabled"
            return
        ing = ings[0]
        svc = one(docs, "Service", FULL)
        names = {p["name"] for p in svc["spec"]["ports"]}
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                be = path["backend"]["service"]
                assert be["name"] == FULL and be["port"]["name"] in names, f"Ingress backend {be} is not the API Service"
        assert ing["spec"].get("ingressClassName") == expect["ingress"], "ingressClassName"
    check("Ingress routes to the API Service", ingress)

    def service_monitor():
        sms = by_kind(docs, "ServiceMonitor")
        if not expect["servicemonitor"]:
            assert not sms, "ServiceMonitor rendered without the monitoring.coreos.com/v1 API or while disabled"
            return
        sm = one(docs, "ServiceMonitor")
        svc = one(docs, "Service", FULL)
        assert subset(sm["spec"]["selector"]["matchLabels"], svc["metadata"]["labels"]), "ServiceMonitor selects no Service"
        others = [s for s in by_kind(docs, "Service") if s is not svc and subset(sm["spec"]["selector"]["matchLabels"], s["metadata"]["labels"])]
        assert not others, "ServiceMonitor also selects the Redis Services"
        names = {p["name"] for p in svc["spec"]["ports"]}
        assert all(e["port"] in names and e["path"] == "/metrics" for e in sm["spec"]["endpoints"]), "ServiceMonitor endpoint"
        for k, v in expect.get("sm_labels", {}).items():
            assert sm["metadata"]["labels"].get(k) == v, f"ServiceMonitor lacks label {k}={v}"
    check("ServiceMonitor only with the monitoring API, selecting the metrics port", service_monitor)

    def service_type():
        svc = one(docs, "Service", FULL)
        assert svc["spec"]["type"] == expect["service_type"], svc["spec"]["type"]
        http = next(p for p in svc["spec"]["ports"] if p["name"] == "http")
        assert http.get("nodePort") == expect.get("node_port"), f"nodePort {http.get('nodePort')}"
        assert ("metrics" in {p["name"] for p in svc["spec"]["ports"]}) == expect["metrics"]
    check("API Service type and ports", service_type)

    def config_env():
        # Each value as the app reads it: a ratio keeps its fraction, a whole number has none.
        for key, value in expect["config_env"].items():
            assert cm.get(key) == value, f"{key} is {cm.get(key)!r} in the ConfigMap, want {value!r}"
    check("config values reach the environment as written", config_env)

    def dashboard():
        cms = [c for c in by_kind(docs, "ConfigMap") if c["metadata"]["name"] == f"{FULL}-dashboard"]
        want = expect["dashboard"]
        if not want:
            assert not cms, "dashboard ConfigMap rendered while disabled or without metrics"
            return
        cm = one(cms, "ConfigMap")
        assert cm["data"] == {"dashboard.json": expect["files"]["monitoring/dashboard.json"]}, \
            "the ConfigMap does not carry files/monitoring/dashboard.json verbatim"
        for key, value in want["labels"].items():
            assert cm["metadata"]["labels"].get(key) == value, f"the Grafana sidecar's label {key}={value} is missing"
        assert cm["metadata"].get("annotations", {}) == want.get("annotations", {}), "dashboard annotations"
        board = json.loads(cm["data"]["dashboard.json"])
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert {"datasource", "namespace", "release"} <= set(variables), f"dashboard variables {sorted(variables)}"
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                assert '$namespace' in target["expr"] and '$release' in target["expr"], \
                    f"{panel['title']}: {target['expr']} ignores the namespace or release variable"
                assert target["datasource"]["uid"] == "${datasource}", f"{panel['title']} has a fixed data source"
    check("Grafana dashboard ConfigMap: files/monitoring/dashboard.json for the sidecar", dashboard)

    def prometheus_rule():
        rules = by_kind(docs, "PrometheusRule")
        want = expect["prometheusrule"]
        if not want:
            assert not rules, "PrometheusRule rendered without the monitoring.coreos.com/v1 API, metrics or while disabled"
            return
        rule = one(docs, "PrometheusRule", FULL)
        for key, value in want["labels"].items():
            assert rule["metadata"]["labels"].get(key) == value, f"PrometheusRule lacks label {key}={value}"
        text = expect["files"]["monitoring/rules.yaml"]
        for placeholder, value in (("__SELECTOR__", f'namespace="{NAMESPACE}", job="{FULL}"'), ("__NAMESPACE__", NAMESPACE),
                                   ("__RELEASE__", FULL), ("__PODS__", f"{FULL}-.+"),
                                   ("__AVAILABILITY_TARGET__", want["availability"]), ("__LATENCY_TARGET__", want["latency"]),
                                   ("__LATENCY_LE__", want["le"]), ("__LATENCY_EXCLUDED_ROUTES__", want["excluded"]),
                                   ("__REDIS_ERRORS_PER_SECOND__", want["redis"])):
            text = text.replace(placeholder, value)
        assert "__" not in json.dumps(rule["spec"]), "a placeholder is left in the rendered rules"
        assert rule["spec"] == yaml.safe_load(text), "the rules differ from files/monitoring/rules.yaml with this release's values"
    check("PrometheusRule: files/monitoring/rules.yaml with the release's selectors and targets", prometheus_rule)
    return results


# ---------------------------------------------------------------- the matrix

BASE = {
    "dashboard": None, "prometheusrule": None,
    "hpa": True, "replicas": None, "pdb": True, "metrics": True, "redis": True, "persistence": True,
    "redis_url": f"redis://{REDIS}:6379", "secret": (REDIS, "redis-password"), "secret_rendered": True,
    "netpol": False, "ingress": None, "servicemonitor": False, "service_type": "ClusterIP",
    "redis_replicas": 1, "replication": None, "config_env": {},
}

REPLICATION = {"replicas": 3, "port": 26379, "name": "xwing"}
# The rules' values as the template writes them into files/monitoring/rules.yaml (defaults).
RULES = {"labels": {}, "availability": "0.999", "latency": "0.99", "le": "0\\\\.5", "excluded": "/work", "redis": "0.1"}
SIDECAR = {"labels": {"grafana_dashboard": "1"}}
SENTINEL_URL = f"redis://{REDIS}-headless:6379"

VARIANTS = [
    ("defaults", {}, (), {}),
    ("hpa-off", {"autoscaling": {"enabled": False}, "replicaCount": 3}, (), {"hpa": False, "replicas": 3}),
    ("hpa-off-single-replica", {"autoscaling": {"enabled": False}, "replicaCount": 1}, (),
     {"hpa": False, "replicas": 1, "pdb": False}),
    ("hpa-min-1", {"autoscaling": {"minReplicas": 1}}, (), {"pdb": False}),
    ("external-redis-host-tls-existing-secret",
     {"redis": {"enabled": False}, "externalRedis": {"host": "redis.example.internal", "port": 6380, "tls": True,
                                                   "existingSecret": "managed-redis", "existingSecretPasswordKey": "pw"}},
     (), {"redis": False, "redis_url": "rediss://redis.example.internal:6380", "secret": ("managed-redis", "pw"),
          "secret_rendered": False}),
    ("external-redis-url-password",
     {"redis": {"enabled": False}, "externalRedis": {"url": "redis://cache.example.internal:6379/2", "password": "s3cret"}},
     (), {"redis": False, "redis_url": "redis://cache.example.internal:6379/2",
          "secret": (f"{FULL}-external-redis", "redis-password")}),
    ("external-redis-no-password",
     {"redis": {"enabled": False}, "externalRedis": {"host": "10.0.0.5"}},
     (), {"redis": False, "redis_url": "redis://10.0.0.5:6379", "secret": None, "secret_rendered": False}),
    ("redis-existing-secret", {"redis": {"auth": {"existingSecret": "my-redis", "existingSecretPasswordKey": "password"}}},
     (), {"secret": ("my-redis", "password"), "secret_rendered": False}),
    ("networkpolicy", {"networkPolicy": {"enabled": True}}, (), {"netpol": True}),
    ("ingress", {"ingress": {"enabled": True, "className": "nginx",
                             "tls": [{"secretName": "xwing-tls", "hosts": ["xwing.local"]}]}}, (), {"ingress": "nginx"}),
    ("servicemonitor", {"metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}}}},
     ("monitoring.coreos.com/v1",), {"servicemonitor": True, "sm_labels": {"release": "kube-prometheus-stack"}}),
    ("servicemonitor-without-crd", {"metrics": {"serviceMonitor": {"enabled": True}}}, (), {"servicemonitor": False}),
    ("monitoring", {"metrics": {"serviceMonitor": {"enabled": True},
                                "dashboard": {"enabled": True, "annotations": {"grafana_folder": "xwing"}},
                                "prometheusRule": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}}}},
     ("monitoring.coreos.com/v1",), {"servicemonitor": True, "dashboard": {**SIDECAR, "annotations": {"grafana_folder": "xwing"}},
                                     "prometheusrule": {**RULES, "labels": {"release": "kube-prometheus-stack"}}}),
    ("monitoring-without-crd-dashboard-elsewhere",
     {"metrics": {"dashboard": {"enabled": True, "labels": {"grafana_dashboard": "xwing"}, "namespace": "monitoring"},
                  "prometheusRule": {"enabled": True}}},
     (), {"dashboard": {"labels": {"grafana_dashboard": "xwing"}, "namespace": "monitoring"}}),
    ("prometheusrule-custom-slo",
     {"metrics": {"prometheusRule": {"enabled": True, "availability": {"target": 0.995},
                                     "latency": {"target": 0.95, "thresholdSeconds": 1, "excludedRoutes": ["/work", "/auth/login"]},
                                     "redisErrorsPerSecond": 0.5}}},
     ("monitoring.coreos.com/v1",),
     {"prometheusrule": {**RULES, "availability": "0.995", "latency": "0.95", "le": "1(\\\\.0)?",
                         "excluded": "/work|/auth/login", "redis": "0.5"}}),
    ("metrics-off-monitoring-on", {"metrics": {"enabled": False, "dashboard": {"enabled": True}, "prometheusRule": {"enabled": True}}},
     ("monitoring.coreos.com/v1",), {"metrics": False}),
    ("metrics-off", {"metrics": {"enabled": False}}, (), {"metrics": False}),
    ("persistence-off", {"redis": {"persistence": {"enabled": False}}}, (), {"persistence": False}),
    ("nodeport", {"service": {"type": "NodePort", "nodePort": 30080}}, (), {"service_type": "NodePort", "node_port": 30080}),
    ("replication", {"redis": {"architecture": "replication"}}, (),
     {"redis_replicas": 3, "replication": REPLICATION, "redis_url": SENTINEL_URL}),
    ("replication-5-custom-sentinel-networkpolicy",
     {"redis": {"architecture": "replication", "replication": {"replicas": 5},
                "sentinel": {"port": 26400, "masterName": "sessions", "quorum": 3},
                "persistence": {"enabled": False}},
      "networkPolicy": {"enabled": True}},
     (), {"redis_replicas": 5, "replication": {"replicas": 5, "port": 26400, "name": "sessions"},
          "redis_url": SENTINEL_URL, "netpol": True, "persistence": False}),
    ("replication-existing-secret",
     {"redis": {"architecture": "replication", "auth": {"existingSecret": "my-redis", "existingSecretPasswordKey": "password"}}},
     (), {"redis_replicas": 3, "replication": REPLICATION, "redis_url": SENTINEL_URL,
          "secret": ("my-redis", "password"), "secret_rendered": False}),
    ("config-yaml-typed", {"config": {"TRUST_PROXY": 1, "ALLOW_REGISTRATION": "yes", "COOKIE_SECURE": True,
                                      "PASSWORD_SCRYPT_COST": 32768, "SHUTDOWN_TIMEOUT_MS": 40000}}, (), {}),
    ("tracing", {"config": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector.observability:4318",
                            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": 0.1,
                            "SHUTDOWN_DELAY_MS": 3000}}, (),
     {"config_env": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector.observability:4318",
                     "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1",
                     "SHUTDOWN_DELAY_MS": "3000"}}),
    ("external-redis-ignores-architecture",
     {"redis": {"enabled": False, "architecture": "replication"}, "externalRedis": {"host": "10.0.0.5"}},
     (), {"redis": False, "redis_url": "redis://10.0.0.5:6379", "secret": None, "secret_rendered": False}),
]

# (values, --set, substring the error must contain)
REJECTIONS = [
    ({}, ["replicaCount=two"], "/replicaCount"),
    ({"autoscalling": {"enabled": True}}, [], "autoscalling"),
    ({"autoscaling": {"minReplicas": 0}}, [], "/autoscaling/minReplicas"),
    ({"config": {"LOG_LEVEL": "verbose"}}, [], "/config/LOG_LEVEL"),
    ({"config": {"SESSION_TTL": 60}}, [], "SESSION_TTL"),
    ({"config": {"RATE_LIMIT_MAX": "100"}}, [], "/config/RATE_LIMIT_MAX"),
    ({"config": {"PASSWORD_SCRYPT_COST": 20000}}, [], "/config/PASSWORD_SCRYPT_COST"),
    ({"config": {"TRUST_PROXY": True}}, [], "/config/TRUST_PROXY"),
    ({"config": {"REDIS_WAIT_TIMEOUT_MS": 5}}, [], "/config/REDIS_WAIT_TIMEOUT_MS"),
    ({"config": {"OTEL_EXPORTER_OTLP_ENDPOINT": "otel-collector:4318"}}, [], "/config/OTEL_EXPORTER_OTLP_ENDPOINT"),
    ({"config": {"OTEL_TRACES_SAMPLER_ARG": 1.5}}, [], "/config/OTEL_TRACES_SAMPLER_ARG"),
    ({"service": {"type": "Ingress"}}, [], "/service/type"),
    ({"redis": {"persistence": {"size": "lots"}}}, [], "/redis/persistence/size"),
    ({"redis": {"config": {"maxmemoryPolicy": "lru"}}}, [], "/redis/config/maxmemoryPolicy"),
    ({"externalRedis": {"url": "redis://:hunter2@cache:6379"}}, [], "/externalRedis/url"),
    ({"image": {"pullPolicy": "Sometimes"}}, [], "/image/pullPolicy"),
    ({"image": {"tag": "latest"}}, [], "/image/tag"),
    ({"metrics": {"prometheusRule": {"latency": {"thresholdSeconds": 0.3}}}}, [], "/metrics/prometheusRule/latency/thresholdSeconds"),
    ({"metrics": {"prometheusRule": {"availability": {"target": 99.9}}}}, [], "/metrics/prometheusRule/availability/target"),
    ({}, ["metrics.dashboard.labels.grafana_dashboard=null"], "/metrics/dashboard/labels"),
    ({"resources": {"requests": {"cpu": "lots"}}}, [], "/resources/requests/cpu"),
    ({"redis": {"enabled": False}}, [], "externalRedis.url or externalRedis.host"),
    ({"autoscaling": {"minReplicas": 5, "maxReplicas": 3}}, [], "minReplicas must not exceed"),
    ({"resources": {"requests": {"memory": "128Mi"}}}, ["resources.requests.cpu=null"], "resources.requests.cpu"),
    ({"redis": {"architecture": "cluster"}}, [], "/redis/architecture"),
    ({"redis": {"architecture": "replication", "replication": {"replicas": 2}}}, [], "/redis/replication/replicas"),
    ({"redis": {"replication": {"replicas": 1}}}, [], "/redis/replication/replicas"),
    ({"redis": {"sentinel": {"downAfterMs": 2000}}}, [], "downAfterMs"),
    ({"redis": {"sentinel": {"port": 6379}}}, [], "/redis/sentinel/port"),
    ({"redis": {"sentinel": {"masterName": "my master"}}}, [], "/redis/sentinel/masterName"),
    ({"redis": {"architecture": "replication", "sentinel": {"quorum": 4}}}, [], "redis.sentinel.quorum (4) must not exceed"),
    ({"redis": {"architecture": "replication", "terminationGracePeriodSeconds": 10}}, [],
     "redis.terminationGracePeriodSeconds (10) must be at least 15"),
]


def mutations():
    """Broken renders of the defaults, each with the check that must catch it."""

    def deployment(docs):
        return one(docs, "Deployment", FULL)

    def api(docs):
        return deployment(docs)["spec"]["template"]["spec"]["containers"][0]

    def readiness_route(docs):
        api(docs)["readinessProbe"]["httpGet"]["path"] = "/ready"

    def replicas_with_hpa(docs):
        deployment(docs)["spec"]["replicas"] = 2

    def selector_typo(docs):
        one(docs, "Service", FULL)["spec"]["selector"]["app.kubernetes.io/component"] = "web"

    def drop_pdb(docs):
        docs.remove(one(docs, "PodDisruptionBudget"))

    def wrong_redis_host(docs):
        one(docs, "ConfigMap", FULL)["data"]["REDIS_URL"] = "redis://redis:6379"

    def lru(docs):
        cm = one(docs, "ConfigMap", REDIS)
        cm["data"]["redis.conf"] = cm["data"]["redis.conf"].replace("noeviction", "allkeys-lru")

    def hpa_target(docs):
        one(docs, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["name"] = "other"

    def writable_root(docs):
        api(docs)["securityContext"]["readOnlyRootFilesystem"] = False

    def short_grace(docs):
        deployment(docs)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 5

    def missing_label(docs):
        del one(docs, "ServiceAccount")["metadata"]["labels"]["app.kubernetes.io/component"]

    return [
        (readiness_route, "probes hit"), (replicas_with_hpa, "HPA targets"), (selector_typo, "every Service"),
        (drop_pdb, "PodDisruptionBudget"), (wrong_redis_host, "Redis URL"), (lru, "Redis StatefulSet"),
        (hpa_target, "HPA targets"), (writable_root, "restricted security"), (short_grace, "rolling update"),
        (missing_label, "recommended labels"),
    ]


def replication_mutations():
    """Broken renders of the replication variant, each with the check that must catch it."""

    def redis_containers(docs):
        return {c["name"]: c for c in one(docs, "StatefulSet", REDIS)["spec"]["template"]["spec"]["containers"]}

    def no_prestop(docs):
        del redis_containers(docs)["redis"]["lifecycle"]

    def sentinel_conf_on_configmap(docs):
        sentinel = redis_containers(docs)["sentinel"]
        next(e for e in sentinel["env"] if e["name"] == "SENTINEL_CONF_DIR")["value"] = "/opt/xwing-redis"

    def readiness_is_ping(docs):
        redis_containers(docs)["redis"]["readinessProbe"]["exec"]["command"][2] = "alive"

    def drop_redis_pdb(docs):
        docs.remove(one(docs, "PodDisruptionBudget", REDIS))

    def announce_pod_ip(docs):
        for c in redis_containers(docs).values():
            next(e for e in c["env"] if e["name"] == "ANNOUNCE_HOST")["value"] = "$(POD_IP)"

    def data_port_service(docs):
        one(docs, "Service", REDIS)["spec"]["ports"].append({"name": "redis", "port": 6379, "targetPort": "redis"})

    def app_without_sentinels(docs):
        del one(docs, "ConfigMap", FULL)["data"]["REDIS_SENTINELS"]

    def ordered_ready(docs):
        del one(docs, "StatefulSet", REDIS)["spec"]["podManagementPolicy"]

    def edited_script(docs):
        cm = one(docs, "ConfigMap", f"{REDIS}-scripts")
        cm["data"]["start-sentinel.sh"] = cm["data"]["start-sentinel.sh"].replace("announce-hostnames yes", "announce-hostnames no")

    return [(m, "Redis replication") for m in (no_prestop, sentinel_conf_on_configmap, readiness_is_ping, drop_redis_pdb,
                                                announce_pod_ip, data_port_service, app_without_sentinels, ordered_ready,
                                                edited_script)]


def monitoring_mutations():
    """Broken renders of the monitoring variant, each with the check that must catch it."""

    def dashboard_cm(docs):
        return one(docs, "ConfigMap", f"{FULL}-dashboard")

    def edited_dashboard(docs):
        cm = dashboard_cm(docs)
        cm["data"]["dashboard.json"] = cm["data"]["dashboard.json"].replace("xwing_cache_hits_total", "xwing_cache_hit_total")

    def no_sidecar_label(docs):
        del dashboard_cm(docs)["metadata"]["labels"]["grafana_dashboard"]

    def rule_for_another_job(docs):
        rule = one(docs, "PrometheusRule", FULL)["spec"]["groups"][0]["rules"][0]
        rule["expr"] = rule["expr"].replace(f'job="{FULL}"', 'job="xwing"')

    def other_threshold(docs):
        rules = one(docs, "PrometheusRule", FULL)["spec"]["groups"][1]["rules"]
        rules[0]["expr"] = rules[0]["expr"].replace("14.4", "1.44")

    return [
        (edited_dashboard, "Grafana dashboard"), (no_sidecar_label, "Grafana dashboard"),
        (rule_for_another_job, "PrometheusRule"), (other_threshold, "PrometheusRule"),
    ]


def app_defaults(chart):
    """The app's defaults, as values.schema.json carries them from app/src/config.ts."""
    with open(os.path.join(chart, "values.schema.json")) as fh:
        settings = json.load(fh)["properties"]["config"]["properties"]
    return {key: schema["default"] for key, schema in settings.items() if "default" in schema}


def chart_files(chart):
    """The chart's files/ folder, by path relative to it: what the ConfigMaps must carry verbatim."""
    files = {}
    base = os.path.join(chart, "files")
    for folder, _, names in os.walk(base):
        for name in names:
            path = os.path.join(folder, name)
            with open(path) as fh:
                files[os.path.relpath(path, base)] = fh.read()
    return files


def kubeconform(files, schemas):
    location = os.path.join(schemas, "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}",
                            "{{ .ResourceKind }}{{ .KindSuffix }}.json")
    cmd = ["kubeconform", "-strict", "-summary", "-output", "json", "-kubernetes-version", KUBE_VERSION,
           "-schema-location", location, *files]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return proc.returncode, json.loads(proc.stdout)


def repo_checks(root, chart, schemas, res):
    """The files around the chart: plain manifests, kind, metrics-server, images (skaffold.yaml: skaffold_test.py)."""

    check = res.record

    def read(rel):
        with open(os.path.join(root, rel)) as fh:
            return fh.read()

    values = yaml.safe_load(read("charts/xwing/values.yaml"))

    def plain_manifests():
        proc = subprocess.run(["bash", os.path.join(root, "k8s/manifests/render.sh")], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == read("k8s/manifests/xwing.yaml"), "k8s/manifests/xwing.yaml is stale: run make manifests"
        docs = load_docs(proc.stdout)
        assert not by_kind(docs, "Secret"), "plain manifests carry a Secret (a password in git)"
        assert not by_kind(docs, "Pod"), "plain manifests carry the helm-test Pod"
    check("k8s/manifests/xwing.yaml is current and holds no Secret", plain_manifests)

    def kind_config():
        cfg = yaml.safe_load(read("k8s/kind/cluster.yaml"))
        roles = [n["role"] for n in cfg["nodes"]]
        assert roles == ["control-plane", "worker", "worker"], f"kind nodes {roles}"
        kv = yaml.safe_load(read("k8s/kind/values.yaml"))
        ports = [m["containerPort"] for n in cfg["nodes"] for m in n.get("extraPortMappings", [])]
        assert kv["service"]["nodePort"] in ports, f"nodePort {kv['service']['nodePort']} is not mapped by kind ({ports})"
        proc = helm_template(chart, values=kv)
        assert proc.returncode == 0, proc.stderr
        svc = one(load_docs(proc.stdout), "Service", FULL)
        assert svc["spec"]["type"] == "NodePort" and svc["spec"]["ports"][0]["nodePort"] == kv["service"]["nodePort"]
    check("kind config: 1 control plane + 2 workers, NodePort of k8s/kind/values.yaml mapped", kind_config)

    def plain_valid():
        files = [os.path.join(root, "k8s/metrics-server/metrics-server.yaml"), os.path.join(root, "k8s/manifests/xwing.yaml")]
        code, report = kubeconform(files, schemas)
        assert code == 0 and report["summary"]["skipped"] == 0, json.dumps(report)[:1000]
        ms = one(load_docs(read("k8s/metrics-server/metrics-server.yaml")), "Deployment", "metrics-server")
        assert "--kubelet-insecure-tls" in ms["spec"]["template"]["spec"]["containers"][0]["args"], "kind needs --kubelet-insecure-tls"
    check("metrics-server (with kubelet-insecure-tls) and plain manifests pass kubeconform", plain_valid)

    def base_image_names():
        script, dockerfile = read("images/build-base-images.sh"), read("Dockerfile")
        redis = f"{values['redis']['image']['repository']}:{values['redis']['image']['tag']}"
        assert f'redis_image="${{REDIS_IMAGE:-{redis}}}"' in script, f"base-images does not build the chart's {redis}"
        defaults = dict(line[len("ARG "):].split("=", 1) for line in dockerfile.splitlines() if line.startswith("ARG ") and "=" in line)
        for arg in ("NODE_IMAGE", "RUNTIME_IMAGE"):
            assert f'{arg.lower()}="${{{arg}:-{defaults[arg]}}}"' in script, f"base-images does not build the Dockerfile's {defaults[arg]}"
        assert dockerfile.rstrip().endswith('CMD ["node", "dist/server.js"]'), "runtime is not the last stage"
    check("offline stand-ins carry the Dockerfile's and the chart's image names", base_image_names)

    def dockerfile():
        stages, current = {}, None
        for line in read("Dockerfile").splitlines():
            if line.startswith("FROM "):
                current = line.split(" AS ")[-1].strip()
                stages[current] = []
            elif current and line and not line.startswith("#"):
                stages[current].append(line)
        assert list(stages)[-1] == "runtime", "runtime must be the default (last) stage"
        for name, cmd in (("runtime", 'CMD ["node", "dist/server.js"]'), ("dev", 'CMD ["node", "--watch", "app/src/server.ts"]')):
            body = stages[name]
            users = [line.split()[1] for line in body if line.startswith("USER ")]
            assert users and users[-1].split(":")[0].isdigit() and users[-1] != "0", f"{name} runs as {users}"
            assert cmd in body, f"{name} stage does not end in {cmd}"
        assert not any("npm ci" in line and "--omit=dev" not in line for line in stages["prod-deps"]), "dev deps in runtime"
        version = json.loads(read("package.json"))["version"]
        chart_meta = yaml.safe_load(read("charts/xwing/Chart.yaml"))
        assert chart_meta["appVersion"] == version, f"Chart appVersion {chart_meta['appVersion']} != package.json {version}"
    check("Dockerfile: numeric non-root users, node as PID 1, dev watcher; appVersion = package.json", dockerfile)


def parse_args(*options):
    """A suite's command line: every option is required; the --out folder is made."""
    ap = argparse.ArgumentParser()
    for option in options:
        ap.add_argument(option, required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    return args


def main():
    args = parse_args("--root", "--chart", "--schemas", "--out")
    res = Results()
    rendered = {}
    base = {**BASE, "files": chart_files(args.chart), "app_defaults": app_defaults(args.chart)}

    for name, values, apis, overrides in VARIANTS:
        print(f"variant {name}")
        values_file = os.path.join(args.out, f"{name}.values.yaml")
        with open(values_file, "w") as fh:
            yaml.safe_dump(values, fh)
        lint = subprocess.run(["helm", "lint", "--strict", args.chart, "--values", values_file,
                               "--kube-version", KUBE_VERSION], capture_output=True, text=True, timeout=60)
        res.verdict(f"{name}: helm lint --strict", lint.returncode == 0, (lint.stdout + lint.stderr).strip()[-1000:])
        notes = render_notes(args.chart, values_file)
        res.verdict(f"{name}: NOTES.txt renders", "xw-xwing" in notes and "<no value>" not in notes and "%!" not in notes,
                    notes[-500:])
        proc = helm_template(args.chart, api_versions=apis, values=values)
        if proc.returncode != 0:
            res.fail(f"{name}: helm template", proc.stderr.strip())
            continue
        path = os.path.join(args.out, f"{name}.yaml")
        with open(path, "w") as fh:
            fh.write(proc.stdout)
        docs = load_docs(proc.stdout)
        rendered[name] = (path, docs)
        expect = {**base, **overrides}
        for check, failure in check_render(docs, expect):
            res.verdict(f"{name}: {check}", not failure, failure)

    print("kubeconform (Kubernetes v%s schemas, strict)" % KUBE_VERSION)
    code, report = kubeconform([p for p, _ in rendered.values()], args.schemas)
    summary = report["summary"]
    bad = [r for r in report["resources"] if r["status"] != "statusValid"]
    skipped = summary.get("skipped", 0)
    res.verdict(f"kubeconform: {summary['valid']} objects in {len(rendered)} variants valid, none skipped",
                code == 0 and not bad and skipped == 0 and summary["valid"] == sum(len(d) for _, d in rendered.values()),
                json.dumps(bad or summary)[:2000])

    broken = copy.deepcopy(rendered["defaults"][1])
    one(broken, "Deployment", FULL)["spec"]["strategy"]["rollingUpdate"]["maxUnavailible"] = 1
    bad_path = os.path.join(args.out, "broken-unknown-field.yaml")
    with open(bad_path, "w") as fh:
        yaml.safe_dump_all(broken, fh)
    code, report = kubeconform([bad_path], args.schemas)
    msgs = " ".join(r.get("msg", "") for r in report["resources"])
    res.verdict("kubeconform rejects an unknown field, naming it", code != 0 and "maxUnavailible" in msgs,
                f"exit {code}: {msgs[:500]}")

    print("values rejected with a message naming the field")
    for values, sets, needle in REJECTIONS:
        proc = helm_template(args.chart, sets=sets, values=values)
        label = " ".join(["reject", *([json.dumps(values)] if values else []), *sets])
        res.verdict(f"{label} -> names {needle}", proc.returncode != 0 and needle in proc.stderr,
                    f"exit {proc.returncode}, stderr: {proc.stderr.strip()[:300]}")

    print("the checks catch broken renders")
    base_docs = rendered["defaults"][1]
    overrides = {n: o for n, _, _, o in VARIANTS}
    for variant, cases in (("defaults", mutations()), ("replication", replication_mutations()),
                           ("monitoring", monitoring_mutations())):
        expect = {**base, **overrides[variant]}
        for mutate, check_prefix in cases:
            docs = copy.deepcopy(rendered[variant][1])
            mutate(docs)
            flagged = [c for c, f in check_render(docs, expect) if f and c.startswith(check_prefix)]
            if flagged:
                res.ok(f"{variant}: {mutate.__name__} is caught by '{flagged[0]}'")
            else:
                res.fail(f"{variant}: {mutate.__name__}", f"no check starting with '{check_prefix}' failed")

    print("config change rolls the pods")
    changed = helm_template(args.chart, values={"config": {"LOG_LEVEL": "debug"}})
    digest = lambda docs: one(docs, "Deployment", FULL)["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    res.verdict("checksum/config changes when config.LOG_LEVEL does",
                changed.returncode == 0 and digest(load_docs(changed.stdout)) != digest(base_docs),
                changed.stderr.strip()[:300])

    print("k8s/ and images/")
    repo_checks(args.root, args.chart, args.schemas, res)

    res.finish("chart")


if __name__ == "__main__":
    main()
