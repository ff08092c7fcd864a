#!/usr/bin/python3
"""Google Cloud Storage stand-in for mcle's tests.

A small, strict, single-process imitation of the GCS JSON API (v1), the
OAuth 2.0 token endpoint and the GCE metadata server's token endpoint,
plus control endpoints for tests (fault injection, clock offset, request
log, raw state).  Python 3 stdlib only, plus python3-cryptography to
verify RS256 JWT assertions.  Binds 127.0.0.1 only.

The interface contract is /work/briefs/gcs-standin.md (tests/gcs-helpers.bash
wraps it).  Behaviour was checked against Google's published JSON API docs
(objects resource, request preconditions, status codes, list, patch) and
against the real `gcloud storage` client (tests/t2000-gcs-standin.bats).

Implemented
  GET    /storage/v1/b                         list buckets (all of them)
  GET    /storage/v1/b/B                       bucket resource
  GET    /storage/v1/b/B/o                     list: prefix, delimiter,
         maxResults (cap 1000, --max-results-cap), pageToken, startOffset,
         endOffset, matchGlob (*, **, ?); sorted by name; items/prefixes omitted when empty;
         maxResults counts items + prefixes, as Google documents
  GET    /storage/v1/b/B/o/NAME[?alt=media]    object resource or content
         (also /download/storage/v1/...; single byte Range -> 206)
  POST   /upload/storage/v1/b/B/o?uploadType=media|multipart
  PATCH  /storage/v1/b/B/o/NAME                merge: custom metadata key by
         key, a null value removes a key, "metadata": null removes all; a
         key absent from the patch is kept (gcloud 528's objects update
         --remove-custom-metadata / --clear-custom-metadata send the map
         without the key / an empty map, so here they remove nothing)
  PUT    /storage/v1/b/B/o/NAME                replace writable metadata
  DELETE /storage/v1/b/B/o/NAME                204, empty body
  Preconditions ifGenerationMatch (0 = must not exist), ifGenerationNotMatch,
  ifMetagenerationMatch, ifMetagenerationNotMatch: 412 conditionNotMet;
  NotMatch failing on GET answers 304 with no body (mutations: 412).
  Generations: microseconds, strictly increasing within the process.
  md5Hash/crc32c computed (and checked when a multipart upload gives them),
  etag encodes generation+metageneration the way GCS's JSON etag does.
  Custom metadata limited to 8 KiB (keys + values) like GCS; object names
  1..1024 bytes of UTF-8 without CR/LF.
  POST /token (jwt-bearer with RS256, refresh_token), metadata server token,
  --require-auth with Bearer tokens, --forbidden-token (403).
  Date header from the offset clock on every response; `Server: UploadServer`.
  Partial responses as Google serves them: `fields=` (a,b/c,d(e,f), `*`;
  checked against the resource's fields - an unknown field, a sub-field of
  a scalar or bad syntax is 400 "Invalid field selection X" before the
  request does anything; custom metadata keys are free) and `projection=`
  (noAcl, or full: the object's `owner` and three `acl` entries, about
  1 KB; default noAcl, full for PATCH and PUT as Google documents; another
  value is 400).  Only 200 answers are cut; errors never are.
  JSON answers are pretty-printed (as GCS does unless prettyPrint=false).
  Bodies: Content-Length or chunked, at most 16 MiB (413 before reading;
  411 for a POST/PUT/PATCH with neither).  Idle connections time out
  after 30 s; head and body go out in one write (no Nagle stalls).

Control endpoints (never authenticated, never logged, never faulted)
  POST/GET/DELETE /_control/fault, POST /_control/random-faults (optional
  "method"/"path" filters; actions status:N, reset, commit-drop, delay:S;
  a queued fault may also "hold" its request until POST /_control/release,
  or its "delay" (default 120 s) runs out; GET /_control/held counts them),
  POST/GET /_control/clock, GET/DELETE /_control/log (entries carry "conn",
  the number of the connection the request came on, and
  "outcome" for commit-drop and "random": true for random faults),
  POST /_control/bucket, GET /_control/object, and two extras:
  DELETE /_control/tokens (forget issued tokens) and POST
  /_control/rate-limit {"enabled": bool, "interval": seconds}.
  For the tests' shell helpers (one curl instead of a Python of their own):
  GET /_control/log?format=lines (a JSON object a line, keys sorted);
  GET /_control/count?method=M&path=REGEX {"count": N} and
  GET /_control/requests?method=M&path=REGEX ("METHOD path?query STATUS"
  lines), both on path?query without projection= and fields=, M '*' (any),
  a method, or '!GET' (any other); GET /_control/object?...&expr=EXPR
  prints EXPR on the object as o (ABSENT when there is none); POST
  /_control/eval prints EXPR on JSON as j (the body: EXPR, a newline, JSON).
  --token-lifetime S: tokens say expires_in S and are refused (401) after
  S + 1 seconds (default 3599); /token and metadata requests are logged.

Hostile answers (POST/GET/DELETE /_control/hostile)
  A server that is wrong in ways GCS is not, for the client's validation.
  {"mode": M, "method": ..., "path": REGEX, "count": N (0: until deleted)};
  every matching mode is applied, in order, to a 200 JSON answer that was
  otherwise computed faithfully (the state changes as usual):
    "set"    {"fields": {K: V, ...}, "items": bool}: set the top-level keys
             of the answer (or of each list item), a null V deletes K;
             strings may carry \u0000
    "append" {"data": TEXT}: bytes after the JSON body
    "page-token-loop" {"tokens": K}: a listing's nextPageToken cycles
             through K valid tokens whose pages are empty, forever
  Log entries of mangled answers carry "hostile": [modes].

Not covered (answers 400/404/405 or is ignored)
  resumable uploads (uploadType=resumable -> 400), XML API, compose, copy,
  rewrite, ACLs/IAM, object versioning (versions=true and generation= on GET
  are ignored: only the live generation exists), soft delete, holds,
  retention, customTime, KMS/CSEK, userProject,
  bucket create/patch/delete through the API (use POST /_control/bucket),
  multi-range downloads, gzip transcoding, batch requests, HTTP/2.
  An object name must be percent-encoded in the path: a raw '/' there is
  404 (stricter than GCS, to catch clients that splice names unescaped).
  JWT iat/exp are judged by the real clock (not the offset clock), with
  300 s leeway: the offset models the storage server's clock only.
  Rate limiting (--rate-limit) is per object, on successful mutations only.
"""

import argparse
import base64
import binascii
import collections
import datetime
import email.utils
import hashlib
import json
import random
import re
import secrets
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse

if sys.pycache_prefix is None:      # no __pycache__ in the source tree
    sys.dont_write_bytecode = True  # (launch.py: a cache in the build tree)
import standin                      # noqa: E402 (tests/servers/standin.py)

MAX_BODY = 16 * 1024 * 1024
MAX_METADATA = 8 * 1024
MAX_LOG = 200000
MAX_TOKENS = 10000
DEFAULT_CAP = 1000
IDLE_TIMEOUT = 30
TOKEN_LIFETIME = 3599
JWT_LEEWAY = 300
JSON_TYPE = "application/json; charset=UTF-8"
WRITABLE = ("cacheControl", "contentType", "contentDisposition",
            "contentEncoding", "contentLanguage")
SCOPES = ("https://www.googleapis.com/auth/devstorage.read_write",
          "https://www.googleapis.com/auth/devstorage.full_control",
          "https://www.googleapis.com/auth/cloud-platform")
