#!/usr/bin/env bats
# The Kubernetes API stand-in speaks the real wire format: the installed
# kubectl (a dispatcher that runs kubectl.1.NN for the server's /version)
# applies the example CRD and Lease resources to it, lists them with -A,
# --chunk-size and label selectors, and patches status; curl checks the
# error answers (metav1.Status) that mcle depends on.
#
#   cd /work/main && PYTHON3=/usr/bin/python3 bats tests/t3000-kube-standin.bats

bats_require_minimum_version 1.5.0
load kube-helpers

: "${PYTHON3:=/usr/bin/python3}"
: "${MCLE_SRCDIR:=$(cd "$(dirname "$BATS_TEST_FILENAME")/.." && pwd)}"
CRD="$MCLE_SRCDIR/examples/crd.yaml"
GV=/apis/leaderelection.600lyy.io/v1
LEASES=leases.leaderelection.600lyy.io

setup() {
	command -v kubectl >/dev/null || skip "kubectl is not installed"
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	unset KUBECONFIG
}

teardown() {
	kube_stop
}

# pyjson EXPR: evaluate a python expression on the JSON in $body (as j).
pyjson() {
	printf '%s' "$body" | "$PYTHON3" -c '
import json, sys
j = json.load(sys.stdin)
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)' "$1"
}

