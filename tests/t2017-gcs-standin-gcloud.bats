#!/usr/bin/env bats
# Fidelity of the GCS stand-in (tests/servers/gcs-server.py) to the real
# `gcloud storage` client: what gcloud sends, the stand-in answers as GCS
# does.  (A file of its own: gcloud takes about a second of CPU a call.)
# Runs alone:  cd /work/main && PYTHON3=/usr/bin/python3 bats tests/t2017-gcs-standin-gcloud.bats

load gcs-standin-helpers

# --- the real client -------------------------------------------------------

gcloud_env() {
	command -v gcloud >/dev/null || skip "gcloud is not installed"
	export CLOUDSDK_CONFIG=$BATS_TEST_TMPDIR/gcloud-config
	export CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE=$GCS_URL/
	export CLOUDSDK_AUTH_ACCESS_TOKEN_FILE=$BATS_TEST_TMPDIR/gcloud-token
	export CLOUDSDK_CORE_PROJECT=test
	export CLOUDSDK_CORE_DISABLE_PROMPTS=1
	export CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true
	export CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true
	# one process, one thread: gcloud's parallel workers each cost an
	# interpreter start, for objects of a few bytes
	export CLOUDSDK_STORAGE_PROCESS_COUNT=1 CLOUDSDK_STORAGE_THREAD_COUNT=1
	mkdir -p "$CLOUDSDK_CONFIG"
	echo ya29.test-token >"$CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"
}

@test "gcloud storage: cp --if-generation-match, objects describe, cat, ls" {
	gcloud_env
	f=$BATS_TEST_TMPDIR/lease
	printf 'holder=a\nepoch=1\n' >"$f"
	run timeout 120 gcloud storage cp --if-generation-match=0 --custom-metadata=holder=a \
		--cache-control=no-store "$f" "gs://b1/$T/team-a"
	[[ $status == 0 ]] || { echo "$output" >&2; false; }
	s=$(state "$T/team-a")
	cmp <(jq -r .data_b64 <<<"$s" | base64 -d) "$f"
	[[ $(jq -r '.metadata.holder + " " + .fields.cacheControl' <<<"$s") == 'a no-store' ]]
	[[ $(gcs_count POST 'uploadType=multipart') == 1 ]]
	[[ $(gcs_count POST 'ifGenerationMatch=0') == 1 ]]
	gen=$(jq -r .generation <<<"$s")

	run timeout 120 gcloud storage cp --if-generation-match=0 "$f" "gs://b1/$T/team-a"
	[[ $status != 0 ]]
	[[ $output == *412* || $output == *"pre-conditions"* ]] || { echo "$output" >&2; false; }
	[[ $(state "$T/team-a" | jq -r .generation) == "$gen" ]]

	run timeout 120 gcloud storage objects describe "gs://b1/$T/team-a" --format=json
	[[ $status == 0 ]] || { echo "$output" >&2; false; }
	json=$(sed -n '/^{/,$p' <<<"$output")
	[[ $(jq -r .generation <<<"$json") == "$gen" ]]
	[[ $(jq -r .metageneration <<<"$json") == 1 ]]
	[[ $(jq -r .md5_hash <<<"$json") == "$(jq -r .md5Hash <<<"$s")" ]]
	[[ $(jq -r .crc32c_hash <<<"$json") == "$(jq -r .crc32c <<<"$s")" ]]
	[[ $(jq -r .custom_fields.holder <<<"$json") == a ]]
	[[ $(jq -r .cache_control <<<"$json") == no-store ]]
	[[ $(jq -r .size <<<"$json") == "$(wc -c <"$f")" ]]

	run timeout 120 gcloud storage cat "gs://b1/$T/team-a"
	[[ $status == 0 ]]
	[[ $output == "$(cat "$f")" ]]

	run timeout 120 gcloud storage ls "gs://b1/$T/"
	[[ $status == 0 ]]
	[[ $output == *"gs://b1/$T/team-a"* ]]
}

@test "gcloud storage objects update: metadata PATCH with generation/metageneration preconditions" {
	gcloud_env
	f=$BATS_TEST_TMPDIR/mp
	printf -- '--B\r\nContent-Type: application/json\r\n\r\n{"name":"%s","metadata":{"holder":"x"}}\r\n--B\r\nContent-Type: text/plain\r\n\r\nv\r\n--B--\r\n' "$T" >"$f"
	http POST "/upload/storage/v1/b/b1/o?uploadType=multipart" \
		-H 'Content-Type: multipart/related; boundary=B' --data-binary "@$f"
	want 200
	gen=$(j .generation)

	run timeout 120 gcloud storage objects update "gs://b1/$T" \
		--update-custom-metadata=holder=a,epoch=1 \
		--if-generation-match="$gen" --if-metageneration-match=1
	[[ $status == 0 ]] || { echo "$output" >&2; false; }
	[[ $(state "$T" | jq -c '[.generation, .metageneration, .metadata]') == \
	   "[\"$gen\",\"2\",{\"holder\":\"a\",\"epoch\":\"1\"}]" ]]
	[[ $(gcs_count PATCH "ifGenerationMatch=$gen&ifMetagenerationMatch=1") == 1 ]]

	# (--remove-custom-metadata is not used: gcloud 528 sends the map without
	# the key instead of a null, which a merging PATCH does not remove)
	run timeout 120 gcloud storage objects update "gs://b1/$T" \
		--update-custom-metadata=epoch=2 --if-metageneration-match=2
	[[ $status == 0 ]] || { echo "$output" >&2; false; }
	[[ $(state "$T" | jq -c '[.metageneration, .metadata]') == '["3",{"holder":"a","epoch":"2"}]' ]]

	run timeout 120 gcloud storage objects update "gs://b1/$T" \
		--update-custom-metadata=holder=b --if-metageneration-match=2
	[[ $status != 0 ]]
	[[ $output == *412* || $output == *"pre-conditions"* ]] || { echo "$output" >&2; false; }
	[[ $(state "$T" | jq -c '[.metageneration, .metadata.holder]') == '["3","a"]' ]]
}