PRECONDITION_MSG = "At least one of the pre-conditions you specified did not hold."
REASONS = {
    400: ("invalid", "Invalid argument."),
    401: ("authError", "Invalid Credentials"),
    403: ("forbidden", "Forbidden"),
    404: ("notFound", "Not Found"),
    405: ("methodNotAllowed", "Method Not Allowed"),
    408: ("requestTimeout", "Request Timeout"),
    409: ("conflict", "Conflict"),
    411: ("lengthRequired", "Length Required"),
    412: ("conditionNotMet", PRECONDITION_MSG),
    413: ("uploadTooLarge", "Request body too large."),
    429: ("rateLimitExceeded", "Rate Limit Exceeded"),
    500: ("backendError", "Backend Error"),
    502: ("backendError", "Bad Gateway"),
    503: ("backendError", "Backend Error"),
    504: ("backendError", "Gateway Timeout"),
}


# --- small helpers ---------------------------------------------------------

def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli) of data, as an int."""
    crc = 0xFFFFFFFF
    table = CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def b64url_decode(text):
    text += "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text.encode("ascii"))


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def glob_regex(glob):
    """GCS's matchGlob: ** any characters, * and ? never a '/'."""
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out), re.S)


def etag_for(generation, metageneration):
    """GCS JSON etags are base64 protobuf: field 1 generation, 2 metageneration."""
    return b64(b"\x08" + varint(generation) + b"\x10" + varint(metageneration))


def rfc3339(t):
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def imf_fixdate(t):
    return email.utils.formatdate(t, usegmt=True)


class Response:
    def __init__(self, status, body=b"", ctype=None, headers=None):
        self.status = status
        self.body = body
        self.ctype = ctype
        self.headers = dict(headers or {})


class HttpError(Exception):
    def __init__(self, response):
        super().__init__(response.status)
        self.response = response


def json_response(status, obj, pretty=True, headers=None):
    text = json.dumps(obj, indent=1 if pretty else None, sort_keys=False)
    return Response(status, (text + "\n").encode(), JSON_TYPE, headers)


def error_response(status, message=None, reason=None, extra=None, headers=None):
    """Google's JSON API error body."""
    if status < 200 or status in (204, 304):
        return Response(status)
    dreason, dmessage = REASONS.get(status, ("backendError", "Error"))
    message = message or dmessage
    item = {"domain": "global", "reason": reason or dreason, "message": message}
    item.update(extra or {})
    body = {"error": {"code": status, "message": message, "errors": [item]}}
    return json_response(status, body, headers=headers)


def fail(status, message=None, reason=None, extra=None, headers=None):
    raise HttpError(error_response(status, message, reason, extra, headers))


def precondition_failed():
    fail(412, PRECONDITION_MSG, "conditionNotMet",
         {"locationType": "header", "location": "If-Match"})


def oauth_error(status, error, description):
    return json_response(status, {"error": error,
                                  "error_description": description})


# --- state -----------------------------------------------------------------

class Obj:
    __slots__ = ("bucket", "name", "data", "generation", "metageneration",
                 "fields", "metadata", "created", "updated", "md5", "crc")

    def __init__(self, bucket, name, data, generation, now):
        self.bucket = bucket
        self.name = name
        self.data = data
        self.generation = generation
        self.metageneration = 1
        self.fields = {}
        self.metadata = {}
        self.created = now
        self.updated = now
        self.md5 = b64(hashlib.md5(data).digest())
        self.crc = b64(struct.pack(">I", crc32c(data)))


class State:
    def __init__(self, args):
        self.lock = threading.Lock()        # the object store
        self.ctl = threading.Lock()         # faults, log, tokens, clock
        self.buckets = {}
        self.bucket_created = {}
        self.last_gen = 0
        self.offset = args.clock_offset
        self.cap = args.max_results_cap
        self.rate_limit = args.rate_limit
        self.rate_interval = 1.0
        self.token_lifetime = args.token_lifetime
        self.hostile = []
        self.last_mutation = {}
        self.faults = collections.deque()
        self.random = None
        self.log = []
        self.tokens = collections.OrderedDict()
        self.require_auth = args.require_auth
        self.static_tokens = set(args.static_token or [])
        self.forbidden_tokens = set(args.forbidden_token or [])
        self.public_key = load_public_key(args.sa_public_key)
        self.refresh = (args.refresh_token, args.client_id, args.client_secret)
        self.verbose = args.verbose
        for name in args.bucket or []:
            self.add_bucket(name)

    def now(self):
        with self.ctl:
            return time.time() + self.offset

    def add_bucket(self, name):
        with self.lock:
            if name not in self.buckets:
                self.buckets[name] = {}
                self.bucket_created[name] = time.time() + self.offset

    def new_generation(self):
        """Called with self.lock held."""
        gen = max(int(time.time() * 1e6), self.last_gen + 1)
        self.last_gen = gen
        return gen

    def issue_token(self):
        token = "ya29.standin-" + secrets.token_urlsafe(24)
        with self.ctl:
            self.tokens[token] = time.time()
            while len(self.tokens) > MAX_TOKENS:
                self.tokens.popitem(last=False)
        return token

    def token_valid(self, token):
        with self.ctl:
            if token in self.static_tokens:
                return True
            issued = self.tokens.get(token)
        return issued is not None and \
            time.time() - issued < self.token_lifetime + 1

    def append_log(self, entry):
        with self.ctl:
            if len(self.log) < MAX_LOG:
                self.log.append(entry)

    def take_fault(self, method, target):
        """The first queued fault matching this request, else a random one."""
        target = match_target(target)
        with self.ctl:
            fault = standin.take_queued(self.faults, method, target)
            if fault:
                return dict(fault, random=False)
            return self.take_random(method, target)

    def take_hostile(self, method, target):
        """Every hostile mode matching this request, counted down."""
        target = match_target(target)
        out = []
        with self.ctl:
            for h in list(self.hostile):
                if h["method"] and h["method"] != method:
                    continue
                if not h["regex"].search(target):
                    continue
                out.append(h)
                if h["count"] > 0:
                    h["count"] -= 1
                    if h["count"] == 0:
                        self.hostile.remove(h)
        return out

    def take_random(self, method, target):
        rnd = self.random
        if rnd is None or rnd["probability"] <= 0:
            return None
        if rnd["method"] and rnd["method"] != method:
            return None
        if not rnd["regex"].search(target):
            return None
        if rnd["rng"].random() >= rnd["probability"]:
            return None
        spec = rnd["rng"].choice(rnd["actions"])
        return dict(spec, random=True)


def load_public_key(path):
    if not path:
        return None
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    with open(path, "rb") as f:
        pem = f.read()
    if b"BEGIN CERTIFICATE" in pem:
        return x509.load_pem_x509_certificate(pem).public_key()
    if b"PRIVATE KEY" in pem:
        return serialization.load_pem_private_key(pem, None).public_key()
    return serialization.load_pem_public_key(pem)


# --- request parsing -------------------------------------------------------

def query_dict(query):
    out = {}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        out.setdefault(key, value)
    return out


def int_param(q, key):
    if key not in q:
        return None
    try:
        return int(q[key], 10)
    except ValueError:
        fail(400, "Invalid value for %s: %s" % (key, q[key]), "invalid")


