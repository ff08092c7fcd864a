#!/usr/bin/env bats
# examples/: the Kubernetes manifests, the Containerfile and the consumer
# examples say and do what they claim.

bats_require_minimum_version 1.5.0
load helpers

EX="$MCLE_SRCDIR/examples"

# Python with the examples' YAML at hand; a failed check() exits non-zero.
PY_PRELUDE='
import json, os, re, sys, yaml
EX = sys.argv[1]
def docs(name):
    with open(os.path.join(EX, name)) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]
def check(cond, msg):
    if not cond:
        sys.exit("FAIL: " + msg)
def one(name, kind):
    ds = [d for d in docs(name) if isinstance(d, dict) and d.get("kind") == kind]
    check(len(ds) == 1, "%s: expected one %s, found %d" % (name, kind, len(ds)))
    return ds[0]
def podspec(o):
    if o["kind"] == "CronJob":
        return o["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return o["spec"]["template"]["spec"]
def env(c):
    return {e["name"]: e.get("value") for e in c.get("env", [])}
def period(schedule):
    f = schedule.split()
    check(len(f) == 5 and f[1:] == ["*"] * 4, "cannot judge schedule %r" % schedule)
    if f[0] == "*":
        return 60
    m = re.fullmatch(r"\*/([1-9][0-9]*)", f[0])
    check(m is not None, "cannot judge schedule %r" % schedule)
    return 60 * int(m.group(1))
'

# py CODE: run CODE after the prelude (CODE starts at column 0).
py() {
	"$PYTHON3" -c "$PY_PRELUDE$1" "$EX"
}

setup_file() {
	# The consumer, with the sanitizers, for the behaviour tests.
	"${CC:-cc}" -std=c11 -Wall -Wextra -Werror -g -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o "$BATS_FILE_TMPDIR/consumer" \
		"$MCLE_SRCDIR/examples/consumer.c" $(pkg-config --cflags --libs json-c)
}

setup() {
	mcle_clean_env
	BIN="$BATS_TEST_TMPDIR/bin"
	mkdir -p "$BIN"
}

@test "every YAML file in examples/ parses and holds the expected kinds" {
	py '
expected = {
    "crd.yaml": ["CustomResourceDefinition"],
    "rbac.yaml": ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding"],
    "cronjob.yaml": ["CronJob"],
    "deployment.yaml": ["Deployment"],
    "job.yaml": ["Job"],
    "priorityclass.yaml": ["PriorityClass"],
    "config.yaml": None,
}
found = sorted(n for n in os.listdir(EX) if n.endswith((".yaml", ".yml")))
check(found == sorted(expected), "YAML files %s, expected %s" % (found, sorted(expected)))
for name, kinds in expected.items():
    ds = docs(name)
    if kinds is None:
        check(len(ds) == 1 and isinstance(ds[0], dict), name + ": not one mapping")
        continue
    check([d.get("kind") for d in ds] == kinds, "%s: kinds %s" % (name, [d.get("kind") for d in ds]))
    for d in ds:
        check(isinstance(d.get("apiVersion"), str) and d["metadata"].get("name"),
              "%s: %s without apiVersion or name" % (name, d.get("kind")))
        if d["kind"] in ("ServiceAccount", "CronJob", "Deployment"):
            check(d["metadata"].get("namespace") == "mcle-system",
                  "%s: %s not in mcle-system" % (name, d["kind"]))
'
}

@test "the ServiceAccount has the Workload Identity annotation and the role is bound to it" {
	py '
sa = one("rbac.yaml", "ServiceAccount")
check(sa["metadata"]["name"] == "mcle", "service account name")
gsa = sa["metadata"].get("annotations", {}).get("iam.gke.io/gcp-service-account", "")
check(re.fullmatch(r"mcle@[a-zA-Z0-9-]+\.iam\.gserviceaccount\.com", gsa), "annotation %r" % gsa)
role = one("rbac.yaml", "ClusterRole")
b = one("rbac.yaml", "ClusterRoleBinding")
check(b["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                       "name": role["metadata"]["name"]}, "roleRef %r" % b["roleRef"])
check(b["subjects"] == [{"kind": "ServiceAccount", "name": "mcle", "namespace": "mcle-system"}],
      "subjects %r" % b["subjects"])
for f, kind in (("cronjob.yaml", "CronJob"), ("deployment.yaml", "Deployment")):
    check(podspec(one(f, kind)).get("serviceAccountName") == "mcle", f + ": service account")
'
}

@test "the ClusterRole grants exactly the verbs mcle uses, no wildcards" {
	py '
role = one("rbac.yaml", "ClusterRole")
got = set()
for r in role["rules"]:
    check(set(r) <= {"apiGroups", "resources", "verbs"}, "rule has %s" % sorted(r))
    for g in r["apiGroups"]:
        for res in r["resources"]:
            for v in r["verbs"]:
                check("*" not in g + res + v, "wildcard in %r" % r)
                got.add((g, res, v))
want = {("", "namespaces", v) for v in ("list", "get")}
want |= {("leaderelection.600lyy.io", "leases", v) for v in ("get", "list", "create", "patch")}
want |= {("leaderelection.600lyy.io", "leases/status", "update")}
want |= {("events.k8s.io", "events", "create")}
check(got == want, "extra %s, missing %s" % (sorted(got - want), sorted(want - got)))
check("aggregationRule" not in role, "aggregationRule")
'
}

@test "the CronJob's lease outlasts its period plus start jitter and run time" {
	py '
cj = one("cronjob.yaml", "CronJob")
s, job = cj["spec"], cj["spec"]["jobTemplate"]["spec"]
p = period(s["schedule"])
check(p == 60, "schedule %r is not every minute" % s["schedule"])
check(s["concurrencyPolicy"] == "Forbid", "concurrencyPolicy")
check(s["successfulJobsHistoryLimit"] == 1, "successfulJobsHistoryLimit")
check(job["backoffLimit"] == 0, "backoffLimit")
late, run = s["startingDeadlineSeconds"], job["activeDeadlineSeconds"]
check(0 < late < p, "startingDeadlineSeconds %r" % late)
check(0 < run < p, "activeDeadlineSeconds %r: a hung run would block the next" % run)
c = podspec(cj)["containers"][0]
e = env(c)
lease, timeout = int(e["MCLE_LEASE_DURATION"]), int(e["MCLE_TIMEOUT"])
check(lease > p + late, "lease %d <= period %d + start jitter %d" % (lease, p, late))
check(lease > p + late + run, "lease %d <= period + jitter + run %d" % (lease, p + late + run))
check(timeout < run, "MCLE_TIMEOUT %d >= activeDeadlineSeconds %d" % (timeout, run))
# exit 6 is a warning for a CronJob: the Job fails only on 4 and 5
check(c.get("args") == ["reconcile-all", "--partial-ok"] and "command" not in c,
      "args %r" % c.get("args"))
check(podspec(cj)["restartPolicy"] == "Never", "restartPolicy")
'
}

@test "the CronJob and the Deployment run at the priority class examples/ defines" {
	py '
pc = one("priorityclass.yaml", "PriorityClass")
check(pc["apiVersion"] == "scheduling.k8s.io/v1", "apiVersion")
check(0 < pc["value"] < 1000000000, "value %r: above ordinary, below system classes" % pc["value"])
check(pc.get("globalDefault") is False, "globalDefault")
check(pc.get("preemptionPolicy", "PreemptLowerPriority") == "PreemptLowerPriority", "preemptionPolicy")
for f, kind in (("cronjob.yaml", "CronJob"), ("deployment.yaml", "Deployment")):
    check(podspec(one(f, kind)).get("priorityClassName") == pc["metadata"]["name"],
          f + ": priorityClassName")
'
}

@test "mcle-system enforces the restricted Pod Security level, and the pods comply" {
	py '
ns = one("rbac.yaml", "Namespace")
labels = ns["metadata"].get("labels", {})
for mode in ("enforce", "audit", "warn"):
    check(labels.get("pod-security.kubernetes.io/" + mode) == "restricted", mode + " label")
# the checks of the restricted profile that a pod template can fail
for f, kind in (("cronjob.yaml", "CronJob"), ("deployment.yaml", "Deployment")):
    ps = podspec(one(f, kind))
    psc = ps.get("securityContext", {})
    for k in ("hostNetwork", "hostPID", "hostIPC"):
        check(not ps.get(k), f + ": " + k)
    check(all("hostPath" not in v for v in ps.get("volumes", [])), f + ": hostPath")
    for c in ps["containers"] + ps.get("initContainers", []):
        csc = c.get("securityContext", {})
        eff = lambda k: csc.get(k, psc.get(k))
        check(eff("runAsNonRoot") is True, f + ": runAsNonRoot")
        check(eff("runAsUser") != 0, f + ": runAsUser 0")
        check(csc.get("privileged") is not True, f + ": privileged")
        check(csc.get("allowPrivilegeEscalation") is False, f + ": allowPrivilegeEscalation")
        caps = csc.get("capabilities", {})
        check(caps.get("drop") == ["ALL"], f + ": capabilities.drop")
        check(set(caps.get("add", [])) <= {"NET_BIND_SERVICE"}, f + ": capabilities.add")
        sp = (csc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
        check(sp in ("RuntimeDefault", "Localhost"), f + ": seccompProfile %r" % sp)
        check(not c.get("ports") or all("hostPort" not in p for p in c["ports"]), f + ": hostPort")
'
}

@test "the CronJob and the Deployment run non-root, read-only, with resources and their settings" {
	py '
for f, kind in (("cronjob.yaml", "CronJob"), ("deployment.yaml", "Deployment")):
    ps = podspec(one(f, kind))
    check(len(ps["containers"]) == 1, f + ": one container")
    c = ps["containers"][0]
    psc, csc = ps.get("securityContext", {}), c.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) > 0, f + ": non-root")
    check(csc.get("readOnlyRootFilesystem") is True, f + ": readOnlyRootFilesystem")
    check(csc.get("allowPrivilegeEscalation") is False, f + ": allowPrivilegeEscalation")
    check(csc.get("capabilities", {}).get("drop") == ["ALL"], f + ": capabilities")
    r = c.get("resources", {})
    for k in ("cpu", "memory"):
        check(k in r.get("requests", {}), f + ": no request for " + k)
    check("memory" in r.get("limits", {}), f + ": no memory limit")
    e = env(c)
    check(re.fullmatch(r"gs://[a-z0-9][-a-z0-9_.]*[a-z0-9](/.+)?", e.get("MCLE_STORE") or ""), f + ": MCLE_STORE")
    check(e.get("MCLE_IDENTITY"), f + ": MCLE_IDENTITY")
    check(int(e["MCLE_LEASE_DURATION"]) > 0, f + ": MCLE_LEASE_DURATION")
'
}

@test "the Deployment: one replica, replaced not rolled, --interval with probes, lease longer than a gap between renewals" {
	py '
d = one("deployment.yaml", "Deployment")
check(d["spec"]["replicas"] == 1, "replicas")
check(d["spec"]["strategy"]["type"] == "Recreate", "strategy: two pods would share an identity")
ps = podspec(d)
c = ps["containers"][0]
check("command" not in c, "command %r: mcle is the process" % c.get("command"))
args = c["args"]
check(args[0] == "reconcile-all", "args %r" % args)
opts = dict(a[2:].split("=", 1) for a in args[1:])
check(opts.get("interval") == "10s", "--interval %r" % opts.get("interval"))
port = int(opts["listen"].rsplit(":", 1)[1])
check(c["ports"][0]["containerPort"] == port, "port")
live, ready = c["livenessProbe"]["httpGet"], c["readinessProbe"]["httpGet"]
check(live["path"] == "/healthz" and ready["path"] == "/readyz", "probe paths")
check(live["port"] in (port, c["ports"][0]["name"]), "liveness port")
e = env(c)
lease, timeout, every = int(e["MCLE_LEASE_DURATION"]), int(e["MCLE_TIMEOUT"]), 10
check(lease == 30, "lease %d" % lease)
# start to start at most 1.1 intervals, then the next pass deadline
check(lease > every * 1.1 + timeout, "lease %d <= interval * 1.1 + timeout %d" % (lease, timeout))
check(ps["terminationGracePeriodSeconds"] > timeout, "grace period shorter than a pass")
'
}

@test "consumer.c compiles cleanly with -Wall -Wextra -Werror" {
	run "${CC:-cc}" -std=c11 -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
		-Wmissing-prototypes -pedantic -Werror -O2 -o "$BATS_TEST_TMPDIR/consumer" \
		"$EX/consumer.c" $(pkg-config --cflags --libs json-c)
	assert_status 0
	[ -z "$output" ]
	[ -x "$BATS_TEST_TMPDIR/consumer" ]
}

# lease_json IS_LEADER HOLDER EPOCH EXPIRES_IN [UTC_OFFSET_MINUTES]: a Lease
# as `kubectl get -o json` prints it, expiring EXPIRES_IN s from now
# (EXPIRES_IN "none": no observedExpireTime; "null": null), written in the
# given UTC offset.  IS_LEADER "nostatus": no status at all.
lease_json() {
	"$PYTHON3" - "$@" <<'EOF'
import datetime, json, sys, time
leader, holder, epoch, exp = sys.argv[1:5]
off = int(sys.argv[5]) if len(sys.argv) > 5 else 0
lease = {"apiVersion": "leaderelection.600lyy.io/v1", "kind": "Lease",
         "metadata": {"name": "lease-gsc", "namespace": "team-a", "resourceVersion": "42"},
         "spec": {"holderIdentity": "c1", "leaseDurationSeconds": 30}}
if leader != "nostatus":
    st = {"isLeader": leader == "true", "observedHolderIdentity": holder,
          "observedAcquireTime": "2024-05-01T12:00:00.000000Z",
          "observedRenewTime": "2024-05-01T12:00:00.000000Z",
          "leaseTransitions": int(epoch), "epoch": int(epoch)}
    if exp == "null":
        st["observedExpireTime"] = None
    elif exp != "none":
        tz = datetime.timezone(datetime.timedelta(minutes=off))
        t = datetime.datetime.fromtimestamp(time.time() + float(exp), tz)
        s = t.strftime("%Y-%m-%dT%H:%M:%S.%f")
        st["observedExpireTime"] = s + ("Z" if off == 0 else t.strftime("%z")[:3] + ":" + t.strftime("%z")[3:])
    lease["status"] = st
print(json.dumps(lease, indent=4))
EOF
}

# The cases both consumers must get right: name|lease_json args|options|status|output.
# (A case that must see a live lease gives it an hour, or as long as it can:
# the consumer may start late on a busy machine.)
CASES='
leader, live|true c1 7 3600||0|^leader epoch=7 until=20[0-9-]{8}T[0-9:]{8}\.[0-9]{6}Z$
leader, expired|true c1 7 -5||1|^not leader: lease expired at
leader, inside the default margin|true c1 7 5||1|^not leader: lease expires at .*within the 10 s margin$
leader, outside a smaller margin|true c1 7 9.5|-m 0|0|^leader epoch=7 
leader, inside a larger margin|true c1 7 60|-m 90|1|within the 90 s margin$
not leader|false c2 8 60||1|^not leader: isLeader is not true$
missing status|nostatus - 0 0||1|^not leader: no status$
no expiry|true c1 7 none||1|^not leader: no valid observedExpireTime$
null expiry|true c1 7 null||1|^not leader: no valid observedExpireTime$
no holder|true "" 7 60||1|^not leader: no holder$
negative epoch|true c1 -1 60||1|^not leader: no epoch$
the expected identity|true c1 7 3600|-i c1|0|^leader epoch=7 
another identity|true c1 7 60|-i c2|1|^not leader: held by .c1., not .c2.$
live, written at UTC-02:00|true c1 3 3600 -120||0|^leader epoch=3 until=.*-02:00$
expired, written at UTC+02:00|true c1 3 -60 120||1|^not leader: lease expired at .*\+02:00$
'

# One case: the consumer command with the case's options, the lease on stdin.
run_case() {
	# $opts unquoted on purpose: "-m 2" is two words
	"${case_cmd[@]}" $opts <"$BATS_TEST_TMPDIR/lease.json"
}

# check_cases CMD...: run each case through CMD and compare status and output.
check_cases() {
	local name args opts want re fail=0
	case_cmd=("$@")
	while IFS='|' read -r name args opts want re; do
		[ -n "$name" ] || continue
		eval "lease_json $args" >"$BATS_TEST_TMPDIR/lease.json"
		run --separate-stderr run_case
		if [ "$status" -ne "$want" ] || [ "${#lines[@]}" -ne 1 ] ||
			! printf '%s\n' "$output" | grep -Eq -- "$re"; then
			printf '%s: exit %s, output %s; want %s, /%s/\n' \
				"$name" "$status" "$output" "$want" "$re" >&2
			fail=1
		fi
	done <<<"$CASES"
	return "$fail"
}

@test "consumer.c answers each fixture lease right" {
	check_cases "$BATS_FILE_TMPDIR/consumer"
	for input in '' 'null' '{"status":' '{"status":{}} x' '[]' \
		'{"status":{"isLeader":true,"observedHolderIdentity":"c1","epoch":"7","observedExpireTime":"2999-01-01T00:00:00Z"}}' \
		'{"status":{"isLeader":"true","observedHolderIdentity":"c1","epoch":7,"observedExpireTime":"2999-01-01T00:00:00Z"}}' \
		'{"status":{"isLeader":true,"observedHolderIdentity":"c1","epoch":7,"observedExpireTime":"2999-02-29T00:00:00Z"}}' \
		'{"status":{"isLeader":true,"observedHolderIdentity":"c1","epoch":7,"observedExpireTime":"2999-01-01 00:00:00Z"}}' \
		'{"status":{"isLeader":true,"observedHolderIdentity":"c1","epoch":7,"observedExpireTime":"2999-01-01T00:00:00.1234567890Z"}}'; do
		run --separate-stderr "$BATS_FILE_TMPDIR/consumer" <<<"$input"
		assert_status 1
		assert_match '^not leader: (cannot parse the lease|no status|no epoch|isLeader is not true|no valid observedExpireTime)'
	done
	run --separate-stderr "$BATS_FILE_TMPDIR/consumer" <<<'{"status":{"isLeader":true,"observedHolderIdentity":"c1","epoch":7,"observedExpireTime":"2999-01-01T00:00:00.123456789Z"}}'
	assert_status 0
	assert_match '^leader epoch=7 until=2999-01-01T00:00:00.123456789Z$'
	run --separate-stderr "$BATS_FILE_TMPDIR/consumer" -m x </dev/null
	assert_status 2
	run --separate-stderr "$BATS_FILE_TMPDIR/consumer" extra </dev/null
	assert_status 2
}

# A fake kubectl: logs its arguments, prints $FAKE_LEASE or fails.
fake_kubectl() {
	cat >"$BIN/kubectl" <<'EOF'
#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_LOG"
if [ -n "${FAKE_FAIL:-}" ]; then
	echo 'Error from server (NotFound): leases.leaderelection.600lyy.io "lease-gsc" not found' >&2
	exit 1
fi
cat "$FAKE_LEASE"
EOF
	chmod +x "$BIN/kubectl"
	export KUBECTL="$BIN/kubectl" FAKE_LOG="$BATS_TEST_TMPDIR/kubectl.log"
	export FAKE_LEASE="$BATS_TEST_TMPDIR/lease.json"
}

# consumer_sh_case [OPTIONS]: consumer.sh for team-a, the fake kubectl
# printing the lease the case wrote.
consumer_sh_case() {
	sh "$EX/consumer.sh" "$@" team-a
}

@test "consumer.sh answers each fixture lease right, through kubectl" {
	fake_kubectl
	check_cases consumer_sh_case
	[ "$(sort -u "$FAKE_LOG")" = "get leases.leaderelection.600lyy.io/lease-gsc -n team-a -o json" ]
}

@test "consumer.sh reads the named lease and says no when kubectl fails" {
	fake_kubectl
	lease_json true c1 9 3600 >"$FAKE_LEASE"
	run --separate-stderr sh "$EX/consumer.sh" -l other -m 5 team-b
	assert_status 0
	assert_match '^leader epoch=9 until='
	[ "$(cat "$FAKE_LOG")" = "get leases.leaderelection.600lyy.io/other -n team-b -o json" ]
	FAKE_FAIL=1 run --separate-stderr sh "$EX/consumer.sh" team-a
	assert_status 1
	assert_match "^not leader: cannot read lease 'lease-gsc' in namespace 'team-a'$"
	run --separate-stderr sh "$EX/consumer.sh"
	assert_status 2
	run --separate-stderr sh "$EX/consumer.sh" -m ten team-a
	assert_status 2
}

@test "the Containerfile: pinned bases, a test stage the image depends on, OCI labels, the runtime libraries only" {
	py '
lines, cur = [], ""
for raw in open(os.path.join(EX, "Containerfile")):
    s = raw.strip()
    if not cur and (not s or s.startswith("#")):
        continue
    cur += " " + s[:-1] if s.endswith("\\") else " " + s
    if not s.endswith("\\"):
        lines.append(cur.strip())
        cur = ""
stages = []
for l in lines:
    if l.upper().startswith("FROM "):
        stages.append([l])
    else:
        check(stages, "instruction before FROM: " + l)
        stages[-1].append(l)
check(len(stages) == 3, "%d stages, expected 3 (build, test, runtime)" % len(stages))
build, test, runtime = stages
def installs(stage):
    pkgs = set()
    for l in stage:
        for m in re.finditer(r"apt-get install ([^&;]*)", l):
            pkgs |= {w for w in m.group(1).split() if not w.startswith("-")}
    return pkgs
pinned = r"debian:12(\.[0-9]+)?%s@sha256:[0-9a-f]{64}"
check(re.fullmatch(r"FROM " + pinned % "" + r" AS build", build[0]), build[0])
check(re.fullmatch(r"FROM " + pinned % "-slim", runtime[0]), runtime[0])
check(build[0].split()[1].split("@")[0].replace(":", "-") + "-slim" ==
      runtime[0].split()[1].split("@")[0].replace(":", "-"), "the same Debian release")
need = {"build-essential", "autoconf", "automake", "pkg-config", "libcurl4-openssl-dev",
        "libjson-c-dev", "libyaml-dev", "libssl-dev"}
check(need <= installs(build), "build stage lacks %s" % sorted(need - installs(build)))
b = " ".join(build)
for step in ("autoreconf -fi", "./configure --prefix=/usr", "make install DESTDIR=/out"):
    check(step in b, "build stage lacks " + step)
# the test stage: the build, the test tools of scripts/setup.sh, make check
check(test[0] == "FROM build AS test", test[0])
setup = open(os.path.join(EX, "..", "scripts", "setup.sh")).read()
tools = set(re.search(r"packages=\"([^\"]*)\"", setup).group(1).split()) - need - {
    "libcurl4-openssl-dev", "libjson-c-dev", "libyaml-dev", "libssl-dev"}
check(tools <= installs(test), "test stage lacks %s" % sorted(tools - installs(test)))
check(any(re.fullmatch(r"RUN make( -j[0-9]+)? check", l) for l in test), "no make check")
rt = installs(runtime)
check(rt == {"libcurl4", "libjson-c5", "libyaml-0-2", "libssl3", "ca-certificates"},
      "runtime packages %s" % sorted(rt))
r = " ".join(runtime)
# the binary comes from the test stage: no image without passing tests
check(re.search(r"COPY --from=test /out/usr/bin/mcle /usr/bin/mcle", r), "copy of the tested binary")
labels = dict(re.findall(r"(org\.opencontainers\.image\.[a-z.]+)=\"([^\"]*)\"", r))
for k in ("title", "description", "version", "revision", "created", "licenses", "base.name", "base.digest"):
    check(labels.get("org.opencontainers.image." + k), "no OCI label " + k)
check(labels["org.opencontainers.image.licenses"] == "Apache-2.0", "licenses")
check(labels["org.opencontainers.image.base.digest"] == runtime[0].split("@")[1], "base.digest")
for arg in ("VERSION", "REVISION", "CREATED"):
    check("ARG " + arg in r, "no ARG " + arg)
user = [l.split()[1] for l in runtime if l.startswith("USER ")]
check(len(user) == 1 and re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", user[0]), "USER %s: numeric, not root" % user)
ep = [l[len("ENTRYPOINT "):] for l in runtime if l.startswith("ENTRYPOINT ")]
check(len(ep) == 1 and json.loads(ep[0]) == ["mcle"], "ENTRYPOINT %s" % ep)
'
}

@test "the Containerfile builds, tests and runs (with a working container engine)" {
	local engine=""
	for e in podman docker; do
		if command -v "$e" >/dev/null && timeout 20 "$e" info >/dev/null 2>&1; then
			engine=$e
			break
		fi
	done
	[ -n "$engine" ] || skip "no working container engine (checked statically above)"
	# base images come from the registry: without it, say so rather than fail
	timeout 300 "$engine" pull "$(sed -n 's/^FROM \(debian:12[^ ]*-slim@[^ ]*\).*/\1/p' "$EX/Containerfile")" >/dev/null 2>&1 ||
		skip "$engine cannot pull the pinned base images here"
	run timeout 3600 "$engine" build -q -f "$EX/Containerfile" -t mcle-test:example \
		--build-arg REVISION=test "$MCLE_SRCDIR"
	assert_status 0
	run "$engine" run --rm mcle-test:example --version
	assert_status 0
	assert_match '^mcle [0-9]+\.[0-9]+\.[0-9]+$'
	run "$engine" image inspect --format '{{ index .Config.Labels "org.opencontainers.image.revision" }} {{ .Config.User }}' mcle-test:example
	[ "$output" = "test 65532:65532" ]
	"$engine" rmi mcle-test:example >/dev/null 2>&1 || true
}

@test "the runtime packages provide every library mcle needs" {
	run readelf -d "$MCLE"
	if [[ "$output" != *libcurl* ]]; then
		skip "$MCLE is not a dynamically linked mcle"
	fi
	# every NEEDED library, mapped to the Debian 12 package that has it
	for lib in $(printf '%s\n' "$output" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		case $lib in
		libcurl.so.4) pkg=libcurl4 ;;
		libjson-c.so.5) pkg=libjson-c5 ;;
		libyaml-0.so.2) pkg=libyaml-0-2 ;;
		libcrypto.so.3 | libssl.so.3) pkg=libssl3 ;;
		libc.so.6 | libm.so.6) continue ;;		# in every image
		libasan.so.* | libubsan.so.*) continue ;;	# sanitizer builds only
		*) echo "mcle needs $lib: which package?" >&2; return 1 ;;
		esac
		grep -Eq "^ +.* $pkg( |$)" "$EX/Containerfile" ||
			{ echo "the Containerfile does not install $pkg for $lib" >&2; return 1; }
	done
}