# api [curl args...] PATH: call the API; sets $body and $code.
api() {
	run kube_curl "$@"
	[ "$status" -eq 0 ] || { echo "curl failed: $output" >&2; return 1; }
	body=${output%$'\n'*}
	body=${body%$'\n'}
	code=${output##*$'\n'}
}

expect_code() {
	if [ "$code" != "$1" ]; then
		printf 'expected HTTP %s, got %s: %s\n' "$1" "$code" "$body" >&2
		return 1
	fi
}

assert_out() {
	if ! printf '%s\n' "$output" | grep -Eq -- "$1"; then
		printf 'output does not match /%s/:\n%s\n' "$1" "$output" >&2
		return 1
	fi
}

# lease_json NS NAME HOLDER: a Lease body as mcle would create it.
lease_json() {
	printf '{"apiVersion":"leaderelection.600lyy.io/v1","kind":"Lease",'
	printf '"metadata":{"name":"%s","namespace":"%s"},' "$2" "$1"
	printf '"spec":{"holderIdentity":"%s","leaseDurationSeconds":60}}' "$3"
}

create_lease() {
	api -X POST -H 'Content-Type: application/json' \
		--data-binary "$(lease_json "$1" "${2:-lease-gsc}" "${3:-cluster-a}")" \
		"$GV/namespaces/$1/leases"
	expect_code 201
}

stored() {
	body=$(kube_ctl GET "/_control/object?path=$1")
}

@test "kubectl applies the example CRD, validated by the server" {
	kube_start
	run kubectl_standin apply -f "$CRD"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	assert_out "^customresourcedefinition.apiextensions.k8s.io/$LEASES created$"
	# kubectl found fieldValidation in /openapi/v3 and left validation to
	# the server: one create, with fieldValidation=Strict
	[ "$(kube_count POST 'customresourcedefinitions\?.*fieldValidation=Strict')" -eq 1 ]
	stored "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/$LEASES"
	[ "$(pyjson 'j["spec"]["versions"][0]["subresources"]')" = '{"status": {}}' ]
	[ "$(pyjson '[c["type"] for c in j["status"]["conditions"] if c["status"] == "True"]')" = '["NamesAccepted", "Established"]' ]
	# the new group is discoverable at once
	api "$GV"
	expect_code 200
	[ "$(pyjson '[r["name"] for r in j["resources"]]')" = '["leases", "leases/status"]' ]
	api /apis
	[ "$(pyjson '[g["name"] for g in j["groups"]]')" = '["apiextensions.k8s.io", "leaderelection.600lyy.io"]' ]
	# applying it again changes nothing
	run kubectl_standin apply -f "$CRD"
	[ "$status" -eq 0 ]
	assert_out "$LEASES unchanged"
}

@test "kubectl applies Leases in two namespaces; get -A shows the printer columns" {
	kube_start --crd "$CRD" --namespaces team-a,team-b
	cat >"$BATS_TEST_TMPDIR/leases.yaml" <<-'EOF'
		apiVersion: leaderelection.600lyy.io/v1
		kind: Lease
		metadata:
		  name: lease-gsc
		  namespace: team-a
		spec:
		  holderIdentity: cluster-a
		  leaseDurationSeconds: 60
		---
		apiVersion: leaderelection.600lyy.io/v1
		kind: Lease
		metadata:
		  name: lease-gsc
		  namespace: team-b
		spec:
		  holderIdentity: cluster-b
		  leaseDurationSeconds: 30
		status:
		  isLeader: true
	EOF
	run kubectl_standin apply -f "$BATS_TEST_TMPDIR/leases.yaml"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(grep -c "^lease.leaderelection.600lyy.io/lease-gsc created$" <<<"$output")" -eq 2 ]
	# status is dropped on create: the status subresource owns it
	stored "$GV/namespaces/team-b/leases/lease-gsc"
	[ "$(pyjson '"status" in j')" = false ]
	[ "$(pyjson 'j["spec"]["leaseDurationSeconds"]')" -eq 30 ]
	[ "$(pyjson 'j["metadata"]["generation"]')" -eq 1 ]
	# one status as mcle writes it, for the columns
	api -X PATCH -H 'Content-Type: application/merge-patch+json' \
		--data-binary '{"status":{"isLeader":true,"observedHolderIdentity":"cluster-a","epoch":4,"leaseTransitions":4,"observedExpireTime":"2030-01-02T03:04:05.000000Z"}}' \
		"$GV/namespaces/team-a/leases/lease-gsc/status"
	expect_code 200
	run kubectl_standin get "$LEASES" -A
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	assert_out '^NAMESPACE +NAME +HOLDER +LEADER +EPOCH +EXPIRES +AGE$'
	assert_out '^team-a +lease-gsc +cluster-a +true +4 +2030-01-02T03:04:05.000000Z +[0-9]+s$'
	assert_out '^team-b +lease-gsc +[0-9]+s$'
	[ "${#lines[@]}" -eq 3 ]
	# the same list as a Table over the wire
	api -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json' "$GV/leases"
	expect_code 200
	[ "$(pyjson 'j["kind"]')" = Table ]
	[ "$(pyjson '[c["name"] for c in j["columnDefinitions"]]')" = '["Name", "Holder", "Leader", "Epoch", "Expires", "Age"]' ]
	[ "$(pyjson 'j["rows"][0]["cells"][:5]')" = '["lease-gsc", "cluster-a", true, 4, "2030-01-02T03:04:05.000000Z"]' ]
	[ "$(pyjson 'j["rows"][1]["cells"][1:5]')" = '[null, null, null, null]' ]
	[ "$(pyjson 'j["rows"][1]["object"]["metadata"]["namespace"]')" = team-b ]
}

@test "kubectl patch --subresource=status changes only .status" {
	kube_start --crd "$CRD" --namespaces team-a
	create_lease team-a
	rv0=$(pyjson 'j["metadata"]["resourceVersion"]')
	run kubectl_standin patch "$LEASES" lease-gsc -n team-a --subresource=status \
		--type=merge -p '{"spec":{"holderIdentity":"evil"},"metadata":{"labels":{"x":"y"}},"status":{"isLeader":true,"observedHolderIdentity":"cluster-a","epoch":7,"bogus":1}}'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	assert_out 'lease-gsc patched'
	# a field the CRD does not declare is pruned, with a warning
	assert_out 'Warning: unknown field "status.bogus"'
	stored "$GV/namespaces/team-a/leases/lease-gsc"
	[ "$(pyjson 'j["status"]')" = '{"epoch": 7, "isLeader": true, "observedHolderIdentity": "cluster-a"}' ]
	[ "$(pyjson 'j["spec"]["holderIdentity"]')" = cluster-a ]
	[ "$(pyjson '"labels" in j["metadata"]')" = false ]
	[ "$(pyjson 'j["metadata"]["generation"]')" -eq 1 ]
	[ "$(pyjson 'int(j["metadata"]["resourceVersion"])')" -gt "$rv0" ]
	[ "$(kube_count PATCH "^$GV/namespaces/team-a/leases/lease-gsc/status(\\?|\$)")" -eq 1 ]
	# a main-resource write keeps the status and bumps the generation
	run kubectl_standin patch "$LEASES" lease-gsc -n team-a --type=merge \
		-p '{"spec":{"leaseDurationSeconds":90},"status":{"isLeader":false}}'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	stored "$GV/namespaces/team-a/leases/lease-gsc"
	[ "$(pyjson 'j["status"]["isLeader"]')" = true ]
	[ "$(pyjson 'j["spec"]["leaseDurationSeconds"]')" -eq 90 ]
	[ "$(pyjson 'j["metadata"]["generation"]')" -eq 2 ]
}

@test "kubectl --chunk-size=1 follows continue tokens through every page" {
	kube_start --crd "$CRD" --namespaces team-a,team-b,team-c
	for ns in team-a team-b team-c; do
		create_lease "$ns" lease-gsc "holder-$ns"
	done
	kube_ctl DELETE /_control/log
	run kubectl_standin get "$LEASES" -A --chunk-size=1
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	assert_out '^team-a +lease-gsc '
	assert_out '^team-b +lease-gsc '
	assert_out '^team-c +lease-gsc '
	[ "${#lines[@]}" -eq 4 ]
	[ "$(kube_count GET "^$GV/leases\\?limit=1\$")" -eq 1 ]
	[ "$(kube_count GET "^$GV/leases\\?.*continue=")" -eq 2 ]
	# the same pages over the wire: full pages, then no token
	api "$GV/leases?limit=2"
	[ "$(pyjson 'len(j["items"])')" -eq 2 ]
	[ "$(pyjson 'j["metadata"]["remainingItemCount"]')" -eq 1 ]
	token=$(pyjson 'j["metadata"]["continue"]')
	api "$GV/leases?limit=2&continue=$token"
	expect_code 200
	[ "$(pyjson '[i["metadata"]["namespace"] for i in j["items"]]')" = '["team-c"]' ]
	[ "$(pyjson '"continue" in j["metadata"]')" = false ]
}

@test "kubectl get ns -l passes the label selector to the server" {
	kube_start
	kube_ctl POST /_control/namespace '{"name":"shop-prod","labels":{"env":"prod","tier":"web"}}'
	kube_ctl POST /_control/namespace '{"name":"shop-dev","labels":{"env":"dev"}}'
	kube_ctl POST /_control/namespace '{"name":"db-prod","labels":{"env":"prod","tier":"db"}}'
	run kubectl_standin get ns -l 'env in (prod,dev),tier!=db'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	assert_out '^NAME +STATUS +AGE$'
	assert_out '^shop-dev +Active +[0-9]+s$'
	assert_out '^shop-prod +Active +[0-9]+s$'
	[ "${#lines[@]}" -eq 3 ]
	[ "$(kube_count GET '^/api/v1/namespaces\?labelSelector=env\+in\+%28prod%2Cdev%29%2Ctier%21%3Ddb&limit=500$')" -eq 1 ]
	# the selector grammar, and its errors, as the real parser has them
	api -G --data-urlencode 'labelSelector=!tier,kubernetes.io/metadata.name' /api/v1/namespaces
	[ "$(pyjson '[i["metadata"]["name"] for i in j["items"]]')" = '["default", "kube-node-lease", "kube-public", "kube-system", "shop-dev"]' ]
	api -G --data-urlencode 'labelSelector=env in (prod' /api/v1/namespaces
	expect_code 400
	[ "$(pyjson 'j["reason"]')" = BadRequest ]
	[ "$(pyjson 'j["message"]')" = "unable to parse requirement: found '', expected: ',' or ')'" ]
}

@test "kubectl create namespace (a protobuf body) and delete namespace" {
	kube_start --crd "$CRD"
	run kubectl_standin create namespace team-x
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	assert_out '^namespace/team-x created$'
	[ "$(kube_count POST '^/api/v1/namespaces(\?|$)')" -eq 1 ]
	stored /api/v1/namespaces/team-x
	[ "$(pyjson 'j["metadata"]["labels"]["kubernetes.io/metadata.name"]')" = team-x ]
	[ "$(pyjson 'j["status"]["phase"]')" = Active ]
	create_lease team-x
	run kubectl_standin delete namespace team-x
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	assert_out '^namespace "team-x" deleted$'
	api /api/v1/namespaces/team-x
	expect_code 404
	[ "$(pyjson 'j["message"]')" = 'namespaces "team-x" not found' ]
	# its contents went with it
	api "$GV/leases"
	[ "$(pyjson 'len(j["items"])')" -eq 0 ]
	# creating in a missing namespace is 404, in a terminating one 403
	api -X POST -H 'Content-Type: application/json' \
		--data-binary "$(lease_json team-x lease-gsc a)" "$GV/namespaces/team-x/leases"
	expect_code 404
	kube_ctl POST /_control/namespace '{"name":"team-y","terminating":true}'
	api -X POST -H 'Content-Type: application/json' \
		--data-binary "$(lease_json team-y lease-gsc a)" "$GV/namespaces/team-y/leases"
	expect_code 403
	[ "$(pyjson 'j["details"]["causes"][0]["reason"]')" = NamespaceTerminating ]
	api /api/v1/namespaces/team-y
	[ "$(pyjson 'j["status"]["phase"]')" = Terminating ]
	[ -n "$(pyjson 'j["metadata"]["deletionTimestamp"]')" ]
}

@test "a stale PUT answers 409 Conflict; without resourceVersion 422" {
	kube_start --crd "$CRD" --namespaces team-a
	create_lease team-a
	rv=$(pyjson 'j["metadata"]["resourceVersion"]')
	put_status() {	# RV EPOCH
		api -X PUT -H 'Content-Type: application/json' --data-binary \
			"{\"apiVersion\":\"leaderelection.600lyy.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"lease-gsc\",\"namespace\":\"team-a\"$1},\"spec\":{\"holderIdentity\":\"evil\"},\"status\":{\"isLeader\":true,\"epoch\":$2}}" \
			"$GV/namespaces/team-a/leases/lease-gsc/status"
	}
	put_status ",\"resourceVersion\":\"$rv\"" 1
	expect_code 200
	rv2=$(pyjson 'j["metadata"]["resourceVersion"]')
	[ "$rv2" -gt "$rv" ]
	[ "$(pyjson 'j["spec"]["holderIdentity"]')" = cluster-a ]
	# the same write again changes nothing and keeps the resourceVersion
	put_status ",\"resourceVersion\":\"$rv2\"" 1
	expect_code 200
	[ "$(pyjson 'j["metadata"]["resourceVersion"]')" = "$rv2" ]
	# stale
	put_status ",\"resourceVersion\":\"$rv\"" 2
	expect_code 409
	[ "$body" = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on leases.leaderelection.600lyy.io \"lease-gsc\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"lease-gsc","group":"leaderelection.600lyy.io","kind":"leases"},"code":409}' ]
	# none
	put_status "" 2
	expect_code 422
	[ "$(pyjson 'j["reason"]')" = Invalid ]
	[ "$(pyjson 'j["details"]["causes"][0]["field"]')" = metadata.resourceVersion ]
	[ "$(pyjson 'j["message"]')" = 'leases.leaderelection.600lyy.io "lease-gsc" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update' ]
	stored "$GV/namespaces/team-a/leases/lease-gsc"
	[ "$(pyjson 'j["status"]["epoch"]')" -eq 1 ]
	[ "$(pyjson 'j["metadata"]["resourceVersion"]')" = "$rv2" ]
	# create of an existing name, a missing object, an invalid name
	create_lease team-a 2>/dev/null || true
	expect_code 409
	[ "$(pyjson 'j["reason"]')" = AlreadyExists ]
	api "$GV/namespaces/team-a/leases/nope"
	expect_code 404
	[ "$(pyjson 'j["details"]')" = '{"name": "nope", "group": "leaderelection.600lyy.io", "kind": "leases"}' ]
	api -X POST -H 'Content-Type: application/json' \
		--data-binary "$(lease_json team-a Bad_Name a)" "$GV/namespaces/team-a/leases"
	expect_code 422
	[ "$(pyjson 'j["details"]["causes"][0]["field"]')" = metadata.name ]
}

@test "a wrong token answers 401; a forbidden one 403; a client certificate is accepted" {
	kube_start --namespaces team-a --forbidden-token no-rbac
	run curl -sS --cacert "$KUBE_CA" -H 'Authorization: Bearer wrong' \
		-w '\n%{http_code}' "$KUBE_URL/api/v1/namespaces"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 401 ]
	[ "${lines[0]}" = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}' ]
	run curl -sS --cacert "$KUBE_CA" -H 'Authorization: Bearer no-rbac' \
		-w '\n%{http_code}' "$KUBE_URL/api/v1/namespaces?limit=10"
	[ "${lines[1]}" = 403 ]
	assert_out 'namespaces is forbidden: User \\"[^"]+\\" cannot list resource \\"namespaces\\" in API group \\"\\" at the cluster scope'
	run curl -sS --cacert "$KUBE_CA" --cert "$KUBE_CLIENT_CERT" \
		--key "$KUBE_CLIENT_KEY" -o /dev/null -w '%{http_code}' \
		"$KUBE_URL/api/v1/namespaces/team-a"
	[ "$output" = 200 ]
	# kubectl reports the 401 as a login error
	sed -i "s/token: .*/token: wrong/" "$KUBECONFIG_FILE"
	run kubectl_standin get ns
	[ "$status" -ne 0 ]
	assert_out '^error: You must be logged in to the server'
	# token rotation: the old token stops working, the new one works
	kube_ctl POST /_control/tokens '{"tokens":["rotated"]}'
	run curl -sS --cacert "$KUBE_CA" -H "Authorization: Bearer $KUBE_TOKEN" \
		-o /dev/null -w '%{http_code}' "$KUBE_URL/api/v1/namespaces"
	[ "$output" = 401 ]
	run curl -sS --cacert "$KUBE_CA" -H "Authorization: Bearer rotated" \
		-o /dev/null -w '%{http_code}' "$KUBE_URL/api/v1/namespaces"
	[ "$output" = 200 ]
}

@test "an expired continue token answers 410 Expired with a token to go on" {
	kube_start --no-system-namespaces --namespaces a,b,c,d
	api '/api/v1/namespaces?limit=2'
	expect_code 200
	[ "$(pyjson '[i["metadata"]["name"] for i in j["items"]]')" = '["a", "b"]' ]
	token=$(pyjson 'j["metadata"]["continue"]')
	# the real token format: base64url JSON with the list's resourceVersion
	decoded=$(printf '%s' "$token" | "$PYTHON3" -c 'import base64, sys; t = sys.stdin.read(); print(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)).decode())')
	[ "$decoded" = "{\"v\":\"meta.k8s.io/v1\",\"rv\":$(pyjson 'j["metadata"]["resourceVersion"]'),\"start\":\"b\\u0000\"}" ]
	kube_ctl POST /_control/expire-continue
	api "/api/v1/namespaces?limit=2&continue=$token"
	expect_code 410
	[ "$(pyjson 'j["reason"]')" = Expired ]
	assert_msg=$(pyjson 'j["message"]')
	[[ $assert_msg == "The provided continue parameter is too old to display a consistent list result."* ]]
	fresh=$(pyjson 'j["metadata"]["continue"]')
	[ -n "$fresh" ]
	api "/api/v1/namespaces?limit=2&continue=$fresh"
	expect_code 200
	[ "$(pyjson '[i["metadata"]["name"] for i in j["items"]]')" = '["c", "d"]' ]
	# a list started after the expiry pages normally
	api '/api/v1/namespaces?limit=3'
	token=$(pyjson 'j["metadata"]["continue"]')
	api "/api/v1/namespaces?limit=3&continue=$token"
	expect_code 200
	api '/api/v1/namespaces?limit=3&continue=not-a-token'
	expect_code 400
	[ "$(pyjson 'j["reason"]')" = BadRequest ]
}

@test "faults are injected and counted; concurrent clients are served" {
	kube_start --crd "$CRD" --no-system-namespaces --namespaces n1,n2,n3,n4,n5,n6,n7,n8
	kube_ctl POST /_control/fault '{"method":"GET","path":"^/api/v1/namespaces\\?","status":503,"count":1}'
	api '/api/v1/namespaces?limit=1'
	expect_code 503
	[ "$(pyjson 'j["reason"]')" = ServiceUnavailable ]
	api '/api/v1/namespaces?limit=1'
	expect_code 200
	kube_ctl POST /_control/fault '{"path":"^/api/v1/namespaces/n1$","action":"reset"}'
	run kube_curl /api/v1/namespaces/n1
	[ "$status" -ne 0 ]
	[ "$(kube_count GET '^/api/v1/namespaces/n1$')" -eq 1 ]
	# hold: the request waits for POST /_control/release, others go on
	kube_ctl POST /_control/fault '{"method":"GET","path":"^/api/v1/namespaces/n2$","action":"hold"}'
	kube_curl /api/v1/namespaces/n2 >"$BATS_TEST_TMPDIR/held" 3>&- &
	pid=$!
	kube_wait_held
	api /api/v1/namespaces/n3
	expect_code 200
	[ "$(kube_count GET '^/api/v1/namespaces/n2$')" -eq 0 ]
	[ "$(kube_ctl POST /_control/release)" = '{"released":1}' ]
	wait "$pid"
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/held")" = 200 ]
	[ "$(kube_count GET '^/api/v1/namespaces/n2$')" -eq 1 ]
	[ "$(kube_ctl GET /_control/held)" = '{"held":0}' ]
	# eight clients at once, each creating and reading back twenty objects
	# (curl keeps its connection alive between them)
	pids=()
	for ns in n1 n2 n3 n4 n5 n6 n7 n8; do
		(
			"$PYTHON3" - "$KUBE_URL$GV/namespaces/$ns/leases" "$ns" \
				"$KUBE_TOKEN" "$KUBE_CA" >"$BATS_TEST_TMPDIR/$ns.curl" <<-'EOF'
				import json, sys
				url, ns, token, ca = sys.argv[1:]
				common = ['cacert = %s' % json.dumps(ca),
				          'header = "Authorization: Bearer %s"' % token,
				          'output = "/dev/null"',
				          'write-out = "%{http_code}\\n"']
				blocks = []
				for i in range(1, 21):
				    body = {"apiVersion": "leaderelection.600lyy.io/v1",
				            "kind": "Lease",
				            "metadata": {"name": "l%d" % i, "namespace": ns},
				            "spec": {"holderIdentity": ns}}
				    blocks.append(common + [
				        'url = %s' % json.dumps(url), 'request = "POST"',
				        'header = "Content-Type: application/json"',
				        'data = %s' % json.dumps(json.dumps(body))])
				    blocks.append(common + ['url = %s' % json.dumps(
				        "%s/l%d" % (url, i))])
				print("\nnext\n".join("\n".join(b) for b in blocks))
			EOF
			curl -sS -K "$BATS_TEST_TMPDIR/$ns.curl" >"$BATS_TEST_TMPDIR/$ns.codes"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	[ "$(cat "$BATS_TEST_TMPDIR"/n?.codes | sort | uniq -c | tr -s ' ')" = "$(printf ' 160 200\n 160 201')" ]
	api "$GV/leases"
	[ "$(pyjson 'len(j["items"])')" -eq 160 ]
	# every write got its own resourceVersion
	[ "$(pyjson 'len({i["metadata"]["resourceVersion"] for i in j["items"]})')" -eq 160 ]
	[ "$(kube_count POST "^$GV/namespaces/n[1-8]/leases\$")" -eq 160 ]
}