def parse_json_body(body):
    try:
        obj = json.loads(body.decode("utf-8") if body else "")
    except (ValueError, UnicodeDecodeError):
        fail(400, "Parse Error", "parseError")
    if not isinstance(obj, dict):
        fail(400, "Invalid JSON payload: expected an object.", "invalid")
    return obj


def check_name(name):
    raw = name.encode("utf-8", "surrogatepass")
    if not name or len(raw) > 1024 or "\r" in name or "\n" in name:
        fail(400, "The specified object name is not valid.", "invalid")


def clean_metadata(value):
    """Custom metadata from a request: strings only; null drops a key."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        fail(400, "Invalid value for field 'metadata'.", "invalid")
    out = {}
    for key, v in value.items():
        if v is None:
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, (int, float)):
            v = str(v)
        elif not isinstance(v, str):
            fail(400, "Invalid value for metadata key '%s'." % key, "invalid")
        out[key] = v
    return out


def check_metadata_size(metadata):
    size = sum(len(k.encode()) + len(v.encode()) for k, v in metadata.items())
    if size > MAX_METADATA:
        fail(400, "Metadata part is too large.", "invalid")


def split_multipart(body, ctype):
    """multipart/related parts as (headers dict, content); CRLF or LF."""
    # gcloud (apitools) quotes the boundary with single quotes; GCS takes it
    match = re.search(r"""boundary=(?:"([^"]+)"|'([^']+)'|([^;\s]+))""",
                      ctype or "", re.I)
    if not match:
        fail(400, "Missing boundary in multipart/related Content-Type.", "invalid")
    boundary = next(g for g in match.groups() if g).encode("latin-1")
    delim = re.compile(rb"\r?\n--" + re.escape(boundary))
    pieces = delim.split(b"\r\n" + body)
    parts = []
    closed = False
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            closed = True
            break
        piece = piece.lstrip(b" \t")
        if piece.startswith(b"\r\n"):
            piece = piece[2:]
        elif piece.startswith(b"\n"):
            piece = piece[1:]
        else:
            fail(400, "Malformed multipart body.", "invalid")
        parts.append(parse_part(piece))
    if not closed:
        fail(400, "Malformed multipart body: no closing delimiter.", "invalid")
    return parts


def parse_part(piece):
    headers = {}
    while True:
        eol = piece.find(b"\n")
        if eol < 0:
            fail(400, "Malformed multipart part.", "invalid")
        line = piece[:eol].rstrip(b"\r")
        piece = piece[eol + 1:]
        if not line:
            return headers, piece
        key, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            fail(400, "Malformed multipart part header.", "invalid")
        headers[key.strip().lower()] = value.strip()


def parse_range(header, size):
    match = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header or "")
    if not match or (not match.group(1) and not match.group(2)):
        return None
    if match.group(1):
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else size - 1
    else:
        start = max(0, size - int(match.group(2)))
        end = size - 1
    if start >= size:
        fail(416, "Request range not satisfiable", "requestedRangeNotSatisfiable")
    return start, min(end, size - 1)



# --- partial responses -------------------------------------------------------

MAP = "map"                 # a schema whose keys are free (custom metadata)
ACL_SCHEMA = dict.fromkeys((
    "kind", "id", "selfLink", "bucket", "object", "generation", "entity",
    "role", "email", "entityId", "domain", "etag"))
ACL_SCHEMA["projectTeam"] = {"projectNumber": None, "team": None}
OBJECT_SCHEMA = dict.fromkeys((
    "kind", "id", "selfLink", "mediaLink", "name", "bucket", "generation",
    "metageneration", "contentType", "storageClass", "size", "md5Hash",
    "crc32c", "etag", "timeCreated", "updated", "timeDeleted",
    "timeStorageClassUpdated", "timeFinalized", "customTime",
    "contentEncoding", "contentDisposition", "contentLanguage",
    "cacheControl", "componentCount", "kmsKeyName", "temporaryHold",
    "eventBasedHold", "retentionExpirationTime", "softDeleteTime",
    "hardDeleteTime", "restoreToken"))
OBJECT_SCHEMA.update({
    "metadata": MAP, "acl": ACL_SCHEMA,
    "owner": {"entity": None, "entityId": None},
    "customerEncryption": {"encryptionAlgorithm": None, "keySha256": None},
    "retention": {"mode": None, "retainUntilTime": None},
})
OBJECTS_SCHEMA = {"kind": None, "nextPageToken": None, "prefixes": None,
                  "items": OBJECT_SCHEMA}
BUCKET_SCHEMA = dict.fromkeys((
    "kind", "selfLink", "id", "name", "projectNumber", "metageneration",
    "location", "storageClass", "etag", "timeCreated", "updated",
    "locationType", "defaultEventBasedHold", "rpo", "satisfiesPZS"))
BUCKET_SCHEMA["iamConfiguration"] = {
    "uniformBucketLevelAccess": {"enabled": None, "lockedTime": None},
    "publicAccessPrevention": None}
BUCKETS_SCHEMA = {"kind": None, "nextPageToken": None,
                  "items": BUCKET_SCHEMA}
PROJECTIONS = ("noAcl", "full")
FIELD_NAME_RE = re.compile(r"[^,/()\s]+")


def bad_selection(what):
    fail(400, "Invalid field selection %s" % what, "invalidParameter",
         {"locationType": "parameter", "location": "fields"})


def parse_fields(text):
    """A `fields=` value as a tree: {name: subtree or None (all of it)}.
    Google's syntax: a,b (several), a/b (b within a), a(b,c) (b and c
    within a), * (every field).  HttpError 400 if it does not parse."""
    tree, pos = parse_selection(text, 0)
    if pos != len(text):
        bad_selection(text[pos:] or text)
    return tree


def parse_selection(text, pos):
    """selection := item (',' item)*; returns (tree, position after it)."""
    tree = {}
    while True:
        path, pos = parse_path(text, pos)
        sub = None
        if pos < len(text) and text[pos] == "(":
            sub, pos = parse_selection(text, pos + 1)
            if pos >= len(text) or text[pos] != ")":
                bad_selection(text)
            pos += 1
        merge_path(tree, path, sub)
        if pos >= len(text) or text[pos] != ",":
            return tree, pos
        pos += 1


def parse_path(text, pos):
    """path := name ('/' name)*, a name being anything but ,/() or spaces."""
    path = []
    while True:
        m = FIELD_NAME_RE.match(text, pos)
        if not m:
            bad_selection(text[pos:pos + 1] or text)
        path.append(m.group(0))
        pos = m.end()
        if pos >= len(text) or text[pos] != "/":
            return path, pos
        pos += 1


def merge_path(tree, path, sub):
    """Add path (with sub under its last name) to tree; a whole field
    (None) absorbs any sub-selection of it."""
    for name in path[:-1]:
        if name in tree and tree[name] is None:
            return
        tree = tree.setdefault(name, {})
    last = path[-1]
    if sub is None or (last in tree and tree[last] is None):
        tree[last] = None
        return
    node = tree.setdefault(last, {})
    for key, value in sub.items():
        merge_path(node, [key], value)


def check_selection(tree, schema, where=""):
    """Every name of tree must be a field of schema (any key of a MAP);
    only objects have sub-fields.  HttpError 400 naming the first that
    is not."""
    for name, sub in tree.items():
        path = where + name
        if schema == MAP or name == "*":
            if sub is not None:
                bad_selection(path + "/" + next(iter(sub)))
            continue
        if name not in schema:
            bad_selection(path)
        if sub is not None:
            if not isinstance(schema[name], dict) and schema[name] != MAP:
                bad_selection(path + "/" + next(iter(sub)))
            check_selection(sub, schema[name], path + "/")