@test "README.examples describes every file in examples/" {
	for f in "$EX"/*; do
		name=$(basename "$f")
		[ "$name" = README.examples ] && continue
		cut -d ' ' -f 1 "$EX/README.examples" | grep -qxF -- "$name" ||
			{ echo "README.examples does not describe $name" >&2; return 1; }
	done
}

# unit_value FILE KEY: the values of KEY= in a systemd unit, one a line.
unit_value() {
	sed -n "s/^$2=//p" "$1"
}

@test "the systemd units verify, and the service's pass works on a file store" {
	local svc="$EX/mcle-reconcile.service" tmr="$EX/mcle-reconcile.timer"
	[ "$(unit_value "$svc" Type)" = oneshot ]
	[ "$(unit_value "$tmr" OnUnitActiveSec)" = 20s ]
	[ "$(unit_value "$svc" Environment | sed -n 's/^MCLE_LEASE_DURATION=//p')" = 60 ]
	unit_value "$svc" ExecStart | grep -q -- ' reconcile-all --no-cluster '
	[ "$(unit_value "$svc" StateDirectory)" = mcle ]
	unit_value "$svc" Environment | grep -qx 'MCLE_STORE=file:///var/lib/mcle'
	[ "$(unit_value "$tmr" WantedBy)" = timers.target ]
	if command -v systemd-analyze >/dev/null; then
		# a copy naming this build's mcle, beside its timer
		mkdir -p "$BATS_TEST_TMPDIR/units"
		sed "s|^ExecStart=/usr/bin/mcle |ExecStart=$MCLE |" "$svc" \
			>"$BATS_TEST_TMPDIR/units/mcle-reconcile.service"
		cp "$tmr" "$BATS_TEST_TMPDIR/units/"
		run systemd-analyze verify --man=no "$BATS_TEST_TMPDIR/units/mcle-reconcile.timer" \
			"$BATS_TEST_TMPDIR/units/mcle-reconcile.service"
		# (a verify outside a booted systemd may note its own surroundings;
		# nothing about these units may appear)
		if printf '%s\n' "$output" | grep -F 'mcle-reconcile.' >&2; then
			return 1
		fi
	fi
	# the pass, as the service runs it, with the store and the list moved here
	local store="$BATS_TEST_TMPDIR/var-lib-mcle" list="$BATS_TEST_TMPDIR/namespaces"
	mkdir -m 750 "$store"
	cp "$EX/namespaces.txt" "$list"
	local cmd
	cmd=$(unit_value "$svc" ExecStart | sed -e "s|^/usr/bin/mcle |$MCLE |" \
		-e "s|/etc/mcle/namespaces|$list|")
	run --separate-stderr env -i PATH=/usr/bin:/bin HOME="$BATS_TEST_TMPDIR" \
		MCLE_CONFIG="$MCLE_CONFIG" \
		$(unit_value "$svc" Environment | sed "s|file:///var/lib/mcle|file://$store|") \
		$cmd
	assert_status 0
	assert_match '^3 namespaces: 3 leader, 0 standby, 0 failed$'
	[ -f "$store/team-a" ] && [ -f "$store/team-c" ]
	# 4 and 6 count as success for the unit, 2 and 5 do not
	[ "$(unit_value "$svc" SuccessExitStatus)" = "4 6" ]
}

@test "reconcile-loop.sh runs its pass on the file store even with KUBECONFIG set" {
	cp "$EX/namespaces.txt" "$BATS_TEST_TMPDIR/namespaces"
	mkdir -m 755 "$BATS_TEST_TMPDIR/store"
	# mcle through a log of its exit statuses
	cat >"$BIN/mcle" <<-EOF
		#!/bin/sh
		"$MCLE" "\$@"
		rc=\$?
		echo "exit \$rc" >>"$BATS_TEST_TMPDIR/log"
		exit \$rc
	EOF
	printf '#!/bin/sh\nexit 99\n' >"$BIN/sleep"
	chmod +x "$BIN/mcle" "$BIN/sleep"
	# (the fake sleep returns at once: the test stops the loop after two passes)
	printf 'apiVersion: v1\nkind: Config\nclusters: []\n' >"$BATS_TEST_TMPDIR/kubeconfig"
	PATH="$BIN:$PATH" KUBECONFIG="$BATS_TEST_TMPDIR/kubeconfig" \
		MCLE_STORE="file://$BATS_TEST_TMPDIR/store" MCLE_IDENTITY=host-a \
		MCLE_NAMESPACES_FILE="$BATS_TEST_TMPDIR/namespaces" \
		timeout 60 sh "$EX/reconcile-loop.sh" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local pid=$!
	for _ in $(seq 1200); do
		[ "$(grep -c . "$BATS_TEST_TMPDIR/log" 2>/dev/null)" -ge 2 ] && break
		sleep 0.05
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
	run cat "$BATS_TEST_TMPDIR/log"
	[ "${lines[0]}" = "exit 0" ]
	[ "${lines[1]}" = "exit 0" ]
	[ -f "$BATS_TEST_TMPDIR/store/team-b" ]
}
