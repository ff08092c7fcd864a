#!/usr/bin/env bats
# -o text|wide|json|yaml|name|jsonpath=TEMPLATE and the JSON shape of
# mcle-json(7): every field always there, seconds for jq 1.6, a version.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

# The fields of schema version 1, in order (mcle-json(7)).
FIELDS='schemaVersion namespace holderIdentity isLeader leaseDurationSeconds acquireTime acquireTimeSeconds renewTime renewTimeSeconds expireTime expireTimeSeconds leaseTransitions epoch storeTime storeTimeSeconds expired remainingSeconds resourceStatus source'

@test "-o json: every documented field, in order, for a held, a free and an absent lease" {
	run "$MCLE" acquire -n team-a --identity c1 --lease-duration 1h
	assert_status 0
	run "$MCLE" acquire -n team-b --identity c1
	run "$MCLE" release -n team-b --identity c1
	assert_status 0
	for ns in team-a team-b team-z; do
		run --separate-stderr "$MCLE" -o json status -n "$ns"
		assert_status 0
		[ "$(json_get '" ".join(j)')" = "$FIELDS" ]
		[ "$(json_get 'j["schemaVersion"]')" = 1 ]
		[ "$(json_get 'j["resourceStatus"]')" = null ]
	done
	run --separate-stderr "$MCLE" -o json status -n team-a
	[ "$(json_get '[j["expired"], type(j["remainingSeconds"]).__name__]')" = '[false, "int"]' ]
	[ "$(json_get '0 < j["remainingSeconds"] <= 3600')" = true ]
	[ "$(json_get 'j["expireTimeSeconds"] - j["renewTimeSeconds"] in (3600, 3601)')" = true ]
	# free and absent: nothing to expire
	run --separate-stderr "$MCLE" -o json status -n team-b
	[ "$(json_get '[j["expired"], j["remainingSeconds"], j["expireTime"], j["expireTimeSeconds"]]')" = '[null, null, null, null]' ]
	run --separate-stderr "$MCLE" -o json status -n team-z
	[ "$(json_get '[j["acquireTimeSeconds"], j["renewTimeSeconds"], j["storeTimeSeconds"] is None]')" = '[null, null, false]' ]
	# status --all and reconcile-all: the same fields, and theirs after
	run --separate-stderr "$MCLE" -o json status -A
	[ "$(json_get '" ".join(j[0])')" = "$FIELDS" ]
	run --separate-stderr "$MCLE" -o json reconcile-all --identity c1 --namespaces team-a
	[ "$(json_get '" ".join(list(j[0])[:19])')" = "$FIELDS" ]
	[ "$(json_get '" ".join(list(j[0])[19:])')" = 'action status' ]
}

@test "-o json: an expired lease says so, with 0 seconds left" {
	run "$MCLE" acquire -n team-a --identity c1 --lease-duration 1
	assert_status 0
	# wait for the store's clock to pass the expiry, however slow the machine
	for _ in $(seq 600); do
		run --separate-stderr "$MCLE" -o json status -n team-a
		[ "$(json_get 'j["expired"]')" = true ] && break
		sleep 0.1
	done
	[ "$(json_get '[j["expired"], j["remainingSeconds"]]')" = '[true, 0]' ]
	run --separate-stderr "$MCLE" status -n team-a
	assert_match '^team-a +c1 +false +1 +1s +[0-9T:.-]+Z +expired$'
}

