#!/usr/bin/env bats
# Fidelity tests of the GCS stand-in (tests/servers/gcs-server.py): every
# endpoint through curl (interop with the real `gcloud storage` client is
# t2017-gcs-standin-gcloud.bats).
# Runs alone:  cd /work/main && PYTHON3=/usr/bin/python3 bats tests/t2000-gcs-standin.bats

load gcs-standin-helpers

# --- buckets, routes -------------------------------------------------------

@test "bucket GET answers the resource; an absent bucket is 404 notFound" {
	http GET /storage/v1/b/b1
	want 200
	[[ $(j .kind) == storage#bucket && $(j .name) == b1 && $(j .id) == b1 ]]
	[[ $(header Content-Type) == 'application/json; charset=UTF-8' ]]
	[[ $(header Server) == UploadServer ]]
	http GET /storage/v1/b/nope
	error_is 404 notFound
	[[ $(j .error.message) == 'The specified bucket does not exist.' ]]
	http GET "/storage/v1/b/nope/o/$(enc x)"
	error_is 404 notFound
	http POST "/upload/storage/v1/b/nope/o?uploadType=media&name=x" \
		-H 'Content-Type: text/plain' --data-binary x
	error_is 404 notFound
}

@test "unknown routes are 404, wrong methods 405, raw '/' in an object name is 404" {
	http GET /storage/v1/nothing
	error_is 404 notFound
	http POST /storage/v1/b/b1/o -H 'Content-Type: application/json' --data '{}'
	error_is 405 methodNotAllowed
	upload "$T/a" data
	want 200
	http GET "/storage/v1/b/b1/o/$T/a"
	error_is 404 notFound
	http GET "$(obj "$T/a")"
	want 200
}

# --- uploads ---------------------------------------------------------------

@test "media upload: ifGenerationMatch=0 creates; the object resource has GCS's fields" {
	upload "$T/hello" hello ifGenerationMatch=0
	want 200
	[[ $(j .kind) == storage#object ]]
	[[ $(j .name) == "$T/hello" && $(j .bucket) == b1 ]]
	[[ $(jq -r '.generation|type' <<<"$BODY") == string ]]
	[[ $(j .generation) =~ ^[0-9]{16}$ ]]
	[[ $(j .metageneration) == 1 && $(jq -r '.metageneration|type' <<<"$BODY") == string ]]
	[[ $(j .size) == 5 && $(jq -r '.size|type' <<<"$BODY") == string ]]
	[[ $(j .id) == "b1/$T/hello/$(j .generation)" ]]
	[[ $(j .selfLink) == "$GCS_URL/storage/v1/b/b1/o/$T%2Fhello" ]]
	[[ $(j .contentType) == text/plain ]]
	# md5 and crc32c of "hello", as GCS reports them
	[[ $(j .md5Hash) == XUFAKrxLKna5cZ2REBfFkg== ]]
	[[ $(j .crc32c) == mnG7TA== ]]
	[[ $(j .timeCreated) =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$ ]]
	[[ $(j .updated) == "$(j .timeCreated)" ]]
	[[ -n $(j .etag) ]]
	[[ $(j .metadata) == null && $(j .cacheControl) == null ]]
	[[ $(state "$T/hello" | jq -r .data) == hello ]]
}

@test "upload preconditions: 0 on existing, stale generation, metageneration on absent -> 412" {
	upload "$T/o" v1 ifGenerationMatch=0
	want 200
	g1=$(j .generation)
	upload "$T/o" v2 ifGenerationMatch=0
	error_is 412 conditionNotMet
	# the exact body GCS sends
	[[ $(jq -c . <<<"$BODY") == '{"error":{"code":412,"message":"At least one of the pre-conditions you specified did not hold.","errors":[{"domain":"global","reason":"conditionNotMet","message":"At least one of the pre-conditions you specified did not hold.","locationType":"header","location":"If-Match"}]}}' ]]
	upload "$T/o" v2 "ifGenerationMatch=$g1&ifMetagenerationMatch=1"
	want 200
	g2=$(j .generation)
	[[ $g2 != "$g1" && $(j .metageneration) == 1 ]]
	upload "$T/o" v3 "ifGenerationMatch=$g1"
	error_is 412 conditionNotMet
	upload "$T/o" v3 "ifGenerationNotMatch=$g2"
	error_is 412 conditionNotMet            # a write never answers 304
	upload "$T/o" v3 "ifMetagenerationMatch=2"
	error_is 412 conditionNotMet
	upload "$T/absent" x "ifMetagenerationMatch=1"
	error_is 412 conditionNotMet
	upload "$T/absent" x "ifGenerationMatch=$g2"
	error_is 412 conditionNotMet
	upload "$T/absent" x "ifGenerationNotMatch=0"   # 0: "must exist"
	error_is 412 conditionNotMet
	[[ $(state "$T/o" | jq -r '.data + " " + .generation') == "v2 $g2" ]]
	upload "$T/absent" x "ifGenerationMatch=abc"
	error_is 400 invalid
	upload "$T/o" v4
	want 200                                 # unconditional write
	[[ $(j .generation) != "$g2" ]]
}

@test "media upload needs Content-Type, a name and a known uploadType" {
	http POST "/upload/storage/v1/b/b1/o?uploadType=media&name=$T" \
		-H 'Content-Type:' --data-binary data
	error_is 400 invalid
	http POST "/upload/storage/v1/b/b1/o?uploadType=media" \
		-H 'Content-Type: text/plain' --data-binary data
	error_is 400 required
	http POST "/upload/storage/v1/b/b1/o?name=$T" \
		-H 'Content-Type: text/plain' --data-binary data
	error_is 400 invalid
	http POST "/upload/storage/v1/b/b1/o?uploadType=resumable&name=$T" \
		-H 'Content-Type: application/json' --data-binary '{}'
	error_is 400 invalid
	[[ $(state "$T" | jq -r .error) == 'no such object' ]]
}

@test "object names: percent-encoded UTF-8, '+' and spaces; > 1024 bytes is 400" {
	name="$T/a b+c/ü%"
	upload "$name" x
	want 200
	[[ $(j .name) == "$name" ]]
	http GET "$(obj "$name")"
	want 200
	[[ $(j .name) == "$name" ]]
	long=$(printf 'n%.0s' {1..1025})
	upload "$long" x
	error_is 400 invalid
}

@test "multipart upload with CRLF: metadata, cacheControl, contentType, exact bytes" {
	f=$BATS_TEST_TMPDIR/mp
	printf -- '--XyZ\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{"name":"%s","metadata":{"holder":"a","epoch":"3"},"cacheControl":"no-store","contentType":"application/x-lease"}\r\n--XyZ\r\nContent-Type: text/plain\r\n\r\nline1\nline2\n\r\n--XyZ--\r\n' "$T/crlf" >"$f"
	http POST "/upload/storage/v1/b/b1/o?uploadType=multipart&ifGenerationMatch=0" \
		-H 'Content-Type: multipart/related; boundary=XyZ' --data-binary "@$f"
	want 200
	[[ $(j .name) == "$T/crlf" && $(j .size) == 12 ]]
	[[ $(j .metadata.holder) == a && $(j .metadata.epoch) == 3 ]]
	[[ $(j .cacheControl) == no-store && $(j .contentType) == application/x-lease ]]
	cmp <(state "$T/crlf" | jq -r .data_b64 | base64 -d) <(printf 'line1\nline2\n')
	http GET "$(obj "$T/crlf")?alt=media"
	want 200
	[[ $(header Content-Type) == application/x-lease ]]
	[[ $(header Cache-Control) == no-store ]]
	cmp "$BATS_TEST_TMPDIR/body" <(printf 'line1\nline2\n')
}

@test "multipart upload with bare LF and a single-quoted boundary (as gcloud sends)" {
	f=$BATS_TEST_TMPDIR/mp
	printf -- "--===b==\nContent-Type: application/json\nMIME-Version: 1.0\n\n{\"bucket\": \"b1\", \"name\": \"%s\", \"metadata\": {\"k\": \"v\"}}\n--===b==\nContent-Type: text/plain\nMIME-Version: 1.0\nContent-Transfer-Encoding: binary\n\nabc\n\n--===b==--" "$T/lf" >"$f"
	http POST "/upload/storage/v1/b/b1/o?uploadType=multipart&ifGenerationMatch=0" \
		-H "Content-Type: multipart/related; boundary='===b=='" --data-binary "@$f"
	want 200
	[[ $(j .name) == "$T/lf" && $(j .size) == 4 && $(j .metadata.k) == v ]]
	[[ $(j .contentType) == text/plain ]]       # from the media part
	cmp <(state "$T/lf" | jq -r .data_b64 | base64 -d) <(printf 'abc\n')
}

@test "multipart upload: bad hashes, names, parts and framing are 400" {
	mp() { # mp FILE JSON DATA [boundary-end]
		printf -- '--B\r\nContent-Type: application/json\r\n\r\n%s\r\n--B\r\nContent-Type: text/plain\r\n\r\n%s\r\n--B%s\r\n' \
			"$2" "$3" "${4---}" >"$1"
	}
	f=$BATS_TEST_TMPDIR/mp
	u="/upload/storage/v1/b/b1/o?uploadType=multipart"
	ct='Content-Type: multipart/related; boundary=B'
	mp "$f" '{"name":"'"$T"'","md5Hash":"AAAAAAAAAAAAAAAAAAAAAA=="}' hello
	http POST "$u" -H "$ct" --data-binary "@$f"
	error_is 400 invalid
	mp "$f" '{"name":"'"$T"'","crc32c":"mnG7TA==","md5Hash":"XUFAKrxLKna5cZ2REBfFkg=="}' hello
	http POST "$u" -H "$ct" --data-binary "@$f"
	want 200                                  # right hashes are accepted
	mp "$f" '{"name":"other"}' hello
	http POST "$u&name=$T" -H "$ct" --data-binary "@$f"
	error_is 400 invalid
	mp "$f" '{"metadata":{}}' hello
	http POST "$u" -H "$ct" --data-binary "@$f"
	error_is 400 required
	mp "$f" '{"name":"'"$T"'"}' hello ''
	http POST "$u" -H "$ct" --data-binary "@$f"
	error_is 400 invalid                      # no closing delimiter
	mp "$f" '{"name":' hello
	http POST "$u" -H "$ct" --data-binary "@$f"
	error_is 400 parseError
	mp "$f" '{"name":"'"$T"'"}' hello
	http POST "$u" -H 'Content-Type: multipart/related' --data-binary "@$f"
	error_is 400 invalid                      # no boundary
	big=$(jq -cn '{name: "x", metadata: {k: ("v" * 8200)}}')
	mp "$f" "$big" hello
	http POST "$u" -H "$ct" --data-binary "@$f"
	error_is 400 invalid                      # custom metadata > 8 KiB
}

@test "concurrent creates with ifGenerationMatch=0: exactly one wins" {
	url="$GCS_URL/upload/storage/v1/b/b1/o?uploadType=media&name=$T&ifGenerationMatch=0"
	codes=$(seq 1 20 | xargs -P 20 -I{} curl -sS --max-time 20 -o /dev/null \
		-w '%{http_code}\n' -X POST -H 'Content-Type: text/plain' \
		--data-binary 'writer-{}' "$url" | sort | uniq -c | awk '{print $2 "x" $1}' | xargs)
	[[ $codes == "200x1 412x19" ]] || { echo "$codes" >&2; false; }
	[[ $(gcs_count POST "name=$T&") == 20 ]]
	purl="$GCS_URL$(obj "$T")?ifMetagenerationMatch=1"
	codes=$(seq 1 20 | xargs -P 20 -I{} curl -sS --max-time 20 -o /dev/null \
		-w '%{http_code}\n' -X PATCH -H 'Content-Type: application/json' \
		--data-binary '{"metadata":{"w":"{}"}}' "$purl" | sort | uniq -c | awk '{print $2 "x" $1}' | xargs)
	[[ $codes == "200x1 412x19" ]] || { echo "$codes" >&2; false; }
	[[ $(state "$T" | jq -r .metageneration) == 2 ]]
}

@test "generations are unique and strictly increasing across rapid writes" {
	cfg=$BATS_TEST_TMPDIR/cfg
	for ((i = 0; i < 100; i++)); do
		printf 'url = "%s/upload/storage/v1/b/b1/o?uploadType=media&name=%s%%2F%d"\nrequest = "POST"\nheader = "Content-Type: text/plain"\ndata = "x"\n' "$GCS_URL" "$T" $((i % 3))
		((i < 99)) && printf 'next\n'
	done >"$cfg"
	curl -sS --max-time 30 -K "$cfg" | jq -r .generation >"$BATS_TEST_TMPDIR/gens"
	[[ $(wc -l <"$BATS_TEST_TMPDIR/gens") == 100 ]]
	sort -n -C "$BATS_TEST_TMPDIR/gens"
	[[ $(sort -u "$BATS_TEST_TMPDIR/gens" | wc -l) == 100 ]]
}

@test "chunked request bodies work; a body over 16 MiB is 413; POST without a length is 411" {
	http POST "/upload/storage/v1/b/b1/o?uploadType=media&name=$T" \
		-H 'Content-Type: text/plain' -H 'Transfer-Encoding: chunked' --data-binary 'chunky'
	want 200
	[[ $(j .size) == 6 ]]
	head -c $((16 * 1024 * 1024 + 1)) /dev/zero >"$BATS_TEST_TMPDIR/big"
	http POST "/upload/storage/v1/b/b1/o?uploadType=media&name=$T-big" \
		-H 'Content-Type: application/octet-stream' --data-binary "@$BATS_TEST_TMPDIR/big"
	error_is 413 uploadTooLarge
	[[ $(state "$T-big" | jq -r .error) == 'no such object' ]]
	exec 8<>"/dev/tcp/127.0.0.1/$GCS_PORT"
	printf 'POST /upload/storage/v1/b/b1/o?uploadType=media&name=%s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\r\n' "$T" >&8
	reply=$(timeout 60 head -n 1 <&8 | tr -d '\r')
	exec 8<&-
	[[ $reply == 'HTTP/1.1 411 Length Required' ]]
	http GET /storage/v1/b/b1
	want 200                                  # still serving
}

# --- reads -----------------------------------------------------------------

@test "GET object: resource, alt=media with x-goog headers, Range, 404 No such object" {
	upload "$T/r" 0123456789
	want 200
	gen=$(j .generation)
	http GET "$(obj "$T/r")"
	want 200
	[[ $(j .generation) == "$gen" && $(j .size) == 10 ]]
	http GET "$(obj "$T/r")?alt=media"
	want 200
	[[ $BODY == 0123456789 ]]
	[[ $(header Content-Type) == text/plain ]]
	[[ $(header X-Goog-Generation) == "$gen" ]]
	[[ $(header X-Goog-Metageneration) == 1 ]]
	[[ $(header X-Goog-Hash) == *md5=* ]]
	http GET "$(obj "$T/r")?alt=media" -H 'Range: bytes=2-4'
	want 206
	[[ $BODY == 234 && $(header Content-Range) == 'bytes 2-4/10' ]]
	http GET "$(obj "$T/missing")"
	error_is 404 notFound
	[[ $(j .error.message) == "No such object: b1/$T/missing" ]]
	http GET "$(obj "$T/missing")?alt=media"
	error_is 404 notFound
}

@test "GET preconditions: Match mismatch 412, NotMatch equal 304 with no body" {
	upload "$T" data
	want 200
	g=$(j .generation)
	http GET "$(obj "$T")?ifGenerationMatch=$g&ifMetagenerationMatch=1"
	want 200
	http GET "$(obj "$T")?ifGenerationMatch=1"
	error_is 412 conditionNotMet
	http GET "$(obj "$T")?ifGenerationMatch=0"
	error_is 412 conditionNotMet
	http GET "$(obj "$T")?ifMetagenerationMatch=2"
	error_is 412 conditionNotMet
	http GET "$(obj "$T")?ifGenerationNotMatch=$g"
	want 304
	[[ -z $BODY && $(header Content-Length) == 0 && -n $(header Date) ]]
	http GET "$(obj "$T")?alt=media&ifMetagenerationNotMatch=1"
	want 304
	[[ -z $BODY ]]
	http GET "$(obj "$T")?ifGenerationNotMatch=1&ifMetagenerationNotMatch=7"
	want 200
	http GET "$(obj "$T")?ifMetagenerationMatch=x"
	error_is 400 invalid
}

# --- metadata updates, delete ----------------------------------------------

@test "PATCH merges metadata, null removes a key; generation kept, metageneration +1" {
	f=$BATS_TEST_TMPDIR/mp
	printf -- '--B\r\nContent-Type: application/json\r\n\r\n{"name":"%s","metadata":{"a":"1","b":"2"}}\r\n--B\r\n\r\nv\r\n--B--\r\n' "$T" >"$f"
	http POST "/upload/storage/v1/b/b1/o?uploadType=multipart" \
		-H 'Content-Type: multipart/related; boundary=B' --data-binary "@$f"
	want 200
	g=$(j .generation)
	created=$(j .timeCreated)
	etag=$(j .etag)
	gcs_ctl POST /_control/clock '{"offset": 100}' >/dev/null
	http PATCH "$(obj "$T")?ifGenerationMatch=$g&ifMetagenerationMatch=1" \
		-H 'Content-Type: application/json' \
		--data '{"metadata":{"b":null,"c":"3"},"cacheControl":"no-store"}'
	want 200
	[[ $(j .generation) == "$g" && $(j .metageneration) == 2 ]]
	[[ $(jq -c .metadata <<<"$BODY") == '{"a":"1","c":"3"}' ]]
	[[ $(j .cacheControl) == no-store ]]
	[[ $(j .timeCreated) == "$created" ]]
	near "$(epoch_of "$(j .updated)")" $(($(epoch_of "$created") + 100)) 50
	[[ $(j .etag) != "$etag" ]]
	http PATCH "$(obj "$T")?ifMetagenerationMatch=1" \
		-H 'Content-Type: application/json' --data '{"metadata":{"a":"x"}}'
	error_is 412 conditionNotMet
	http PATCH "$(obj "$T")?ifGenerationMatch=1" \
		-H 'Content-Type: application/json' --data '{"metadata":{"a":"x"}}'
	error_is 412 conditionNotMet
	[[ $(state "$T" | jq -c '[.metageneration, .metadata]') == '["2",{"a":"1","c":"3"}]' ]]
	http PATCH "$(obj "$T")?ifMetagenerationMatch=2" \
		-H 'Content-Type: application/json' --data '{"metadata":null,"cacheControl":null}'
	want 200
	[[ $(j .metadata) == null && $(j .cacheControl) == null && $(j .metageneration) == 3 ]]
	http PATCH "$(obj "$T")" -H 'Content-Type: application/json' --data '{"metadata":'
	error_is 400 parseError
	http PATCH "$(obj "$T/absent")" -H 'Content-Type: application/json' --data '{}'
	error_is 404 notFound
	[[ $(state "$T" | jq -r .data) == v ]]   # content untouched
}

@test "PUT replaces the writable metadata; metageneration +1" {
	f=$BATS_TEST_TMPDIR/mp
	printf -- '--B\r\nContent-Type: application/json\r\n\r\n{"name":"%s","metadata":{"a":"1"},"cacheControl":"no-store"}\r\n--B\r\nContent-Type: text/plain\r\n\r\nv\r\n--B--\r\n' "$T" >"$f"
	http POST "/upload/storage/v1/b/b1/o?uploadType=multipart" \
		-H 'Content-Type: multipart/related; boundary=B' --data-binary "@$f"
	want 200
	g=$(j .generation)
	http PUT "$(obj "$T")?ifMetagenerationMatch=1" -H 'Content-Type: application/json' \
		--data '{"metadata":{"z":"9"},"contentType":"text/x"}'
	want 200
	[[ $(jq -c .metadata <<<"$BODY") == '{"z":"9"}' ]]
	[[ $(j .cacheControl) == null && $(j .contentType) == text/x ]]
	[[ $(j .generation) == "$g" && $(j .metageneration) == 2 ]]
	http PUT "$(obj "$T")?ifMetagenerationMatch=1" -H 'Content-Type: application/json' --data '{}'
	error_is 412 conditionNotMet
}

@test "DELETE answers 204 with an empty body; preconditions; 404 afterwards" {
	upload "$T" data
	want 200
	g=$(j .generation)
	http DELETE "$(obj "$T")?ifGenerationMatch=1"
	error_is 412 conditionNotMet
	http DELETE "$(obj "$T")?ifMetagenerationMatch=2"
	error_is 412 conditionNotMet
	http DELETE "$(obj "$T")?ifGenerationMatch=$g&ifMetagenerationMatch=1"
	want 204
	[[ -z $BODY && $(header Content-Length) == 0 && -n $(header Date) ]]
	http DELETE "$(obj "$T")"
	error_is 404 notFound
	http GET "$(obj "$T")"
	error_is 404 notFound
}

@test "mutations in quick succession are fine without --rate-limit" {
	upload "$T" a
	want 200
	for i in 1 2 3; do
		http PATCH "$(obj "$T")" -H 'Content-Type: application/json' --data "{\"metadata\":{\"i\":\"$i\"}}"
		want 200
	done
}

@test "--rate-limit: a second mutation of one object within 1 s is 429 rateLimitExceeded" {
	extra_start --bucket b1 --rate-limit
	# the default 1 s: a second mutation passes no sooner (then at once or
	# later, however slow this machine is)
	t0=$EPOCHREALTIME
	upload "$T/c" c
	want 200
	for ((i = 0; i < 1200; i++)); do
		http PATCH "$(obj "$T/c")" -H 'Content-Type: application/json' --data '{}'
		[[ $CODE == 200 ]] && break
		error_is 429 rateLimitExceeded
		sleep 0.05
	done
	want 200
	elapsed_ms=$(( (${EPOCHREALTIME//[.,]/} - ${t0//[.,]/}) / 1000 ))
	((elapsed_ms >= 1000)) || { echo "only ${elapsed_ms} ms" >&2; false; }
	# a 60 s window (POST /_control/rate-limit) to see the refusal for sure
	gcs_ctl POST /_control/rate-limit '{"enabled": true, "interval": 60}' >/dev/null
	upload "$T/a" a
	want 200
	http PATCH "$(obj "$T/a")" -H 'Content-Type: application/json' --data '{}'
	error_is 429 rateLimitExceeded
	[[ $(j .error.message) == *"$T/a exceeded the rate limit"* ]]
	upload "$T/b" b
	want 200                                  # per object
}

# --- list ------------------------------------------------------------------

@test "list: 2,500 objects in pages of maxResults, sorted, each once; cap 1000" {
	B=b2
	cfg=$BATS_TEST_TMPDIR/cfg
	for ((i = 2499; i >= 0; i--)); do
		printf 'url = "%s/upload/storage/v1/b/b2/o?uploadType=media&name=many%%2Fn%04d"\nrequest = "POST"\nheader = "Content-Type: text/plain"\ndata = "x%d"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %%{num_connects}\\n"\n' "$GCS_URL" $i $i
		((i > 0)) && printf 'next\n'
	done >"$cfg"
	out=$(curl -sS --max-time 60 -K "$cfg" | sort | uniq -c | awk '{print $1 "x" $2 "/" $3}' | xargs)
	# one connection, kept alive for all 2,500 requests
	[[ $out == "2499x200/0 1x200/1" ]] || { echo "$out" >&2; false; }
	: >"$BATS_TEST_TMPDIR/names"
	token= pages=()
	while :; do
		http GET "/storage/v1/b/b2/o?prefix=many%2F&maxResults=1000${token:+&pageToken=$token}"
		want 200
		pages+=("$(j '.items|length')")
		j '.items[].name' >>"$BATS_TEST_TMPDIR/names"
		token=$(j '.nextPageToken // empty')
		[[ -n $token ]] || break
		((${#pages[@]} < 10))
	done
	[[ ${pages[*]} == "1000 1000 500" ]]
	[[ $(wc -l <"$BATS_TEST_TMPDIR/names") == 2500 ]]
	sort -C "$BATS_TEST_TMPDIR/names"
	[[ $(sort -u "$BATS_TEST_TMPDIR/names" | wc -l) == 2500 ]]
	[[ $(head -n 1 "$BATS_TEST_TMPDIR/names") == many/n0000 ]]
	http GET "/storage/v1/b/b2/o?prefix=many%2F"
	[[ $(j '.items|length') == 1000 && -n $(j .nextPageToken) ]]
	http GET "/storage/v1/b/b2/o?prefix=many%2F&maxResults=5000"
	[[ $(j '.items|length') == 1000 ]]
	http GET "/storage/v1/b/b2/o?prefix=many%2F&maxResults=7"
	[[ $(j '.items|length') == 7 && $(j '.items[6].name') == many/n0006 ]]
}

@test "list: items carry metadata and versions; prefix and delimiter; empty; bad tokens" {
	f=$BATS_TEST_TMPDIR/mp
	printf -- '--B\r\nContent-Type: application/json\r\n\r\n{"name":"%s/d/c","metadata":{"holder":"x"}}\r\n--B\r\nContent-Type: text/plain\r\n\r\nv\r\n--B--\r\n' "$T" >"$f"
	http POST "/upload/storage/v1/b/b1/o?uploadType=multipart" \
		-H 'Content-Type: multipart/related; boundary=B' --data-binary "@$f"
	want 200
	for n in d/a/1 d/a/2 d/b/1 d/d/x; do upload "$T/$n" v; want 200; done
	http PATCH "$(obj "$T/d/c")" -H 'Content-Type: application/json' --data '{"metadata":{"epoch":"2"}}'
	want 200
	p=$(enc "$T/d/")
	http GET "/storage/v1/b/b1/o?prefix=$p"
	want 200
	[[ $(j '[.items[].name]|join(",")') == "$T/d/a/1,$T/d/a/2,$T/d/b/1,$T/d/c,$T/d/d/x" ]]
	[[ $(j '.items[3]|[.metadata.holder,.metadata.epoch,.metageneration,(.generation|type),(.updated|length)]|join(",")') == 'x,2,2,string,24' ]]
	[[ $(j .nextPageToken) == null && $(j .prefixes) == null ]]
	http GET "/storage/v1/b/b1/o?prefix=$p&delimiter=%2F&maxResults=2"
	want 200
	[[ $(jq -c .prefixes <<<"$BODY") == "[\"$T/d/a/\",\"$T/d/b/\"]" && $(j .items) == null ]]
	tok=$(j .nextPageToken)
	[[ -n $tok && $tok != null ]]
	http GET "/storage/v1/b/b1/o?prefix=$p&delimiter=%2F&maxResults=2&pageToken=$tok"
	want 200
	[[ $(j '[.items[].name]|join(",")') == "$T/d/c" ]]
	[[ $(jq -c .prefixes <<<"$BODY") == "[\"$T/d/d/\"]" && $(j .nextPageToken) == null ]]
	http GET "/storage/v1/b/b1/o?prefix=$p&pageToken=$tok"
	error_is 400 invalid                      # token from another listing
	http GET "/storage/v1/b/b1/o?prefix=$p&pageToken=garbage"
	error_is 400 invalid
	http GET "/storage/v1/b/b1/o?prefix=$T%2Fnothing%2F"
	want 200
	[[ $(jq -c . <<<"$BODY") == '{"kind":"storage#objects"}' ]]
	http GET "/storage/v1/b/b1/o?maxResults=-1"
	error_is 400 invalid
}

@test "--max-results-cap lowers the page size" {
	extra_start --bucket b1 --max-results-cap 10
	for ((i = 0; i < 25; i++)); do
		printf 'url = "%s/upload/storage/v1/b/b1/o?uploadType=media&name=c%%2F%02d"\nrequest = "POST"\nheader = "Content-Type: text/plain"\ndata = "x"\noutput = "/dev/null"\n' "$GCS_URL" $i
		((i < 24)) && printf 'next\n'
	done >"$BATS_TEST_TMPDIR/cfg"
	curl -sS --max-time 30 -K "$BATS_TEST_TMPDIR/cfg"
	http GET "/storage/v1/b/b1/o?maxResults=1000"
	[[ $(j '.items|length') == 10 ]]
	http GET "/storage/v1/b/b1/o?pageToken=$(j .nextPageToken)"
	[[ $(j '.items|length') == 10 && $(j '.items[0].name') == c/10 ]]
	http GET "/storage/v1/b/b1/o?pageToken=$(j .nextPageToken)&maxResults=3"
	[[ $(j '.items|length') == 3 && $(j '.items[0].name') == c/20 ]]
}

# --- clock -----------------------------------------------------------------

@test "Date header on every response follows the clock offset; so do updated and timeCreated" {
	imf='^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
	http GET /storage/v1/b/b1
	[[ $(header Date) =~ $imf ]]
	near "$(epoch_of "$(header Date)")" "$(date +%s)" 60
	gcs_ctl POST /_control/clock '{"offset": -3600.5}' >/dev/null
	upload "$T" x
	want 200
	near "$(epoch_of "$(header Date)")" $(($(date +%s) - 3600)) 60
	near "$(epoch_of "$(j .updated)")" $(($(date +%s) - 3600)) 60
	near "$(epoch_of "$(j .timeCreated)")" $(($(date +%s) - 3600)) 60
	g=$(j .generation)
	http GET "$(obj "$T/none")"                 # errors too
	want 404
	near "$(epoch_of "$(header Date)")" $(($(date +%s) - 3600)) 60
	http GET "$(obj "$T")?ifGenerationNotMatch=$g"
	want 304
	near "$(epoch_of "$(header Date)")" $(($(date +%s) - 3600)) 60
	gcs_ctl POST /_control/clock '{"offset": 86400}' >/dev/null
	http DELETE "$(obj "$T")"
	want 204
	near "$(epoch_of "$(header Date)")" $(($(date +%s) + 86400)) 60
	gcs_ctl POST /_control/fault '{"path":"/b/b1$","status":503}' >/dev/null
	http GET /storage/v1/b/b1
	want 503
	[[ $(header Date) =~ $imf ]]
	near "$(epoch_of "$(header Date)")" $(($(date +%s) + 86400)) 60
	[[ $(gcs_ctl GET /_control/clock | jq -r .offset) == 86400 ]]
}

@test "--clock-offset sets the starting offset" {
	extra_start --bucket b1 --clock-offset -7200
	http GET /storage/v1/b/b1
	near "$(epoch_of "$(header Date)")" $(($(date +%s) - 7200)) 60
}

# --- faults ----------------------------------------------------------------

@test "fault status: next N matching requests (method + path regex) get Google's error" {
	upload "$T" v
	want 200
	gcs_ctl POST /_control/fault "{\"method\":\"PATCH\",\"path\":\"/o/$T\$\",\"count\":2,\"status\":503}" >/dev/null
	[[ $(gcs_ctl GET /_control/fault | jq -r '.[0].count') == 2 ]]
	http GET "$(obj "$T")"
	want 200                                  # method does not match
	for i in 1 2; do
		http PATCH "$(obj "$T")" -H 'Content-Type: application/json' --data '{}'
		error_is 503 backendError
	done
	http PATCH "$(obj "$T")" -H 'Content-Type: application/json' --data '{}'
	want 200
	[[ $(j .metageneration) == 2 ]]           # faulted requests did nothing
	gcs_ctl POST /_control/fault '{"path":"uploadType=media","status":429,"reason":"rateLimitExceeded"}' >/dev/null
	upload "$T" v2
	error_is 429 rateLimitExceeded
	gcs_ctl POST /_control/fault '{"path":"ifGenerationMatch","status":412}' >/dev/null
	upload "$T" v2 ifGenerationMatch=0
	error_is 412 conditionNotMet
	[[ $(j '.error.errors[0].location') == If-Match ]]
	[[ $(gcs_count PATCH "/o/$T\$") == 3 ]]
	[[ $(gcs_log | jq -rs '[.[] | select(.action == "status") | .status] | join(",")') == 503,503,429,412 ]]
	run gcs_ctl POST /_control/fault '{"action":"explode"}'
	((status != 0))
	run gcs_ctl POST /_control/fault '{"path":"(","status":503}'
	((status != 0))
}

@test "faults queue in order; DELETE /_control/fault clears them" {
	gcs_ctl POST /_control/fault '{"path":"/b/b1$","status":500}' >/dev/null
	gcs_ctl POST /_control/fault '{"path":"/b/b1$","status":502}' >/dev/null
	gcs_ctl POST /_control/fault '{"path":"/b/b2$","status":504}' >/dev/null
	http GET /storage/v1/b/b1
	want 500
	http GET /storage/v1/b/b1
	want 502
	http GET /storage/v1/b/b1
	want 200
	gcs_ctl DELETE /_control/fault
	[[ $(gcs_ctl GET /_control/fault) == '[]' ]]
	http GET /storage/v1/b/b2
	want 200
}

@test "fault reset: the connection is reset, nothing is answered or committed" {
	gcs_ctl POST /_control/fault '{"method":"POST","path":"uploadType=media","action":"reset"}' >/dev/null
	run curl -sS --max-time 10 -X POST -H 'Content-Type: text/plain' --data-binary x \
		"$GCS_URL/upload/storage/v1/b/b1/o?uploadType=media&name=$T"
	[[ $status == 56 ]] || { echo "curl: $status $output" >&2; false; }
	[[ $(state "$T" | jq -r .error) == 'no such object' ]]
	[[ $(gcs_log | jq -c '[.method, .status, .action]') == '["POST",null,"reset"]' ]]
	upload "$T" x
	want 200
}

@test "fault commit-drop: the mutation commits, then the connection drops unanswered" {
	upload "$T" v1
	want 200
	gcs_ctl POST /_control/fault "{\"method\":\"PATCH\",\"path\":\"/o/$T\",\"action\":\"commit-drop\"}" >/dev/null
	run curl -sS --max-time 10 -X PATCH -H 'Content-Type: application/json' \
		--data '{"metadata":{"holder":"me"}}' "$GCS_URL$(obj "$T")?ifMetagenerationMatch=1"
	[[ $status == 56 ]] || { echo "curl: $status $output" >&2; false; }
	[[ $(state "$T" | jq -c '[.metageneration, .metadata.holder]') == '["2","me"]' ]]
	[[ $(gcs_log | tail -n 1 | jq -c '[.status, .action, .outcome]') == '[null,"commit-drop",200]' ]]
	# the client's retry of the same conditional write sees 412: ambiguous outcome
	http PATCH "$(obj "$T")?ifMetagenerationMatch=1" -H 'Content-Type: application/json' \
		--data '{"metadata":{"holder":"me"}}'
	error_is 412 conditionNotMet
}

@test "fault delay: the request is served normally after the delay" {
	gcs_ctl POST /_control/fault '{"method":"GET","path":"/b/b1$","action":"delay","delay":1.0}' >/dev/null
	t0=$EPOCHREALTIME
	http GET /storage/v1/b/b1
	want 200
	elapsed_ms=$(( (${EPOCHREALTIME//[.,]/} - ${t0//[.,]/}) / 1000 ))
	((elapsed_ms >= 1000)) || { echo "only ${elapsed_ms} ms" >&2; false; }
	http GET /storage/v1/b/b1
	want 200
	# the log, not a stopwatch, shows that the second one was not delayed
	[[ $(gcs_log | jq -rs 'map(.action // "none") | join(",")') == delay,none ]]
}

@test "fault hold: the request waits until released, then is served; others go on" {
	gcs_ctl POST /_control/fault '{"method":"GET","path":"/b/b1$","action":"hold"}' >/dev/null
	[[ $(gcs_ctl GET /_control/fault | jq -r '.[0].delay') == 120 ]]
	[[ $(gcs_ctl GET /_control/held | jq -r .held) == 0 ]]
	curl -sS --max-time 120 -o /dev/null -w '%{http_code}' "$GCS_URL/storage/v1/b/b1" \
		>"$BATS_TEST_TMPDIR/code" 3>&- &
	pid=$!
	gcs_wait_held
	http GET /storage/v1/b/b1                 # the fault is used up
	want 200
	[[ $(gcs_log | jq -rs 'map(.action // "none") | join(",")') == none ]]
	[[ $(gcs_ctl POST /_control/release | jq -r .released) == 1 ]]
	wait "$pid"
	[[ $(<"$BATS_TEST_TMPDIR/code") == 200 ]]
	[[ $(gcs_ctl GET /_control/held | jq -r .held) == 0 ]]
	[[ $(gcs_log | jq -rs 'map(.action // "none") | join(",")') == none,hold ]]
	# a release only frees requests already held; "delay" bounds the wait
	gcs_release
	gcs_ctl POST /_control/fault '{"method":"GET","path":"/b/b1$","action":"hold","delay":1}' >/dev/null
	t0=$EPOCHREALTIME
	http GET /storage/v1/b/b1
	want 200
	elapsed_ms=$(( (${EPOCHREALTIME//[.,]/} - ${t0//[.,]/}) / 1000 ))
	((elapsed_ms >= 1000)) || { echo "only ${elapsed_ms} ms" >&2; false; }
}

@test "random faults: probability 1 always, 0 never, seeded sequences repeat" {
	gcs_ctl POST /_control/random-faults '{"probability":1,"actions":["status:429"],"seed":1}' >/dev/null
	for i in 1 2 3; do
		http GET /storage/v1/b/b1
		error_is 429 rateLimitExceeded
	done
	[[ $(gcs_log | jq -rs '[.[] | select(.random == true)] | length') == 3 ]]
	seq_of() {
		gcs_ctl POST /_control/random-faults '{"probability":0.5,"actions":["status:503","status:500"],"seed":7}' >/dev/null
		for i in $(seq 20); do
			curl -s -o /dev/null -w '%{http_code} ' "$GCS_URL/storage/v1/b/b1"
		done
	}
	a=$(seq_of)
	b=$(seq_of)
	[[ $a == "$b" ]]
	[[ $a == *200* && ($a == *503* || $a == *500*) ]]
	gcs_ctl POST /_control/random-faults '{"probability":1,"actions":["reset"],"seed":3}' >/dev/null
	run curl -sS --max-time 10 "$GCS_URL/storage/v1/b/b1"
	[[ $status == 56 ]]
	gcs_ctl POST /_control/random-faults '{"probability":0}' >/dev/null
	http GET /storage/v1/b/b1
	want 200
}

# --- log and control -------------------------------------------------------

@test "request log: every non-control request with method, path, query, status" {
	upload "$T" v
	http GET "$(obj "$T")?alt=media"
	http GET "$(obj "$T/none")"
	gcs_ctl GET /_control/fault >/dev/null
	run gcs_log
	[[ ${#lines[@]} == 3 ]]
	[[ $(jq -r '[.method, .path, .query, .status, .action] | @json' <<<"${lines[0]}") == \
	   "[\"POST\",\"/upload/storage/v1/b/b1/o\",\"uploadType=media&name=$T\",200,null]" ]]
	[[ $(jq -r '[.method, .path, .query, .status] | @json' <<<"${lines[1]}") == \
	   "[\"GET\",\"/storage/v1/b/b1/o/$T\",\"alt=media\",200]" ]]
	[[ $(jq -r .status <<<"${lines[2]}") == 404 ]]
	[[ $(gcs_count GET "/o/$T") == 2 ]]
	[[ $(gcs_count '*' "$T") == 3 ]]
	[[ $(gcs_count GET 'alt=media$') == 1 ]]
	gcs_ctl DELETE /_control/log
	[[ $(gcs_ctl GET /_control/log) == '[]' ]]
}

@test "control: create bucket, raw object state, unknown endpoint, bad JSON" {
	http GET /storage/v1/b/fresh
	want 404
	[[ $(gcs_ctl POST /_control/bucket '{"name":"fresh"}' | jq -r .name) == fresh ]]
	http GET /storage/v1/b/fresh
	want 200
	B=fresh
	upload "$T" 'raw-state'
	want 200
	s=$(state "$T")
	[[ $(jq -r '[.bucket, .name, .generation, .metageneration, .data, .size] | join(",")' <<<"$s") == \
	   "fresh,$T,$(j .generation),1,raw-state,9" ]]
	[[ $(jq -r .updated <<<"$s") == "$(j .updated)" ]]
	run gcs_ctl GET /_control/nothing
	((status != 0))
	run gcs_ctl POST /_control/clock '{not json'
	((status != 0))
	[[ $(gcs_log | wc -l) == 3 ]]             # control requests are not logged
}

@test "keep-alive: Content-Length on 200/204/304/errors; one connection serves several" {
	upload "$T" v
	g=$(j .generation)
	w='%{http_code}:%{num_connects} '
	out=$(curl -sS --max-time 20 -o /dev/null -o /dev/null -w "$w" \
		"$GCS_URL$(obj "$T")?ifGenerationNotMatch=$g" "$GCS_URL$(obj "$T/none")" \
		--next -sS --max-time 20 -o /dev/null -w "$w" -X DELETE "$GCS_URL$(obj "$T")")
	[[ $out == '304:1 404:0 204:0 ' ]] || { echo "$out" >&2; false; }
	http GET /storage/v1/b/b1
	[[ $(header Content-Length) == $(wc -c <"$BATS_TEST_TMPDIR/body") ]]
}

# --- auth ------------------------------------------------------------------

@test "auth: bearer tokens from /token (RS256 JWT, refresh) and the metadata server" {
	d=$BATS_TEST_TMPDIR
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/sa.pem" 2>/dev/null
	openssl pkey -in "$d/sa.pem" -pubout -out "$d/sa.pub"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/other.pem" 2>/dev/null
	extra_start --bucket b1 --require-auth --sa-public-key "$d/sa.pub" \
		--static-token st-1 --forbidden-token bad-1 \
		--refresh-token rt-1 --client-id cid --client-secret csec
	http GET /storage/v1/b/b1
	error_is 401 required
	[[ $(j .error.message) == "Anonymous caller does not have storage.buckets.get access"* ]]
	[[ $(header WWW-Authenticate) == Bearer* ]]
	http GET "$(obj x)"
	[[ $(j .error.message) == *"storage.objects.get"* ]]
	http GET /storage/v1/b/b1 -H 'Authorization: Bearer nope'
	error_is 401 authError
	http GET /storage/v1/b/b1 -H 'Authorization: Bearer bad-1'
	error_is 403 forbidden
	http GET /storage/v1/b/b1 -H 'Authorization: Bearer st-1'
	want 200

	now=$(date +%s)
	claims() { # claims AUD IAT EXP SCOPE
		jq -cn --arg aud "$1" --argjson iat "$2" --argjson exp "$3" --arg scope "$4" \
			'{iss: "sa@test.iam.gserviceaccount.com", scope: $scope, aud: $aud, iat: $iat, exp: $exp}'
	}
	rw=https://www.googleapis.com/auth/devstorage.read_write
	token() { # token ASSERTION
		http POST /token --data-urlencode 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer' \
			--data-urlencode "assertion=$1"
	}
	token "$(jwt "$(claims "$GCS_URL/token" "$now" $((now + 3600)) "$rw")" "$d/sa.pem")"
	want 200
	[[ $(j .token_type) == Bearer && $(j .expires_in) == 3599 ]]
	tok=$(j .access_token)
	http GET /storage/v1/b/b1 -H "Authorization: Bearer $tok"
	want 200
	token "$(jwt "$(claims http://elsewhere/token "$now" $((now + 3600)) "$rw")" "$d/sa.pem")"
	want 400
	[[ $(j .error) == invalid_grant ]]
	token "$(jwt "$(claims "$GCS_URL/token" "$now" $((now + 3600)) "$rw")" "$d/other.pem")"
	want 400
	[[ $(j .error) == invalid_grant && $(j .error_description) == 'Invalid JWT Signature.' ]]
	token "$(jwt "$(claims "$GCS_URL/token" "$now" $((now + 7200)) "$rw")" "$d/sa.pem")"
	want 400
	token "$(jwt "$(claims "$GCS_URL/token" "$now" $((now + 3600)) email)" "$d/sa.pem")"
	want 400
	token "$(jwt "$(claims "$GCS_URL/token" "$now" $((now + 3600)) \
		https://www.googleapis.com/auth/cloud-platform)" "$d/sa.pem")"
	want 200

	http POST /token --data 'grant_type=refresh_token&refresh_token=rt-1&client_id=cid&client_secret=csec'
	want 200
	http GET /storage/v1/b/b1 -H "Authorization: Bearer $(j .access_token)"
	want 200
	http POST /token --data 'grant_type=refresh_token&refresh_token=rt-1&client_id=cid&client_secret=nope'
	want 401
	[[ $(j .error) == invalid_client ]]
	http POST /token --data 'grant_type=refresh_token&refresh_token=nope&client_id=cid&client_secret=csec'
	want 400
	[[ $(j .error) == invalid_grant ]]
	http POST /token --data 'grant_type=password'
	want 400
	[[ $(j .error) == unsupported_grant_type ]]

	mt=/computeMetadata/v1/instance/service-accounts/default/token
	http GET "$mt"
	want 403
	http GET "$mt" -H 'Metadata-Flavor: Google'
	want 200
	[[ $(header Metadata-Flavor) == Google && $(j .token_type) == Bearer ]]
	http GET /storage/v1/b/b1 -H "Authorization: Bearer $(j .access_token)"
	want 200
	gcs_ctl POST /_control/fault '{"path":"^/computeMetadata/","status":503}' >/dev/null
	http GET "$mt" -H 'Metadata-Flavor: Google'
	want 503                                  # faults reach the token endpoints
	[[ $(gcs_count GET '^/computeMetadata/') == 3 ]]
}

# --- process ---------------------------------------------------------------

@test "SIGTERM exits 0 promptly even with an idle keep-alive connection open" {
	extra_start --bucket b1
	exec 8<>"/dev/tcp/127.0.0.1/$GCS_PORT"
	printf 'GET /storage/v1/b/b1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >&8
	[[ $(timeout 60 head -n 1 <&8 | tr -d '\r') == 'HTTP/1.1 200 OK' ]]
	t0=$EPOCHREALTIME
	rc=0
	gcs_stop "$EXTRA_PID" || rc=$?
	exec 8<&-
	[[ $rc == 0 ]]
	EXTRA_PID=
	# promptly: well before the 30 s idle timeout would close it
	elapsed_ms=$(( (${EPOCHREALTIME//[.,]/} - ${t0//[.,]/}) / 1000 ))
	((elapsed_ms < 10000))
	[[ -s $GCS_DIR/port ]]
	run grep -q Traceback "$GCS_DIR/server.log"
	((status == 1))
}

@test "TLS: --tls-cert/--tls-key serve HTTPS; selfLink says https" {
	d=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/k.pem" -out "$d/c.pem" \
		-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
	extra_start --bucket b1 --tls-cert "$d/c.pem" --tls-key "$d/k.pem"
	out=$(curl -sS --max-time 10 --cacert "$d/c.pem" "https://127.0.0.1:$GCS_PORT/storage/v1/b/b1")
	[[ $(jq -r .selfLink <<<"$out") == "https://127.0.0.1:$GCS_PORT/storage/v1/b/b1" ]]
	run curl -sS --max-time 10 "https://127.0.0.1:$GCS_PORT/storage/v1/b/b1"
	((status != 0))                           # unverified certificate refused
}

@test "fields=: only the fields asked for, in the resource's order; lists cut per item" {
	upload "$T/a" x
	want 200
	http PATCH "$(obj "$T/a")?fields=generation,metadata/holder" \
		-H 'Content-Type: application/json' --data '{"metadata": {"holder": "h", "epoch": "1"}}'
	want 200
	[[ $(jq -c . <<<"$BODY") == "{\"generation\":\"$(j .generation)\",\"metadata\":{\"holder\":\"h\"}}" ]]
	http GET "$(obj "$T/a")?fields=name,metadata(epoch,nosuchkey)"
	want 200
	[[ $(jq -c . <<<"$BODY") == "{\"name\":\"$T/a\",\"metadata\":{\"epoch\":\"1\"}}" ]]
	upload "$T/b" y
	http GET "/storage/v1/b/$B/o?prefix=$T/&maxResults=1&fields=nextPageToken,items(name,metageneration)"
	want 200
	[[ $(jq -c '[keys, .items]' <<<"$BODY") == "[[\"items\",\"nextPageToken\"],[{\"name\":\"$T/a\",\"metageneration\":\"2\"}]]" ]]
	http GET "/storage/v1/b/$B/o?prefix=$T/&fields=items/name,kind"
	want 200
	[[ $(jq -c . <<<"$BODY") == "{\"kind\":\"storage#objects\",\"items\":[{\"name\":\"$T/a\"},{\"name\":\"$T/b\"}]}" ]]
	http GET "$(obj "$T/a")?fields=*"
	want 200
	[[ $(j .md5Hash) != null && $(j .acl) == null ]]
}

@test "fields=: an unknown field, a sub-field of a scalar or bad syntax is 400 before anything is done" {
	upload "$T" x
	want 200
	for f in nosuch 'name/x' 'metadata/a/b' 'items(name)' 'name,' 'name(' '(name)' 'a b' 'acl(nope)'; do
		http PATCH "$(obj "$T")?fields=$(enc "$f")" \
			-H 'Content-Type: application/json' --data '{"metadata": {"k": "v"}}'
		error_is 400 invalidParameter
		[[ $(j .error.message) == "Invalid field selection "* ]]
		[[ $(j '.error.errors[0].location') == fields ]]
	done
	[[ $(state "$T" | jq -c '[.metageneration, .metadata]') == '["1",{}]' ]]
	http GET "/storage/v1/b/$B/o?fields=items(nosuch)"
	error_is 400 invalidParameter
	http GET "/storage/v1/b/$B/o?fields=nextPageToken,items(name,generation,metageneration,updated,metadata)"
	want 200
	# errors are never cut
	http GET "$(obj "$T-absent")?fields=name"
	error_is 404 notFound
}

@test "projection: noAcl by default, full for PATCH and PUT (owner and ACL); another value is 400" {
	upload "$T" x
	want 200
	[[ $(j '[.acl, .owner] | map(type) | join(" ")') == 'null null' ]]
	http GET "$(obj "$T")?projection=full"
	want 200
	[[ $(j '.owner.entity') == project-owners-123456789012 ]]
	[[ $(j '.acl | length') == 3 && $(j '.acl[0].kind') == storage#objectAccessControl ]]
	http GET "/storage/v1/b/$B/o?prefix=$T&projection=full"
	want 200
	[[ $(j '.items[0].acl | length') == 3 ]]
	http PATCH "$(obj "$T")" -H 'Content-Type: application/json' --data '{}'
	want 200
	[[ $(j '.acl | length') == 3 ]]
	http PATCH "$(obj "$T")?projection=noAcl" -H 'Content-Type: application/json' --data '{}'
	want 200
	[[ $(j '.acl') == null ]]
	http GET "$(obj "$T")?projection=full&fields=acl(role)"
	want 200
	[[ $(jq -c . <<<"$BODY") == '{"acl":[{"role":"OWNER"},{"role":"OWNER"},{"role":"READER"}]}' ]]
	http PATCH "$(obj "$T")?projection=publicRead" -H 'Content-Type: application/json' --data '{"metadata": {"k": "v"}}'
	error_is 400 invalidParameter
	[[ $(state "$T" | jq -c .metadata) == '{}' ]]
}