def select_fields(value, tree):
    """value (a resource, or a list of them) cut to tree, in its own order."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [select_fields(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, sub in value.items():
        if key in tree:
            out[key] = select_fields(sub, tree[key])
        elif "*" in tree:
            out[key] = sub
    return out


# --- the GCS API -----------------------------------------------------------

class Api:
    """Route handlers.  Each returns a Response or raises HttpError."""

    OBJ_RE = re.compile(r"^/(?:storage|download/storage)/v1/b/([^/]+)/o/([^/]+)$")
    LIST_RE = re.compile(r"^/storage/v1/b/([^/]+)/o$")
    BUCKET_RE = re.compile(r"^/storage/v1/b/([^/]+)$")
    UPLOAD_RE = re.compile(r"^/upload/storage/v1/b/([^/]+)/o$")

    def __init__(self, state, base, query):
        self.st = state
        self.base = base
        self.q = query
        self.pretty = query.get("prettyPrint", "true").lower() != "false"
        self.fields = None          # a parse_fields tree, or None: everything
        self.full = False           # projection=full: owner and acl too

    def json(self, status, obj, headers=None):
        if status == 200 and self.fields is not None:
            obj = select_fields(obj, self.fields)
        return json_response(status, obj, self.pretty, headers)

    def partial(self, method, schema):
        """Check projection= and fields= for a request answering a resource
        of schema, before it does anything."""
        default = "full" if method in ("PATCH", "PUT") else "noAcl"
        projection = self.q.get("projection", default)
        if projection not in PROJECTIONS:
            fail(400, "Invalid value for parameter 'projection': '%s'"
                 % projection, "invalidParameter",
                 {"locationType": "parameter", "location": "projection"})
        self.full = projection == "full"
        if self.q.get("fields"):
            self.fields = parse_fields(self.q["fields"])
            check_selection(self.fields, schema)

    def acl(self, o):
        """What projection=full adds to an object: its owner and ACL."""
        qname = urllib.parse.quote(o.name, safe="")
        entries = []
        for team, role in (("owners", "OWNER"), ("editors", "OWNER"),
                           ("viewers", "READER")):
            entity = "project-%s-123456789012" % team
            entries.append({
                "kind": "storage#objectAccessControl",
                "id": "%s/%s/%d/%s" % (o.bucket, o.name, o.generation, entity),
                "selfLink": "%s/storage/v1/b/%s/o/%s/acl/%s"
                            % (self.base, o.bucket, qname, entity),
                "bucket": o.bucket, "object": o.name,
                "generation": str(o.generation), "entity": entity,
                "role": role,
                "projectTeam": {"projectNumber": "123456789012", "team": team},
                "etag": etag_for(o.generation, o.metageneration),
            })
        return {"owner": {"entity": "project-owners-123456789012"},
                "acl": entries}

    # resources

    def object_resource(self, o):
        qname = urllib.parse.quote(o.name, safe="")
        res = {
            "kind": "storage#object",
            "id": "%s/%s/%d" % (o.bucket, o.name, o.generation),
            "selfLink": "%s/storage/v1/b/%s/o/%s" % (self.base, o.bucket, qname),
            "mediaLink": "%s/download/storage/v1/b/%s/o/%s?generation=%d&alt=media"
                         % (self.base, o.bucket, qname, o.generation),
            "name": o.name,
            "bucket": o.bucket,
            "generation": str(o.generation),
            "metageneration": str(o.metageneration),
        }
        if "contentType" in o.fields:
            res["contentType"] = o.fields["contentType"]
        res.update({
            "storageClass": "STANDARD",
            "size": str(len(o.data)),
            "md5Hash": o.md5,
            "crc32c": o.crc,
            "etag": etag_for(o.generation, o.metageneration),
            "timeCreated": rfc3339(o.created),
            "updated": rfc3339(o.updated),
            "timeStorageClassUpdated": rfc3339(o.created),
        })
        for key in WRITABLE:
            if key != "contentType" and key in o.fields:
                res[key] = o.fields[key]
        if o.metadata:
            res["metadata"] = dict(o.metadata)
        if self.full:
            res.update(self.acl(o))
        return res

    def bucket_resource(self, name):
        created = rfc3339(self.st.bucket_created[name])
        return {
            "kind": "storage#bucket",
            "selfLink": "%s/storage/v1/b/%s" % (self.base, name),
            "id": name, "name": name, "projectNumber": "123456789012",
            "metageneration": "1", "location": "US", "storageClass": "STANDARD",
            "etag": "CAE=", "timeCreated": created, "updated": created,
            "locationType": "multi-region",
            "iamConfiguration": {"uniformBucketLevelAccess": {"enabled": True}},
        }

    # lookups (self.st.lock held)

    def bucket(self, name):
        objects = self.st.buckets.get(name)
        if objects is None:
            fail(404, "The specified bucket does not exist.", "notFound")
        return objects

    def existing(self, bucket, name):
        o = self.bucket(bucket).get(name)
        if o is None:
            fail(404, "No such object: %s/%s" % (bucket, name), "notFound")
        return o

    def preconditions(self, o, read):
        """Check if*Match/NotMatch against o (None: absent)."""
        gm = int_param(self.q, "ifGenerationMatch")
        gnm = int_param(self.q, "ifGenerationNotMatch")
        mm = int_param(self.q, "ifMetagenerationMatch")
        mnm = int_param(self.q, "ifMetagenerationNotMatch")
        gen = o.generation if o else 0
        if gm is not None and gm != gen:
            precondition_failed()
        if mm is not None and (o is None or mm != o.metageneration):
            precondition_failed()
        if (gnm is not None and gnm == gen) or \
                (mnm is not None and o is not None and mnm == o.metageneration):
            if read:
                raise HttpError(Response(304))
            precondition_failed()

    def rate_check(self, bucket, name):
        if not self.st.rate_limit:
            return
        last = self.st.last_mutation.get((bucket, name))
        if last is not None and time.time() - last < self.st.rate_interval:
            fail(429, "The object %s/%s exceeded the rate limit for object "
                 "mutation operations (create, update, and delete). Please "
                 "reduce your request rate. See "
                 "https://cloud.google.com/storage/docs/gcs429." % (bucket, name),
                 "rateLimitExceeded")

    def mutated(self, bucket, name):
        self.st.last_mutation[(bucket, name)] = time.time()
        if len(self.st.last_mutation) > 100000:
            self.st.last_mutation.clear()

    # handlers

    def list_buckets(self):
        with self.st.lock:
            names = sorted(self.st.buckets)
            items = [self.bucket_resource(n) for n in names]
        res = {"kind": "storage#buckets"}
        if items:
            res["items"] = items
        return self.json(200, res)

    def get_bucket(self, bucket):
        with self.st.lock:
            self.bucket(bucket)
            return self.json(200, self.bucket_resource(bucket))

    def get_object(self, bucket, name, media, range_header):
        with self.st.lock:
            o = self.existing(bucket, name)
            self.preconditions(o, read=True)
            if not media:
                return self.json(200, self.object_resource(o))
            data, fields = o.data, dict(o.fields)
            gen, mgen, md5, crc = o.generation, o.metageneration, o.md5, o.crc
            updated = o.updated
        headers = {
            "X-Goog-Generation": str(gen),
            "X-Goog-Metageneration": str(mgen),
            "X-Goog-Hash": "crc32c=%s,md5=%s" % (crc, md5),
            "X-Goog-Stored-Content-Length": str(len(data)),
            "X-Goog-Stored-Content-Encoding": "identity",
            "X-Goog-Storage-Class": "STANDARD",
            "ETag": etag_for(gen, mgen),
            "Last-Modified": imf_fixdate(updated),
            "Cache-Control": fields.get("cacheControl", "private, max-age=0"),
            "Accept-Ranges": "bytes",
        }
        ctype = fields.get("contentType", "application/octet-stream")
        rng = parse_range(range_header, len(data)) if range_header else None
        if rng is None:
            return Response(200, data, ctype, headers)
        start, end = rng
        headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, len(data))
        return Response(206, data[start:end + 1], ctype, headers)

    def list_objects(self, bucket):
        prefix = self.q.get("prefix", "")
        delim = self.q.get("delimiter", "")
        limit = int_param(self.q, "maxResults")
        if limit is not None and limit < 0:
            fail(400, "Invalid value for maxResults: %d" % limit, "invalid")
        if not limit or limit > self.st.cap:
            limit = self.st.cap
        after = self.decode_token(prefix, delim)
        with self.st.lock:
            objects = self.bucket(bucket)
            names = [n for n in sorted(objects) if self.in_window(n, prefix, after)]
            items, prefixes, last = self.list_page(objects, names, prefix,
                                                   delim, limit)
        res = {"kind": "storage#objects"}
        if last is not None:
            res["nextPageToken"] = self.encode_token(prefix, delim, last)
        if prefixes:
            res["prefixes"] = prefixes
        if items:
            res["items"] = items
        return self.json(200, res)

    def in_window(self, name, prefix, after):
        """prefix, startOffset/endOffset, and past the page token's key."""
        start, end = self.q.get("startOffset", ""), self.q.get("endOffset", "")
        if not name.startswith(prefix) or name < start or (end and name >= end):
            return False
        glob = self.q.get("matchGlob")
        if glob is not None and not glob_regex(glob).fullmatch(name):
            return False
        if after is None:
            return True
        key, was_prefix = after
        return name > key and not (was_prefix and name.startswith(key))

    def list_page(self, objects, names, prefix, delim, limit):
        """Up to limit entries (items + prefixes); last is set if more follow."""
        items, prefixes, last = [], [], None
        for n in names:
            cut = n.find(delim, len(prefix)) if delim else -1
            key = n[:cut + len(delim)] if cut >= 0 else n
            if cut >= 0 and prefixes and prefixes[-1] == key:
                continue
            if len(items) + len(prefixes) >= limit:
                return items, prefixes, last
            if cut >= 0:
                prefixes.append(key)
            else:
                items.append(self.object_resource(objects[n]))
            last = (key, cut >= 0)
        return items, prefixes, None

    @staticmethod
    def encode_token(prefix, delim, last):
        scope = hashlib.sha256((prefix + "\0" + delim).encode()).hexdigest()[:12]
        raw = json.dumps({"s": scope, "k": last[0], "p": last[1]})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode_token(self, prefix, delim):
        token = self.q.get("pageToken")
        if not token:
            return None
        scope = hashlib.sha256((prefix + "\0" + delim).encode()).hexdigest()[:12]
        try:
            obj = json.loads(b64url_decode(token).decode())
            if obj["s"] != scope or not isinstance(obj["k"], str):
                raise ValueError("scope")
            return obj["k"], bool(obj["p"])
        except (ValueError, KeyError, TypeError, binascii.Error,
                UnicodeDecodeError):
            fail(400, "Invalid page token.", "invalid")

    def upload(self, bucket, body, headers):
        kind = self.q.get("uploadType")
        if kind == "media":
            name = self.q.get("name")
            if name is None:
                fail(400, "Required", "required",
                     {"locationType": "parameter", "location": "name"})
            ctype = headers.get("Content-Type")
            if not ctype:
                fail(400, "Media upload requires a Content-Type header "
                     "(the body could not be read).", "invalid")
            return self.store(bucket, name, body, {"contentType": ctype}, {})
        if kind == "multipart":
            return self.upload_multipart(bucket, body, headers)
        if kind == "resumable":
            fail(400, "uploadType=resumable is not supported by the stand-in.",
                 "invalid")
        fail(400, "Upload requests must include an uploadType URL parameter "
             "and a URL-encoded object name.", "invalid")

    def upload_multipart(self, bucket, body, headers):
        ctype = headers.get("Content-Type", "")
        if not ctype.lower().startswith("multipart/related"):
            fail(400, "uploadType=multipart needs Content-Type "
                 "multipart/related.", "invalid")
        parts = split_multipart(body, ctype)
        if len(parts) != 2:
            fail(400, "A multipart upload needs exactly 2 parts, got %d."
                 % len(parts), "invalid")
        meta = parse_json_body(parts[0][1])
        data = parts[1][1]
        name = self.q.get("name")
        if name is not None and meta.get("name") not in (None, name):
            fail(400, "Value '%s' in content does not agree with value '%s'."
                 % (meta.get("name"), name), "invalid")
        name = name if name is not None else meta.get("name")
        if not isinstance(name, str):
            fail(400, "Required", "required",
                 {"locationType": "parameter", "location": "name"})
        fields = {k: meta[k] for k in WRITABLE
                  if isinstance(meta.get(k), str)}
        if "contentType" not in fields and parts[1][0].get("content-type"):
            fields["contentType"] = parts[1][0]["content-type"]
        self.check_hashes(meta, data)
        return self.store(bucket, name, data, fields,
                          clean_metadata(meta.get("metadata")))

    @staticmethod
    def check_hashes(meta, data):
        md5 = b64(hashlib.md5(data).digest())
        crc = b64(struct.pack(">I", crc32c(data)))
        if meta.get("md5Hash") not in (None, md5):
            fail(400, 'Provided MD5 hash "%s" doesn\'t match calculated MD5 '
                 'hash "%s".' % (meta["md5Hash"], md5), "invalid")
        if meta.get("crc32c") not in (None, crc):
            fail(400, 'Provided CRC32C "%s" doesn\'t match calculated CRC32C '
                 '"%s".' % (meta["crc32c"], crc), "invalid")

    def store(self, bucket, name, data, fields, metadata):
        check_name(name)
        check_metadata_size(metadata)
        with self.st.lock:
            objects = self.bucket(bucket)
            self.rate_check(bucket, name)
            self.preconditions(objects.get(name), read=False)
            o = Obj(bucket, name, data, self.st.new_generation(), self.st.now())
            o.fields = fields
            o.metadata = metadata
            objects[name] = o
            self.mutated(bucket, name)
            return self.json(200, self.object_resource(o))

    def patch(self, bucket, name, body, replace):
        req = parse_json_body(body)
        with self.st.lock:
            o = self.existing(bucket, name)
            self.rate_check(bucket, name)
            self.preconditions(o, read=False)
            fields, metadata = self.patched(o, req, replace)
            check_metadata_size(metadata)
            o.fields, o.metadata = fields, metadata
            o.metageneration += 1
            o.updated = self.st.now()
            self.mutated(bucket, name)
            return self.json(200, self.object_resource(o))

    @staticmethod
    def patched(o, req, replace):
        fields = {} if replace else dict(o.fields)
        for key in WRITABLE:
            if key not in req:
                continue
            if req[key] is None:
                fields.pop(key, None)
            elif isinstance(req[key], str):
                fields[key] = req[key]
            else:
                fail(400, "Invalid value for field '%s'." % key, "invalid")
        if replace:
            return fields, clean_metadata(req.get("metadata"))
        if "metadata" not in req:
            return fields, dict(o.metadata)
        if req["metadata"] is None:
            return fields, {}
        metadata = dict(o.metadata)
        if not isinstance(req["metadata"], dict):
            fail(400, "Invalid value for field 'metadata'.", "invalid")
        for key, value in req["metadata"].items():
            if value is None:
                metadata.pop(key, None)
            else:
                metadata.update(clean_metadata({key: value}))
        return fields, metadata

    def delete(self, bucket, name):
        with self.st.lock:
            o = self.existing(bucket, name)
            self.rate_check(bucket, name)
            self.preconditions(o, read=False)
            del self.st.buckets[bucket][name]
            self.mutated(bucket, name)
        return Response(204)

    def route(self, method, path, body, headers):
        """Dispatch a storage request; returns a Response."""
        m = self.OBJ_RE.match(path)
        if m:
            bucket = urllib.parse.unquote(m.group(1))
            name = urllib.parse.unquote(m.group(2), errors="strict")
            media = self.q.get("alt") == "media" or path.startswith("/download/")
            if not media:
                self.partial(method, OBJECT_SCHEMA)
            if method in ("GET", "HEAD"):
                return self.get_object(bucket, name, media, headers.get("Range"))
            if path.startswith("/download/"):
                fail(405)
            if method == "PATCH":
                return self.patch(bucket, name, body, replace=False)
            if method == "PUT":
                return self.patch(bucket, name, body, replace=True)
            if method == "DELETE":
                return self.delete(bucket, name)
            fail(405)
        m = self.LIST_RE.match(path)
        if m:
            if method not in ("GET", "HEAD"):
                fail(405)
            self.partial(method, OBJECTS_SCHEMA)
            return self.list_objects(urllib.parse.unquote(m.group(1)))
        m = self.UPLOAD_RE.match(path)
        if m:
            if method != "POST":
                fail(405)
            self.partial(method, OBJECT_SCHEMA)
            return self.upload(urllib.parse.unquote(m.group(1)), body, headers)
        m = self.BUCKET_RE.match(path)
        if m:
            if method not in ("GET", "HEAD"):
                fail(405)
            self.partial(method, BUCKET_SCHEMA)
            return self.get_bucket(urllib.parse.unquote(m.group(1)))
        if path == "/storage/v1/b" and method in ("GET", "HEAD"):
            self.partial(method, BUCKETS_SCHEMA)
            return self.list_buckets()
        fail(404, "Not Found", "notFound")


