#!/usr/bin/env bats
# A hostile or broken storage server: oversized, truncated, non-JSON and
# incomplete answers, no Date header, huge error messages.  Each is a
# one-line error with exit 5 and bounded memory; nothing is written.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_env
	# the bucket name chooses how the server misbehaves
	cat >"$BATS_TEST_TMPDIR/hostile.py" <<'EOF'
import http.server, json, os, sys
OBJ = {"name": "p/team-a", "generation": "1", "metageneration": "1",
       "timeCreated": "2026-01-01T00:00:00.000Z", "updated": "2026-01-01T00:00:00.000Z",
       "metadata": {"mcleFormat": "1", "holderIdentity": "a", "leaseTransitions": "1",
                    "leaseDurationSeconds": "60"}}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def answer(self, status, body, date=True, ctype="application/json"):
        self.send_response_only(status)
        if date:
            self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        with open(os.path.join(sys.argv[1], "requests"), "a") as f:
            f.write(self.command + " " + self.path + "\n")
        mode = self.path.split("/")[4]
        obj = dict(OBJ, bucket=mode)
        if mode == "huge-b":
            chunk = b"x" * 65536
            self.send_response(200)
            self.send_header("Content-Length", str(len(chunk) * 160))
            self.end_headers()
            try:
                for _ in range(160):
                    self.wfile.write(chunk)
            except OSError:
                pass
        elif mode == "html-b":
            self.answer(200, b"<html>sign in</html>", ctype="text/html")
        elif mode == "trunc-b":
            self.answer(200, json.dumps(obj).encode()[:40])
        elif mode == "nodate-b":
            self.answer(200, json.dumps(obj).encode(), date=False)
        elif mode == "nogen-b":
            self.answer(200, json.dumps(dict(obj, generation=None)).encode())
        elif mode == "deep-b":
            self.answer(200, b'{"a":' * 5000 + b"1" + b"}" * 5000)
        elif mode == "longmsg-b":
            msg = ("no\naccess " * 2000)
            self.answer(403, json.dumps({"error": {"code": 403, "message": msg}}).encode())
        else:
            self.answer(404, b'{"error": {"code": 404, "message": "The specified bucket does not exist."}}')
    do_POST = do_PATCH = do_GET
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(sys.argv[1], "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(sys.argv[1], "port.tmp"), os.path.join(sys.argv[1], "port"))
srv.serve_forever()
EOF
	"$PYTHON3" "$BATS_TEST_TMPDIR/hostile.py" "$BATS_TEST_TMPDIR" 3>&- &
	HOSTILE_PID=$!
	for ((i = 0; i < 1200; i++)); do
		[ -s "$BATS_TEST_TMPDIR/port" ] && break
		sleep 0.05
	done
	[ -s "$BATS_TEST_TMPDIR/port" ] || { echo "hostile server: no port after 60 s" >&2; return 1; }
	export STORAGE_EMULATOR_HOST="127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")"
}

teardown() {
	kill "$HOSTILE_PID" 2>/dev/null || true
	wait "$HOSTILE_PID" 2>/dev/null || true
}

# try BUCKET: acquire on gs://BUCKET/p; exit 5 and one "mcle:" line expected
try() {
	run --separate-stderr "$MCLE" --store "gs://$1/p" --identity b acquire -n team-a
	assert_status 5
	assert_one_error_line
}

@test "a response body over 8 MiB is cut off" {
	try huge-b
	[ "$stderr" = "mcle: cannot read lock 'team-a': response from '$STORAGE_EMULATOR_HOST' exceeds 8388608 bytes" ]
}

@test "HTML, truncated or too deeply nested JSON is a malformed response" {
	try html-b
	[[ $stderr == "mcle: cannot read lock 'team-a': malformed response: "* ]]
	try trunc-b
	[ "$stderr" = "mcle: cannot read lock 'team-a': malformed response: truncated JSON" ]
	try deep-b
	[ "$stderr" = "mcle: cannot read lock 'team-a': malformed response: nesting too deep" ]
}

@test "no Date header: the store's clock is unknown, nothing is decided" {
	try nodate-b
	[ "$stderr" = "mcle: cannot read lock 'team-a': response without a valid Date header" ]
}

@test "an object resource without its generation is malformed" {
	try nogen-b
	[ "$stderr" = "mcle: malformed lock 'team-a': missing or invalid 'generation'" ]
}

@test "a huge multi-line error message is clipped to one line" {
	try longmsg-b
	[[ $stderr == "mcle: cannot read lock 'team-a': permission denied (403): no access no access"*... ]]
	(( ${#stderr} < 512 ))
}

@test "none of it led to a write" {
	for b in huge-b html-b trunc-b nodate-b nogen-b deep-b longmsg-b; do
		run "$MCLE" --store "gs://$b/p" --identity b acquire -n team-a
	done
	! grep -qv '^GET ' "$BATS_TEST_TMPDIR/requests"
}