@test "jq 1.6 reads the times: whole seconds, and the exact times cut to seconds" {
	command -v jq >/dev/null || skip "no jq"
	run "$MCLE" acquire -n team-a --identity c1
	run --separate-stderr sh -c '"$MCLE" -o json status -n team-a | jq -e "
		(.expireTimeSeconds | todate | fromdateiso8601) == .expireTimeSeconds and
		(.expireTime | sub(\"\\\\.[0-9]+Z$\"; \"Z\") | fromdateiso8601) == .expireTimeSeconds and
		(.renewTime | .[0:19] + \"Z\" | fromdateiso8601) == .renewTimeSeconds and
		.expireTimeSeconds - .storeTimeSeconds <= 61"'
	assert_status 0
}

# yaml_vs_json NS: -o yaml and -o json of status -n NS hold the same data
# (but for the clock and what it moves).
yaml_vs_json() {
	"$PYTHON3" - "$MCLE" "$@" <<'PY'
import json, subprocess, sys, yaml
mcle, args = sys.argv[1], sys.argv[2:]
y = yaml.safe_load(subprocess.run([mcle, "-o", "yaml"] + args, check=True,
                                  capture_output=True, text=True).stdout)
j = json.loads(subprocess.run([mcle, "-o", "json"] + args, check=True,
                              capture_output=True, text=True).stdout)
def stable(v):
    rows = v if isinstance(v, list) else [v]
    for r in rows:
        for k in ("storeTime", "storeTimeSeconds", "remainingSeconds"):
            r.pop(k)
    return v
if stable(y) != stable(j):
    sys.exit("yaml %r\njson %r" % (y, j))
PY
}

@test "-o yaml: the JSON shape, strings that look like numbers, booleans or times quoted" {
	for id in c1 007 yes 'null' 1e3 '0x1f' 'a:b' '-x' 2024-01-01; do
		run --separate-stderr "$MCLE" acquire -n team-a --identity "$id"
		assert_status 0
		run yaml_vs_json status -n team-a --identity "$id"
		assert_status 0
		run --separate-stderr "$MCLE" release -n team-a --identity "$id"
		assert_status 0
	done
	run yaml_vs_json status -A
	assert_status 0
	run --separate-stderr "$MCLE" -o yaml status -n team-a
	assert_match '^schemaVersion: 1$'
	assert_match '^acquireTime: "20[0-9-]+T[0-9:.]+Z"$'
	assert_match '^resourceStatus: null$'
	# several: a sequence; none: an empty one
	run --separate-stderr "$MCLE" -o yaml reconcile-all --identity c1 --namespaces team-b,team-c
	assert_match '^- schemaVersion: 1$'
	assert_match '^  action: acquired$'
	rm -f "$STORE_DIR"/*
	run --separate-stderr "$MCLE" -o yaml status -A
	assert_status 0
	[ "$output" = "[]" ]
}

@test "-o wide adds ACQUIRED and RENEWED; -o name prints the namespaces" {
	run "$MCLE" reconcile-all --identity c1 --namespaces team-a,team-b
	assert_status 0
	run --separate-stderr "$MCLE" -o wide status -A --identity c1
	assert_status 0
	assert_match '^NAMESPACE +HOLDER +LEADER +EPOCH +DURATION +EXPIRES +REMAINING +ACQUIRED +RENEWED$'
	assert_match '^team-a +c1 +true +1 +1m +[0-9T:.-]+Z +[0-9ms]+ +20[0-9T:.-]+Z +20[0-9T:.-]+Z$'
	run --separate-stderr "$MCLE" -o wide reconcile-all --identity c1 --namespaces team-a
	assert_match '^NAMESPACE +ACTION +HOLDER .* ACQUIRED +RENEWED$'
	assert_match '^1 namespace: 1 leader, 0 standby, 0 failed$'
	run --separate-stderr "$MCLE" -o name status -A
	assert_status 0
	[ "$output" = "team-a
team-b" ]
	run --separate-stderr "$MCLE" -o name status -n team-c
	[ "$output" = team-c ]
	run --separate-stderr "$MCLE" -o name reconcile-all --identity c1 --namespaces team-b
	[ "$output" = team-b ]
}

@test "-o jsonpath: fields, indexes, slices, filters, range and literals, as kubectl" {
	run "$MCLE" reconcile-all --identity c1 --namespaces team-a,team-b
	run "$MCLE" acquire --identity c2 -n team-c --lease-duration 2m
	run --separate-stderr "$MCLE" -o 'jsonpath={.holderIdentity}' status -n team-c
	assert_status 0
	[ "$output" = c2 ]
	run --separate-stderr "$MCLE" -o 'jsonpath={.namespace} {.leaseDurationSeconds}{"\n"}' status -n team-c
	[ "$output" = "team-c 120" ]
	run --separate-stderr "$MCLE" -o 'jsonpath={[*].namespace}' status -A
	[ "$output" = "team-a team-b team-c" ]
	run --separate-stderr "$MCLE" -o 'jsonpath={[0].namespace},{[-1].namespace},{[1:].holderIdentity}' status -A
	[ "$output" = "team-a,team-c,c1 c2" ]
	run --separate-stderr "$MCLE" -o 'jsonpath={range [*]}{.namespace}{"\t"}{.holderIdentity}{"\n"}{end}' status -A
	[ "$output" = "$(printf 'team-a\tc1\nteam-b\tc1\nteam-c\tc2')" ]
	run --separate-stderr "$MCLE" -o 'jsonpath={[?(@.holderIdentity=="c2")].namespace}' status -A
	[ "$output" = team-c ]
	run --separate-stderr "$MCLE" --identity c1 -o 'jsonpath={range [?(@.isLeader)]}{.namespace}{"\n"}{end}' status -A
	[ "$output" = "team-a
team-b" ]
	run --separate-stderr "$MCLE" -o 'jsonpath={[?(@.leaseDurationSeconds>60)].namespace}' status -A
	[ "$output" = team-c ]
	run --separate-stderr "$MCLE" -o "jsonpath={\$[2]['holderIdentity']} {..epoch}" status -A
	[ "$output" = "c2 1 1 1" ]
	# missing fields print nothing, null prints null, objects print as JSON
	run --separate-stderr "$MCLE" -o 'jsonpath=[{.nothing}] {.resourceStatus} {.expired}' status -n team-z
	[ "$output" = "[] null null" ]
	run --separate-stderr "$MCLE" -o 'jsonpath={[0].status}' reconcile-all --identity c1 --namespaces team-a
	[ "$(printf '%s' "$output" | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["isLeader"])')" = True ]
	# the same answer as jq
	command -v jq >/dev/null || return 0
	[ "$("$MCLE" -o 'jsonpath={range [*]}{.namespace}={.epoch}{"\n"}{end}' status -A)" = \
	  "$("$MCLE" -o json status -A | jq -r '.[] | "\(.namespace)=\(.epoch)"')" ]
}

@test "-o jsonpath: a bad template is a usage error before anything is read" {
	for t in '{' '{.a' '{range [*]}' '{end}' '{[}' '{.a[x]}' '{"a}' '{[?(.a==1)]}' '{foo}' \
		'{range [*]}{range [*]}{range [*]}{range [*]}{range [*]}{range [*]}{range [*]}{range [*]}{range [*]}'; do
		run --separate-stderr "$MCLE" --store file:///nonexistent -o "jsonpath=$t" status -A
		assert_status 2
		[[ "$stderr" == "mcle: invalid value 'jsonpath="*"' for --output: bad JSONPath template: "*" at position "[0-9]* ]]
	done
}

@test "-o jsonpath over 20,000 leases, one row at a time, in order" {
	"$PYTHON3" - "$STORE_DIR" <<'PY'
import json, os, sys
d = sys.argv[1]
for i in range(20000):
    name = "ns-%05d" % i
    obj = {"kind": "mcle#lock", "name": name, "generation": "1000", "metageneration": "1",
           "timeCreated": "2030-01-01T00:00:00.000000Z", "updated": "2030-01-01T00:00:00.000000Z",
           "metadata": {"mcleFormat": "1", "holderIdentity": "c1", "leaseTransitions": "1",
                        "leaseDurationSeconds": "60", "acquireTime": "2030-01-01T00:00:00.000000Z"}}
    with open(os.path.join(d, name), "w") as f:
        json.dump(obj, f)
PY
	run --separate-stderr "$MCLE" -o json status -n ns-00000
	assert_status 0
	[ "$(json_get 'j["holderIdentity"]')" = c1 ] || skip "the file store's format differs"
	run --separate-stderr "$MCLE" --timeout 600 -o 'jsonpath={range [*]}{.namespace}{"\n"}{end}' status -A
	assert_status 0
	[ "${#lines[@]}" -eq 20000 ]
	[ "${lines[19999]}" = ns-19999 ]
}