def permission_for(method, path, query):
    if Api.OBJ_RE.match(path):
        verb = {"GET": "get", "HEAD": "get", "PATCH": "update",
                "PUT": "update", "DELETE": "delete"}.get(method, "get")
        return "storage.objects." + verb, "object"
    if Api.LIST_RE.match(path):
        return "storage.objects.list", "bucket"
    if Api.UPLOAD_RE.match(path):
        return "storage.objects.create", "object"
    if path == "/storage/v1/b":
        return "storage.buckets.list", "project"
    return "storage.buckets.get", "bucket"


def check_auth(state, method, path, query, headers):
    if not state.require_auth:
        return
    perm, what = permission_for(method, path, query)
    denied = ("%%s does not have %s access to the Google Cloud Storage %s. "
              "Permission '%s' denied on resource (or it may not exist)."
              % (perm, what, perm))
    auth = headers.get("Authorization", "")
    challenge = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}
    if not auth:
        fail(401, denied % "Anonymous caller", "required",
             {"locationType": "header", "location": "Authorization"}, challenge)
    scheme, _, token = auth.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        fail(401, "Invalid Credentials", "authError",
             {"locationType": "header", "location": "Authorization"}, challenge)
    if token in state.forbidden_tokens:
        fail(403, denied % "stand-in-caller@test.iam.gserviceaccount.com",
             "forbidden")
    if not state.token_valid(token):
        fail(401, "Invalid Credentials", "authError",
             {"locationType": "header", "location": "Authorization"}, challenge)


# --- OAuth and metadata server ---------------------------------------------

def token_endpoint(state, body, audience):
    form = query_dict(body.decode("utf-8", "replace"))
    grant = form.get("grant_type", "")
    if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
        problem = check_jwt(state, form.get("assertion", ""), audience)
        if problem:
            return oauth_error(400, "invalid_grant", problem)
    elif grant == "refresh_token":
        want_token, want_id, want_secret = state.refresh
        if not want_id or form.get("client_id") != want_id or \
                form.get("client_secret") != want_secret:
            return oauth_error(401, "invalid_client", "Unauthorized")
        if not want_token or form.get("refresh_token") != want_token:
            return oauth_error(400, "invalid_grant", "Bad Request")
    else:
        return oauth_error(400, "unsupported_grant_type",
                           "Invalid grant_type: %s" % grant)
    return json_response(200, {"access_token": state.issue_token(),
                               "expires_in": state.token_lifetime,
                               "token_type": "Bearer"})


def check_jwt(state, assertion, audience):
    """None if the RS256 assertion is good, else Google-like description."""
    if state.public_key is None:
        return "Invalid JWT Signature."
    pieces = assertion.split(".")
    if len(pieces) != 3:
        return "Invalid JWT: malformed assertion."
    try:
        header = json.loads(b64url_decode(pieces[0]))
        claims = json.loads(b64url_decode(pieces[1]))
        signature = b64url_decode(pieces[2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return "Invalid JWT: malformed assertion."
    if not isinstance(header, dict) or not isinstance(claims, dict) or \
            header.get("alg") != "RS256":
        return "Invalid JWT: unsupported algorithm."
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    try:
        state.public_key.verify(signature, (pieces[0] + "." + pieces[1]).encode(),
                                padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return "Invalid JWT Signature."
    return check_claims(claims, audience)


def check_claims(claims, audience):
    if claims.get("aud") != audience:
        return "Invalid JWT: Failed audience check. The right audience is %s" \
            % audience
    if not isinstance(claims.get("iss"), str) or not claims["iss"]:
        return "Invalid JWT: No issuer (iss) claim."
    iat, exp = claims.get("iat"), claims.get("exp")
    now = time.time()
    if not isinstance(iat, int) or not isinstance(exp, int) or exp <= iat or \
            exp - iat > 3600 or iat > now + JWT_LEEWAY or exp < now - JWT_LEEWAY:
        return ("Invalid JWT: Token must be a short-lived token (60 minutes) "
                "and in a reasonable timeframe. Check your iat and exp values "
                "in the JWT claim.")
    scopes = str(claims.get("scope", "")).split()
    if not any(s in SCOPES for s in scopes):
        return "Invalid OAuth scope or ID token audience provided."
    return None


def metadata_endpoint(state, path, headers):
    flavor = {"Metadata-Flavor": "Google"}
    if headers.get("Metadata-Flavor") != "Google":
        return Response(403, b"Missing required header: Metadata-Flavor\n",
                        "text/html; charset=UTF-8", flavor)
    if path == "/computeMetadata/v1/instance/service-accounts/default/token":
        return json_response(200, {"access_token": state.issue_token(),
                                   "expires_in": state.token_lifetime,
                                   "token_type": "Bearer"}, False, flavor)
    plain = {
        "/computeMetadata/v1/project/project-id": "test-project",
        "/computeMetadata/v1/instance/service-accounts/default/email":
            "default@test-project.iam.gserviceaccount.com",
        "/computeMetadata/v1/": "instance/\nproject/\n",
    }
    if path in plain:
        return Response(200, plain[path].encode(), "application/text", flavor)
    return Response(404, b"Not Found\n", "text/html; charset=UTF-8", flavor)


# --- hostile answers -------------------------------------------------------

HOSTILE_MODES = ("set", "append", "page-token-loop")


def parse_hostile(spec):
    mode = spec.get("mode")
    if mode not in HOSTILE_MODES:
        raise ValueError("unknown mode %r" % mode)
    h = {"mode": mode, "method": (spec.get("method") or "").upper(),
         "path": spec.get("path", ""),
         "regex": re.compile(spec.get("path", "") or ""),
         "count": int(spec.get("count", 0))}
    if h["count"] < 0:
        raise ValueError("count must be >= 0")
    if mode == "set":
        if not isinstance(spec.get("fields"), dict) or not spec["fields"]:
            raise ValueError("set needs a non-empty 'fields' object")
        h["fields"] = spec["fields"]
        h["items"] = bool(spec.get("items", False))
    elif mode == "append":
        if not isinstance(spec.get("data"), str) or not spec["data"]:
            raise ValueError("append needs a non-empty 'data' string")
        h["data"] = spec["data"].encode("utf-8")
    else:
        h["tokens"] = int(spec.get("tokens", 1))
        if not 1 <= h["tokens"] <= 100:
            raise ValueError("tokens must be in 1..100")
    return h


def set_fields(obj, fields):
    for key, value in fields.items():
        if value is None:
            obj.pop(key, None)
        else:
            obj[key] = value


def loop_token(q, i):
    """A page token the list handler accepts, whose page is empty (it
    resumes after every name: key "" as a prefix), tagged with i."""
    scope = hashlib.sha256((q.get("prefix", "") + "\0" +
                            q.get("delimiter", "")).encode()).hexdigest()[:12]
    raw = json.dumps({"s": scope, "k": "", "p": True, "loop": i})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def next_loop(q, tokens):
    """The loop's token after the request's own (the first if it has none)."""
    try:
        cur = json.loads(b64url_decode(q.get("pageToken", "")).decode())
        return loop_token(q, (int(cur["loop"]) + 1) % tokens)
    except (ValueError, KeyError, TypeError, binascii.Error,
            UnicodeDecodeError):
        return loop_token(q, 0)


def hostile_answer(modes, resp, q, listing):
    """resp (a 200 JSON answer; listing: of an object listing, whatever
    fields= left of it) as the hostile modes have it."""
    text = resp.body.decode("utf-8")
    pretty = "\n " in text
    obj = json.loads(text)
    tail = b""
    for h in modes:
        if h["mode"] == "set" and isinstance(obj, dict):
            targets = obj.get("items", []) if h["items"] else [obj]
            for t in targets:
                set_fields(t, h["fields"])
        elif h["mode"] == "page-token-loop" and isinstance(obj, dict) and \
                listing:
            obj["nextPageToken"] = next_loop(q, h["tokens"])
        elif h["mode"] == "append":
            tail += h["data"]
    out = json_response(resp.status, obj, pretty, resp.headers)
    out.ctype = resp.ctype
    out.body += tail
    return out


# --- control endpoints -----------------------------------------------------

def parse_random_action(text):
    kind, _, arg = text.partition(":")
    if kind == "status":
        spec = {"action": "status", "status": int(arg or 503)}
    elif kind == "delay":
        spec = {"action": "delay", "delay": float(arg or 1.0)}
    else:
        spec = {"action": kind}
    return standin.parse_fault(spec)


def match_target(target):
    """The request target that fault and hostile patterns are matched
    against: the partial-response parameters (projection=, fields=) left
    out, so that a pattern names the operation, not the projection."""
    path, _, query = target.partition("?")
    kept = [p for p in query.split("&")
            if p and not p.startswith(("projection=", "fields="))]
    return path + ("?" + "&".join(kept) if kept else "")


def public_fault(f):
    return {k: f[k] for k in ("method", "path", "count", "action", "status",
                              "delay", "reason")}


def text_response(status, text):
    return Response(status, text.encode(), "text/plain; charset=utf-8")


def log_target(e):
    """A logged request's path?query without projection= and fields=."""
    q = "&".join(p for p in e["query"].split("&")
                 if p and not p.startswith(("projection=", "fields=")))
    return e["path"] + ("?" + q if q else "")


def control(state, method, path, query, body):
    if path == "/_control/eval" and method == "POST":
        return text_response(*standin.control_eval(body))
    try:
        return control_route(state, method, path, query_dict(query),
                             standin.control_spec(body))
    except (ValueError, TypeError, re.error) as e:
        return json_response(400, {"error": str(e)})


def control_route(state, method, path, q, spec):
    if path == "/_control/fault":
        return control_fault(state, method, spec)
    if path == "/_control/held" and method == "GET":
        return json_response(200, {"held": standin.HOLDS.count()})
    if path == "/_control/release" and method == "POST":
        return json_response(200, {"released": standin.HOLDS.release()})
    if path == "/_control/random-faults" and method == "POST":
        return control_random(state, spec)
    if path == "/_control/clock":
        if method == "POST":
            with state.ctl:
                state.offset = float(spec.get("offset", 0))
        with state.ctl:
            off = state.offset
        return json_response(200, {"offset": off, "now": time.time() + off})
    if path == "/_control/log":
        with state.ctl:
            if method == "DELETE":
                state.log = []
                return Response(204)
            log = list(state.log)
        if q.get("format") == "lines":
            return text_response(200, standin.log_lines(log))
        return json_response(200, log, False)
    if path in ("/_control/count", "/_control/requests") and method == "GET":
        with state.ctl:
            log = list(state.log)
        ctype, text = standin.log_query(path, log, q, log_target)
        return Response(200, text.encode(), ctype)
    if path == "/_control/bucket" and method == "POST":
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("name required")
        state.add_bucket(name)
        return json_response(200, {"name": name})
    if path == "/_control/object" and method == "GET":
        return control_object(state, q)
    if path == "/_control/tokens" and method == "DELETE":
        with state.ctl:
            state.tokens.clear()
        return Response(204)
    if path == "/_control/hostile":
        return control_hostile(state, method, spec)
    if path == "/_control/rate-limit" and method == "POST":
        with state.lock:
            state.rate_limit = bool(spec.get("enabled", True))
            state.rate_interval = float(spec.get("interval", 1.0))
            state.last_mutation.clear()
        return json_response(200, {"enabled": state.rate_limit})
    return json_response(404, {"error": "no such control endpoint"})


def control_fault(state, method, spec):
    with state.ctl:
        if method == "DELETE":
            state.faults.clear()
            return Response(204)
        if method == "POST":
            fault = standin.parse_fault(spec)
            if fault["count"] < 1:
                raise ValueError("count must be >= 1")
            state.faults.append(fault)
        return json_response(200, [public_fault(f) for f in state.faults])


def control_hostile(state, method, spec):
    with state.ctl:
        if method == "DELETE":
            state.hostile = []
            return Response(204)
        if method == "POST":
            state.hostile.append(parse_hostile(spec))
        return json_response(200, [{k: h[k] for k in ("mode", "method", "path",
                                                      "count")}
                                   for h in state.hostile])


def control_random(state, spec):
    prob = float(spec.get("probability", 0))
    if not 0 <= prob <= 1:
        raise ValueError("probability must be in [0, 1]")
    with state.ctl:
        if prob == 0:
            state.random = None
            return json_response(200, {"probability": 0})
        actions = [parse_random_action(a)
                   for a in spec.get("actions", ["status:503"])]
        if not actions:
            raise ValueError("actions must not be empty")
        state.random = {
            "probability": prob, "actions": actions,
            "rng": random.Random(spec.get("seed")),
            "method": (spec.get("method") or "").upper(),
            "regex": re.compile(spec.get("path", "") or ""),
        }
    return json_response(200, {"probability": prob})


def control_object(state, q):
    with state.lock:
        o = state.buckets.get(q.get("bucket", ""), {}).get(q.get("name", ""))
        if o is None and "expr" in q:
            return text_response(200, "ABSENT\n")
        if o is None:
            return json_response(404, {"error": "no such object"})
        out = {
            "bucket": o.bucket, "name": o.name,
            "generation": str(o.generation),
            "metageneration": str(o.metageneration),
            "size": len(o.data), "fields": dict(o.fields),
            "metadata": dict(o.metadata),
            "timeCreated": rfc3339(o.created), "updated": rfc3339(o.updated),
            "updatedEpoch": o.updated, "md5Hash": o.md5, "crc32c": o.crc,
            "data_b64": b64(o.data),
        }
        try:
            out["data"] = o.data.decode("utf-8")
        except UnicodeDecodeError:
            out["data"] = None
    if "expr" in q:
        return text_response(*standin.eval_text(q["expr"], {"o": out}, False))
    return json_response(200, out)


# --- HTTP plumbing ---------------------------------------------------------

def body_error_response(e):
    """The answer to a request body that cannot be read (standin.BodyError)."""
    if e.status == 411:
        return error_response(411)
    if e.status == 400:
        return error_response(400, "Bad %s." % e.what, "badRequest")
    if e.size is not None:
        return error_response(413, "Request body of %d bytes is over the "
                              "16 MiB limit." % e.size)
    return error_response(413)


class Handler(standin.Handler):
    server_version = "UploadServer"
    sys_version = ""
    name = "gcs-server"
    max_body = MAX_BODY
    bodiless = (204, 304)
    timeout = IDLE_TIMEOUT

    def version_string(self):
        return self.server_version

    def date_time_string(self, timestamp=None):
        return imf_fixdate(self.state.now() if timestamp is None else timestamp)

    def send(self, resp, close=False):
        self.send_response(resp.status)
        if resp.ctype:
            self.send_header("Content-Type", resp.ctype)
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self.end_answer(resp.status, resp.body, close)

    def drain(self):
        """After an early error answer: discard what the client still sends."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(2)
            left = 4 * MAX_BODY
            while left > 0:
                chunk = self.rfile.read1(65536)
                if not chunk:
                    break
                left -= len(chunk)
        except (OSError, ValueError):
            pass

    def base_url(self):
        scheme = "https" if isinstance(self.request, ssl.SSLSocket) else "http"
        host = self.headers.get("Host") or "127.0.0.1:%d" % \
            self.server.server_address[1]
        return "%s://%s" % (scheme, host)

    # dispatch

    def dispatch(self):
        method, path, query = self.split_target()
        if path.startswith("/_control/"):
            body = self.read_control_body()
            if body is not None:
                self.send(control(self.state, method, path, query, body))
            return
        entry = {"method": method, "path": path, "query": query,
                 "status": None, "action": None}
        try:
            body = self.read_body(method in ("POST", "PUT", "PATCH")
                                  and not path.startswith("/computeMetadata/"))
        except standin.BodyError as e:
            resp = body_error_response(e)
            entry["status"] = resp.status
            self.state.append_log(entry)
            self.send(resp, close=True)
            self.drain()
            return
        self.serve(method, path, query, body, entry)

    def read_control_body(self):
        try:
            return self.read_body(False)
        except standin.BodyError as e:
            self.send(body_error_response(e), close=True)
            return None

    # for standin.Handler.serve

    def fault_reply(self, fault):
        status = fault["status"]
        if status == 412:
            resp = error_response(412, PRECONDITION_MSG, "conditionNotMet",
                                  {"locationType": "header",
                                   "location": "If-Match"})
        else:
            resp = error_response(status, fault["message"], fault["reason"])
        return resp.status, resp

    def reply(self, method, path, query, body):
        resp = self.answer(method, path, query, body)
        modes = self.state.take_hostile(method, self.path)
        if modes and resp.status == 200 and \
                (resp.ctype or "").startswith("application/json"):
            resp = hostile_answer(modes, resp, query_dict(query),
                                  bool(Api.LIST_RE.match(path)))
            self.log_entry["hostile"] = [h["mode"] for h in modes]
        return resp.status, resp

    def serve(self, method, path, query, body, entry):
        self.log_entry = entry
        super().serve(method, path, query, body, entry)

    def send_reply(self, resp):
        self.send(resp)

    def answer(self, method, path, query, body):
        headers = self.headers
        try:
            if path == "/token":
                if method != "POST":
                    return oauth_error(405, "invalid_request", "POST required")
                return token_endpoint(self.state, body,
                                      self.base_url() + "/token")
            if path.startswith("/computeMetadata/"):
                return metadata_endpoint(self.state, path, headers)
            q = query_dict(query)
            if path.startswith(("/storage/", "/upload/", "/download/")):
                check_auth(self.state, method, path, query, headers)
            return Api(self.state, self.base_url(), q).route(method, path,
                                                             body, headers)
        except HttpError as e:
            return e.response
        except UnicodeDecodeError:
            return error_response(400, "Invalid percent-encoding in the path.",
                                  "invalid")
        except Exception:
            traceback.print_exc()
            return error_response(500)


def parse_args(argv):
    p = argparse.ArgumentParser(description="GCS stand-in for mcle's tests")
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--bucket", action="append")
    p.add_argument("--clock-offset", type=float, default=0.0)
    p.add_argument("--max-results-cap", type=int, default=DEFAULT_CAP)
    p.add_argument("--rate-limit", action="store_true")
    p.add_argument("--require-auth", action="store_true")
    p.add_argument("--token-lifetime", type=int, default=TOKEN_LIFETIME)
    p.add_argument("--static-token", action="append")
    p.add_argument("--forbidden-token", action="append")
    p.add_argument("--sa-public-key")
    p.add_argument("--refresh-token")
    p.add_argument("--client-id")
    p.add_argument("--client-secret")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    if not 1 <= args.max_results_cap <= DEFAULT_CAP:
        p.error("--max-results-cap must be in 1..1000")
    if not 1 <= args.token_lifetime <= 86400:
        p.error("--token-lifetime must be in 1..86400")
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    return args


def main(argv):
    args = parse_args(argv)
    Handler.state = State(args)
    server = standin.Server(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        standin.use_tls(server, standin.tls_context(args.tls_cert,
                                                    args.tls_key))
    return standin.run(server, args.port_file, announce="gcs-server")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
