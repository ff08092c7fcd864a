#!/usr/bin/python3
"""Kubernetes API server stand-in for mcle's tests.

A single-process imitation of the parts of kube-apiserver that mcle and
kubectl use: namespaces, CustomResourceDefinitions and the custom resources
they define (mcle's leases.leaderelection.600lyy.io in particular), over TLS
on 127.0.0.1.  Python 3 stdlib, plus python3-yaml for YAML bodies and --crd.

    kube-server.py --port-file F --tls-cert C --tls-key K [--client-ca CA]
        [--token T]... [--forbidden-token T]... [--rbac FILE --rbac-token T]...
        [--namespaces a,b,c]
        [--no-system-namespaces] [--crd FILE]... [--max-page N] [--verbose]

The port is written to F (atomically) once the server accepts; SIGTERM or
SIGINT stops it (exit 0).  HTTP/1.1 keep-alive, Content-Length on every
answer, one thread per connection, TCP_NODELAY.  --client-ca makes the
server ask for (not require) a client certificate.  The namespaces default,
kube-system, kube-public and kube-node-lease exist from the start unless
--no-system-namespaces; --namespaces adds more.  --crd FILE installs the
CustomResourceDefinition(s) in FILE at start, as if applied (without it the
Lease resources are served only after a client creates the CRD, as on a
real cluster).  --max-page N: no list page holds more than N items, however
large the limit asked for (a client must follow continue tokens).

Behaviour follows kube-apiserver 1.30 (checked against its source: the
apimachinery errors, labels, continue-token and duration packages, the
generic registry and the apiextensions custom-resource handler, table
convertor and status strategy; and against the installed kubectl, see
tests/t3000-kube-standin.bats).

Implemented
  Authentication: `Authorization: Bearer T` with T one of --token (else 401
  Unauthorized, even on /version); --forbidden-token tokens authenticate but
  are authorised only for /version, /healthz, discovery and /openapi (403
  elsewhere, with the real "User ... cannot VERB resource ..." message); a
  client certificate signed by --client-ca authenticates as its CN.  No
  credentials at all is system:anonymous (as with --anonymous-auth=true):
  /version and health only, 403 elsewhere.
  RBAC, for one subject: --rbac-token tokens authenticate as
  system:serviceaccount:mcle-system:mcle, authorised as the RBAC authorizer
  does for the ClusterRoles in --rbac FILE that a ClusterRoleBinding in it
  binds to that service account: a request is allowed if a rule matches its
  API group, resource (resource/subresource for a subresource), verb (get,
  list, create, update, patch, delete, deletecollection, watch) and, when
  the rule has resourceNames, its name; "*" matches anything.  Discovery and
  /version stay open to it; anything else is 403 with the real message.
  Discovery (legacy, not aggregated): /version (v1.30.0), /api, /api/v1,
  /apis, /apis/G, /apis/G/V; the groups of established CRDs appear and
  disappear with them.  /openapi/v3 and one small document per
  group-version (paths with x-kubernetes-group-version-kind and the
  fieldValidation parameter, so kubectl leaves validation to the server;
  schemas from the CRD).  /openapi/v2 is 404, so kubectl uses v3.
  Namespaces (/api/v1/namespaces): list, get, create (JSON, YAML, and the
  protobuf body `kubectl create namespace` sends), update, patch, delete,
  /status.  kubernetes.io/metadata.name label, spec.finalizers, phase
  Active/Terminating; DELETE answers the Terminating object and removes the
  namespace and everything in it at once; default, kube-system and
  kube-public cannot be deleted (403).  Creating objects in a Terminating
  namespace is 403 (NamespaceTerminating), in a missing one 404.
  CRDs (apiextensions.k8s.io/v1 customresourcedefinitions): create, get,
  list, update, patch, delete, /status; established at once.
  Custom resources, namespaced or cluster-scoped, every served version:
  list (per namespace and across all), get, create, update (PUT), patch,
  delete, and the /status subresource with the real status strategy: create
  drops .status, main-resource writes keep the old .status, /status writes
  replace only .status (spec and metadata changes ignored, a body without
  status removes it).  metadata.generation bumps when the spec changes.
  Writes that change nothing keep the resourceVersion (as etcd3's
  GuaranteedUpdate does).  Structural-schema pruning of unknown fields
  (Warning headers, or 400 with ?fieldValidation=Strict), null pruning,
  validation of type, format date-time, enum, required, minimum, maximum,
  minLength, maxLength, pattern (422 Invalid with field causes).
  resourceVersion: one increasing integer (as a string) shared by every
  object and list, like etcd's revision.  PUT without
  metadata.resourceVersion: 422 "must be specified for an update"; stale:
  409 Conflict; create of an existing name: 409 AlreadyExists; missing: 404;
  invalid names and labels: 422.  DELETE preconditions (409), finalizers
  (deletionTimestamp set, object kept until they are removed), Status
  Success body for custom resources.  ?dryRun=All.
  Patches: application/merge-patch+json, application/json-patch+json (add,
  remove, replace, move, copy, test), strategic merge for built-in types
  (applied as a merge patch; 415 for custom resources, as the real server
  answers), application/apply-patch+yaml (approximated, see below).
  Lists: limit/continue exactly as the etcd3 store pages (a page is filled
  to `limit` with matching objects, a continue token is base64url JSON
  {"v":"meta.k8s.io/v1","rv":N,"start":"KEY\\u0000"}, remainingItemCount
  without selectors, a last page may be empty), resourceVersion=0 ignores
  limit (served "from the watch cache"), labelSelector with the real parser
  (=, ==, !=, in, notin, exists, !, gt, lt; its error messages),
  fieldSelector metadata.name / metadata.namespace; --max-page N caps every
  page at N items whatever limit asked for.  Expired tokens: 410 Expired
  with the real message and an inconsistent continue token (rv -1).
  Table output (Accept: application/json;as=Table;v=v1;g=meta.k8s.io):
  Name plus the CRD's additionalPrinterColumns (default Age), cells typed as
  the real convertor types them (date -> "5m", string via JSONPath
  printing), includeObject=None|Metadata|Object; namespaces (Name, Status,
  Age) and CRDs (Name, Created At).
  Events (events.k8s.io/v1, namespaced): create (POST, 201) with the
  checks of kube-apiserver's ValidateEventCreate (eventTime,
  reportingController, reportingInstance, action and reason required,
  type Normal or Warning, note up to 1 KiB, regarding.namespace the
  event's), 409 AlreadyExists, get, list (without paging or selectors).
  Every error is a metav1.Status with the real message, reason, details.
  managedFields are kept (approximately: one entry per manager, operation
  and subresource with the fields that write set).  Request bodies over
  3 MiB are 413, as kube-apiserver limits them.

Not covered
  watch (?watch=true and /watch/ paths answer 405 MethodNotAllowed),
  protobuf answers (JSON is always returned; protobuf bodies are accepted
  only for namespace create), aggregated discovery (clients fall back to
  legacy discovery), CBOR, server-side apply semantics (an apply patch is a
  merge patch that creates a missing object; field ownership and conflicts
  are not computed), strategic-merge directives ($patch, $retainKeys: the
  $-keys are dropped), conversion webhooks, defaulting from schemas,
  CEL validation rules, x-kubernetes-list-type checks, admission, RBAC
  beyond the token lists, snapshot-consistent continuation (later pages show
  the current state after the continue key, with the token's
  resourceVersion in the list metadata), automatic compaction (tokens
  expire only through POST /_control/expire-continue), deletecollection,
  subresources other than status, other built-in resources, /openapi/v2
  (so kubectl's client-side validation is unavailable: kubectl validates
  through the server, since /openapi/v3 advertises fieldValidation).
  Memory: about 5 KiB per object (100 MB for 10,000 namespaces with a
  Lease each).

Control endpoints (no authentication, not logged; path prefix /_control/;
also over plain HTTP on a port of their own with --control-port-file FILE)
  POST   /_control/fault   {"method":"PUT","path":"REGEX","count":1,"skip":0,
         "action":"status"|"reset"|"delay"|"hold"|"commit-drop","status":503,
         "reason":..,"message":..,"delay":1.5,"retryAfter":1}
         the next `count` requests (after `skip` more) whose method matches
         (any, if omitted) and whose path?query matches REGEX (re.search):
         status answers a Status body; reset closes with an RST; delay
         sleeps, then serves; hold waits for POST /_control/release (at most
         "delay" seconds, default 120), then serves; commit-drop serves (the
         write commits), then closes without answering.  Faults queue in
         order.
  DELETE /_control/fault   clear all faults
  GET    /_control/held    {"held": N} requests waiting at a hold
  POST   /_control/release   let them go on: {"released": N}
  POST   /_control/expire-continue   every continue token issued so far
         answers 410 Expired on its next use
  POST   /_control/namespace {"name":"a","labels":{..},"terminating":false}
  DELETE /_control/namespace?name=a    remove it and its contents
  POST   /_control/namespaces {"prefix":"ns-","count":N,"labels":{..}}
         bulk create ns-00000 .. (for benchmarks)
  POST   /_control/terminating {"name":"a"}   set Terminating
  POST   /_control/tokens {"tokens":[..],"forbidden":[..]}  replace the
         accepted (and forbidden) tokens: token rotation
  GET    /_control/log     JSON array of {"method","path","query","status",
         "action","conn"} for every API request (conn: the connection's
         number, the same for requests on one connection); DELETE clears it
  GET    /_control/log?format=lines   the log, a JSON object a line, keys sorted
  GET    /_control/count?method=M&path=REGEX  {"count": N} ('*' any method,
         '!GET' any other) of logged requests whose path?query matches
  GET    /_control/requests?method=M&path=REGEX  the same requests as
         "METHOD path?query STATUS" lines
  POST   /_control/eval   EXPR (python), a newline, JSON: EXPR on it as j, T(s)
         an RFC 3339 time in epoch seconds; dicts, lists, booleans and None
         print as JSON (the tests' helpers: a curl, not a Python, a call)
  GET    /_control/object?path=/apis/..  the stored object (404 if none)
  GET    /_control/stats   {"requests":N,"resourceVersion":"N",..}
  POST   /_control/list {"path":"REGEX","extra":[..],"endless":N,
         "pages":P,"continue":"repeat"|"wrap"|"nul"|"long"|"number",
         "page":{..},"name":"lease-gsc"}
         a server gone wrong: JSON list answers (namespaces, custom
         resources; not Tables) whose path matches REGEX (re.search; the
         first such rule) are bent.  extra: raw items added to each first
         page (no continue asked), NUL bytes and duplicates included;
         endless: every page holds N made-up objects (namespaces
         hostile-0000001 .., or resources `name` in them) and a fresh
         continue token, for ever (or until P pages are served); continue: repeat answers a continue
         token with itself, wrap answers the last page with the first
         page's token (a listing that never ends), nul / long append a NUL
         byte / 3000 bytes to every token, number sends 12345; page: this
         JSON object is the whole answer.  DELETE clears every rule.
"""

import argparse
import base64
import bisect
import copy
import datetime
import hashlib
import json
import marshal
import posixpath
import re
import secrets
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
import uuid

if sys.pycache_prefix is None:      # no __pycache__ in the source tree
    sys.dont_write_bytecode = True  # (launch.py: a cache in the build tree)
import standin                      # noqa: E402 (tests/servers/standin.py)

try:
    import yaml
    YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml's: faster
except ImportError:         # YAML bodies and --crd need python3-yaml
    yaml = None

MAX_BODY = 3 * 1024 * 1024          # kube-apiserver's request body limit
MAX_LOG = 1000000
IDLE_TIMEOUT = 120
GIT_VERSION = "v1.30.0"

CR_NAME_MAX = 253
LABEL_RE = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(r"^%s$" % LABEL_RE)
DNS1123_SUBDOMAIN = re.compile(r"^%s(\.%s)*$" % (LABEL_RE, LABEL_RE))
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?"
                     r"([Zz]|[+-]\d{2}:\d{2})$")

MSG_LABEL = ("a lowercase RFC 1123 label must consist of lower case "
             "alphanumeric characters or '-', and must start and end with an "
             "alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
             "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
MSG_SUBDOMAIN = ("a lowercase RFC 1123 subdomain must consist of lower case "
                 "alphanumeric characters, '-' or '.', and must start and end "
                 "with an alphanumeric character (e.g. 'example.com', regex "
                 "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?"
                 "(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
MSG_QUALIFIED = ("name part must consist of alphanumeric characters, '-', '_' "
                 "or '.', and must start and end with an alphanumeric "
                 "character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
                 "regex used for validation is "
                 "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
MSG_LABEL_VALUE = ("a valid label must be an empty string or consist of "
                   "alphanumeric characters, '-', '_' or '.', and must start "
                   "and end with an alphanumeric character (e.g. 'MyValue',  "
                   "or 'my_value',  or '12345', regex used for validation is "
                   "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
MSG_CONFLICT = ("the object has been modified; please apply your changes to "
                "the latest version and try again")
MSG_EXPIRED = ("The provided continue parameter is too old to display a "
               "consistent list result. You can start a new list without the "
               "continue parameter, or use the continue token in this "
               "response to retrieve the remainder of the results. Continuing "
               "with the provided token results in an inconsistent list - "
               "objects that were created, modified, or deleted between the "
               "time the first chunk was returned and now may show up in the "
               "list.")
DESC_NAME = ("Name must be unique within a namespace. Is required when "
             "creating resources, although some resources may allow a client "
             "to request the generation of an appropriate name automatically. "
             "Name is primarily intended for creation idempotence and "
             "configuration definition. Cannot be updated. More info: "
             "https://kubernetes.io/docs/concepts/overview/working-with-"
             "objects/names#names")
DESC_CREATED = ("CreationTimestamp is a timestamp representing the server "
                "time when this object was created. It is not guaranteed to "
                "be set in happens-before order across separate operations. "
                "Clients may not set this value. It is represented in RFC3339 "
                "form and is in UTC.\n\nPopulated by the system. Read-only. "
                "Null for lists. More info: https://git.k8s.io/community/"
                "contributors/devel/sig-architecture/api-conventions.md"
                "#metadata")
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
UNDELETABLE = ("default", "kube-public", "kube-system")
OBJECT_META_KEYS = (
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion",
    "generation", "creationTimestamp", "deletionTimestamp",
    "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences",
    "finalizers", "managedFields")
TABLE_ACCEPT = re.compile(r"as=Table")


# --- small helpers ---------------------------------------------------------

def rfc3339(t=None):
    """Seconds-resolution UTC timestamp, as metav1.Time serialises."""
    t = time.time() if t is None else t
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    if not isinstance(text, str) or not RFC3339.match(text):
        return None
    s = text.replace("z", "Z").replace("t", "T")
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    m = re.match(r"^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$", s)
    try:
        return datetime.datetime.fromisoformat(m.group(1) + m.group(3)) \
            .timestamp() + float("0" + (m.group(2) or ""))
    except ValueError:
        return None


def human_duration(seconds):
    """apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return "%ds" % s
    minutes = s // 60
    if minutes < 10:
        return "%dm" % minutes if s % 60 == 0 else "%dm%ds" % (minutes, s % 60)
    if minutes < 180:
        return "%dm" % minutes
    hours = s // 3600
    if hours < 8:
        m = minutes % 60
        return "%dh" % hours if m == 0 else "%dh%dm" % (hours, m)
    if hours < 48:
        return "%dh" % hours
    if hours < 24 * 8:
        h = hours % 24
        return "%dd" % (hours // 24) if h == 0 else "%dd%dh" % (hours // 24, h)
    if hours < 24 * 365 * 2:
        return "%dd" % (hours // 24)
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        years = hours // 24 // 365
        return "%dy" % years if dy == 0 else "%dy%dd" % (years, dy)
    return "%dy" % (hours // 24 // 365)


def age_of(meta):
    t = parse_time(meta.get("creationTimestamp"))
    if t is None:
        return "<unknown>"
    return human_duration(time.time() - t)


def go_quote(s):
    """Go's %q, close enough for messages (json escapes are a superset)."""
    return json.dumps(s, ensure_ascii=False)


def go_value(v):
    """How field.Error prints a bad value."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return go_quote(v)
    return json.dumps(v, separators=(",", ":"))


def jcopy(value):
    """A deep copy of JSON data (dicts, lists, scalars), key order kept:
    through marshal, five times as fast as copy.deepcopy, which held a
    benchmark's status writes to a few hundred a second."""
    try:
        return marshal.loads(marshal.dumps(value))
    except ValueError:      # not plain JSON data after all
        return copy.deepcopy(value)


def encode(obj, sort=False, pretty=False):
    """Go's json.Encoder: compact (or indented), with a trailing newline."""
    if pretty:
        return (json.dumps(obj, sort_keys=sort, indent=2, ensure_ascii=False)
                + "\n").encode()
    return (json.dumps(obj, sort_keys=sort, separators=(",", ":"),
                       ensure_ascii=False) + "\n").encode()


def ordered(d, keys):
    """Reorder a dict's keys as a Go struct would serialise them."""
    if not isinstance(d, dict):
        return d
    out = {k: d[k] for k in keys if k in d}
    for k, v in d.items():
        if k not in out:
            out[k] = v
    return out


def ordered_meta(meta):
    return ordered(meta, OBJECT_META_KEYS)


def typed_object(obj, spec_keys=(), status_keys=()):
    out = ordered(obj, ("kind", "apiVersion", "metadata", "spec", "status"))
    if "metadata" in out:
        out["metadata"] = ordered_meta(out["metadata"])
        mf = out["metadata"].get("managedFields")
        if mf:
            out["metadata"]["managedFields"] = [
                ordered(e, ("manager", "operation", "apiVersion", "time",
                            "fieldsType", "fieldsV1", "subresource"))
                for e in mf]
    if spec_keys and isinstance(out.get("spec"), dict):
        out["spec"] = ordered(out["spec"], spec_keys)
    if status_keys and isinstance(out.get("status"), dict):
        out["status"] = ordered(out["status"], status_keys)
    return out


def storage_version_hash(group, version, kind):
    raw = hashlib.sha256(("%s/%s/%s" % (group, version, kind)).encode())
    return base64.b64encode(raw.digest()[:8]).decode()


def qualified(plural, group):
    return "%s.%s" % (plural, group) if group else plural


def deep_equal(a, b):
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# --- errors: metav1.Status --------------------------------------------------

class ApiError(Exception):
    """An error answer: a metav1.Status body."""

    def __init__(self, code, reason, message, details=None, cont=None,
                 headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.cont = cont
        self.headers = headers or {}

    def status(self):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {},
                "status": "Failure", "message": self.message,
                "reason": self.reason}
        if self.cont:
            body["metadata"]["continue"] = self.cont
        if self.details is not None:
            body["details"] = ordered(self.details, (
                "name", "group", "kind", "uid", "causes", "retryAfterSeconds"))
        body["code"] = self.code
        return body


def details(name, group, kind):
    d = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    if kind:
        d["kind"] = kind
    return d


def not_found(plural, group, name):
    return ApiError(404, "NotFound", "%s %s not found"
                    % (qualified(plural, group), go_quote(name)),
                    details(name, group, plural))


def already_exists(plural, group, name):
    return ApiError(409, "AlreadyExists", "%s %s already exists"
                    % (qualified(plural, group), go_quote(name)),
                    details(name, group, plural))


def conflict(plural, group, name, why=MSG_CONFLICT):
    return ApiError(409, "Conflict", "Operation cannot be fulfilled on %s %s: "
                    "%s" % (qualified(plural, group), go_quote(name), why),
                    details(name, group, plural))


def forbidden(plural, group, name, why):
    return ApiError(403, "Forbidden", "%s %s is forbidden: %s"
                    % (qualified(plural, group), go_quote(name), why),
                    details(name, group, plural))


def bad_request(message):
    return ApiError(400, "BadRequest", message)


class FieldError:
    """k8s.io/apimachinery/pkg/util/validation/field.Error."""
    BODIES = {
        "FieldValueInvalid": "Invalid value",
        "FieldValueTypeInvalid": "Invalid value",
        "FieldValueRequired": "Required value",
        "FieldValueNotSupported": "Unsupported value",
        "FieldValueForbidden": "Forbidden",
        "FieldValueTooLong": "Too long",
        "FieldValueDuplicate": "Duplicate value",
    }
    NO_VALUE = ("FieldValueRequired", "FieldValueForbidden",
                "FieldValueTooLong")

    def __init__(self, kind, field, value=None, detail="", raw_value=None):
        self.kind = kind
        self.field = field
        self.value = value
        self.detail = detail
        self.raw_value = raw_value

    def body(self):
        s = self.BODIES[self.kind]
        if self.kind not in self.NO_VALUE:
            s += ": " + (self.raw_value if self.raw_value is not None
                         else go_value(self.value))
        if self.detail:
            s += ": " + self.detail
        return s

    def __str__(self):
        return "%s: %s" % (self.field, self.body())


def invalid(kind_qualified, group, kind, name, errs):
    """apierrors.NewInvalid."""
    agg = str(errs[0]) if len(errs) == 1 else \
        "[" + ", ".join(str(e) for e in errs) + "]"
    causes = [{"reason": e.kind, "message": e.body(), "field": e.field}
              for e in errs]
    d = details(name, group, kind)
    d["causes"] = causes
    return ApiError(422, "Invalid", "%s %s is invalid: %s"
                    % (kind_qualified, go_quote(name), agg), d)


GENERIC = {
    400: ("BadRequest", "the server rejected our request for an unknown "
          "reason"),
    401: ("Unauthorized", "Unauthorized"),
    403: ("Forbidden", "forbidden"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the "
          "requested resource"),
    409: ("Conflict", "the server reported a conflict"),
    410: ("Expired", MSG_EXPIRED),
    413: ("RequestEntityTooLarge", "Request entity too large: limit is "
          "3145728"),
    415: ("UnsupportedMediaType", "the body of the request was in an unknown "
          "format"),
    422: ("Invalid", "the server rejected our request due to an error in our "
          "request"),
    429: ("TooManyRequests", "Too many requests, please try again later."),
    500: ("InternalError", "Internal error occurred: injected fault"),
    503: ("ServiceUnavailable", "the server is currently unable to handle "
          "the request"),
    504: ("Timeout", "Timeout: request did not complete within the allowed "
          "duration"),
}


def generic_error(code, reason=None, message=None, retry_after=None):
    r, m = GENERIC.get(code, ("InternalError" if code >= 500 else "Unknown",
                              "the server responded with the status code %d "
                              "but did not return more information" % code))
    d = None
    headers = {}
    if code in (404, 405):
        d = {}
    if code in (429, 503, 504) or retry_after:
        secs = int(retry_after or 1)
        d = {"retryAfterSeconds": secs}
        headers["Retry-After"] = str(secs)
    if code == 500:
        d = {"causes": [{"message": "injected fault"}]}
    return ApiError(code, reason or r, message or m, d, headers=headers)


# --- label and field selectors (port of apimachinery/pkg/labels) ------------

SEL_TOKENS = {")": "CLOSE", ",": "COMMA", "!": "NOT", "==": "DEQ", "=": "EQ",
              ">": "GT", "in": "IN", "<": "LT", "!=": "NEQ", "notin": "NOTIN",
              "(": "OPEN"}
SEL_SPECIAL = "=!(),><"
SEL_WS = " \t\r\n"
BINARY_OPS = "in, notin, =, ==, !=, gt, lt"


def sel_lex(s):
    items = []
    pos = 0
    while True:
        while pos < len(s) and s[pos] in SEL_WS:
            pos += 1
        if pos >= len(s):
            items.append(("END", ""))
            return items
        if s[pos] in SEL_SPECIAL:
            buf = ""
            last = None
            while pos < len(s) and s[pos] in SEL_SPECIAL:
                buf += s[pos]
                if buf in SEL_TOKENS:
                    last = (SEL_TOKENS[buf], buf)
                    pos += 1
                elif last is not None:
                    break
                else:
                    pos += 1
            if last is None:
                items.append(("ERROR", "error expected: keyword found '%s'"
                              % buf))
            else:
                items.append(last)
            continue
        start = pos
        while pos < len(s) and s[pos] not in SEL_SPECIAL and \
                s[pos] not in SEL_WS:
            pos += 1
        word = s[start:pos]
        items.append((SEL_TOKENS.get(word, "ID"), word))


def check_label_key(key):
    """content.IsLabelKey: [prefix/]name."""
    errs = []
    prefix, _, name = key.rpartition("/")
    if "/" in prefix:
        return ["a qualified name must consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric "
                "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
                "[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')"]
    if "/" in key and not prefix:
        errs.append("prefix part must be non-empty")
    elif prefix:
        if len(prefix) > 253:
            errs.append("prefix part must be no more than 253 characters")
        if not DNS1123_SUBDOMAIN.match(prefix):
            errs.append("prefix part " + MSG_SUBDOMAIN)
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    elif not QUALIFIED_NAME.match(name):
        errs.append(MSG_QUALIFIED)
    return errs


def check_label_value(value):
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not LABEL_VALUE.match(value):
        errs.append(MSG_LABEL_VALUE)
    return errs


class Selector:
    """A parsed label selector: a list of (key, op, values)."""

    def __init__(self, text):
        self.reqs = []
        self.empty = not text.strip()
        if not self.empty:
            self.parse(text)

    def parse(self, text):
        self.items = sel_lex(text)
        self.pos = 0
        while True:
            tok, lit = self.peek(True)
            if tok in ("ID", "NOT"):
                try:
                    self.reqs.append(self.requirement())
                except ValueError as e:
                    raise bad_request("unable to parse requirement: %s" % e)
                tok, lit = self.take(True)
                if tok == "END":
                    return
                if tok == "COMMA":
                    t2, l2 = self.peek(True)
                    if t2 not in ("ID", "NOT"):
                        raise bad_request("found '%s', expected: identifier "
                                          "after ','" % l2)
                    continue
                raise bad_request("found '%s', expected: ',' or 'end of "
                                  "string'" % lit)
            if tok == "END":
                return
            raise bad_request("found '%s', expected: !, identifier, or 'end "
                              "of string'" % lit)

    def peek(self, values):
        tok, lit = self.items[self.pos]
        if values and tok in ("IN", "NOTIN"):
            tok = "ID"
        return tok, lit

    def take(self, values):
        r = self.peek(values)
        self.pos += 1
        return r

    def requirement(self):
        op = None
        tok, lit = self.take(True)
        if tok == "NOT":
            op = "!"
            tok, lit = self.take(True)
        if tok != "ID":
            raise ValueError("found '%s', expected: identifier" % lit)
        errs = check_label_key(lit)
        if errs:
            raise ValueError("<nil>: Invalid value: %s: %s"
                             % (go_quote(lit), "; ".join(errs)))
        key = lit
        if op == "!":
            return (key, "!", [])
        if self.peek(True)[0] in ("END", "COMMA"):
            return (key, "exists", [])
        tok, lit = self.take(False)
        ops = {"IN": "in", "NOTIN": "notin", "EQ": "=", "DEQ": "==",
               "NEQ": "!=", "GT": "gt", "LT": "lt"}
        if tok not in ops:
            raise ValueError("found '%s', expected: %s" % (lit, BINARY_OPS))
        op = ops[tok]
        values = self.values() if op in ("in", "notin") else self.exact()
        for v in values:
            errs = check_label_value(v)
            if errs:
                raise ValueError("values[0][%s]: Invalid value: %s: %s"
                                 % (key, go_quote(v), "; ".join(errs)))
        if op in ("gt", "lt"):
            try:
                int(values[0], 10)
            except ValueError:
                raise ValueError("values[0]: Invalid value: %s: for 'Gt', "
                                 "'Lt' operators, the value must be an "
                                 "integer" % go_quote(values[0]))
        return (key, op, values)

    def values(self):
        tok, lit = self.take(True)
        if tok != "OPEN":
            raise ValueError("found '%s' expected: '('" % lit)
        tok, lit = self.peek(True)
        if tok == "CLOSE":
            self.take(True)
            return [""]
        if tok not in ("ID", "COMMA"):
            raise ValueError("found '%s', expected: ',', ')' or identifier"
                             % lit)
        out = []
        while True:
            tok, lit = self.take(True)
            if tok == "ID":
                out.append(lit)
                t2, l2 = self.peek(True)
                if t2 == "COMMA":
                    continue
                if t2 == "CLOSE":
                    self.take(True)
                    return sorted(set(out))
                raise ValueError("found '%s', expected: ',' or ')'" % l2)
            if tok == "COMMA":
                if not out:
                    out.append("")
                t2, _ = self.peek(True)
                if t2 == "CLOSE":
                    out.append("")
                    self.take(True)
                    return sorted(set(out))
                if t2 == "COMMA":
                    out.append("")
                continue
            raise ValueError("found '%s', expected: ',', or identifier" % lit)

    def exact(self):
        tok, _ = self.peek(True)
        if tok in ("END", "COMMA"):
            return [""]
        tok, lit = self.take(True)
        if tok == "ID":
            return [lit]
        raise ValueError("found '%s', expected: identifier" % lit)

    def matches(self, labels):
        labels = labels or {}
        for key, op, values in self.reqs:
            has = key in labels
            val = labels.get(key)
            if op in ("in", "=", "=="):
                ok = has and val in values
            elif op in ("notin", "!="):
                ok = not has or val not in values
            elif op == "exists":
                ok = has
            elif op == "!":
                ok = not has
            else:
                try:
                    lv, rv = int(val, 10), int(values[0], 10)
                except (TypeError, ValueError):
                    ok = False
                else:
                    ok = lv > rv if op == "gt" else lv < rv
            if not ok:
                return False
        return True


class FieldSelector:
    """metadata.name and metadata.namespace with =, == and !=."""

    def __init__(self, text, namespaced):
        self.reqs = []
        self.empty = not text.strip()
        for term in filter(None, (t.strip() for t in text.split(","))):
            m = re.match(r"^([^=!]+)(==|=|!=)(.*)$", term)
            if not m:
                raise bad_request("invalid selector: '%s'; can't understand "
                                  "'%s'" % (text, term))
            key, op, value = m.group(1).strip(), m.group(2), m.group(3)
            allowed = ("metadata.name", "metadata.namespace") if namespaced \
                else ("metadata.name",)
            if key not in allowed:
                raise bad_request('field label not supported: %s' % key)
            self.reqs.append((key, op != "!=", value))

    def matches(self, meta):
        for key, equal, value in self.reqs:
            have = meta.get(key.split(".", 1)[1], "")
            if (have == value) != equal:
                return False
        return True


# --- structural schemas: pruning and validation -----------------------------

JSON_TYPES = (("boolean", bool), ("integer", int), ("number", float),
              ("string", str), ("object", dict), ("array", list))


def json_type(v):
    if v is None:
        return "null"
    for name, t in JSON_TYPES:
        if isinstance(v, t):
            return name
    return "unknown"


def prune(value, schema, path, unknown, root=False):
    """Drop fields the structural schema does not declare; drop nulls of
    non-nullable fields.  Unknown field paths go to `unknown`."""
    if schema is None:
        return value
    if isinstance(value, dict):
        props = schema.get("properties")
        addl = schema.get("additionalProperties")
        keep_unknown = schema.get("x-kubernetes-preserve-unknown-fields")
        out = {}
        for k, v in value.items():
            sub = path + [k]
            if root and k in ("apiVersion", "kind", "metadata"):
                out[k] = v
                continue
            if props is not None and k in props:
                child = props[k]
            elif isinstance(addl, dict):
                child = addl
            elif addl is True or keep_unknown:
                out[k] = v
                continue
            else:
                unknown.append(".".join(sub))
                continue
            if v is None and not child.get("nullable"):
                continue
            out[k] = prune(v, child, sub, unknown)
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [prune(v, schema["items"], path + ["[%d]" % i], unknown)
                for i, v in enumerate(value)]
    return value


def field_path(path):
    out = ""
    for p in path:
        out += p if p.startswith("[") else ("." + p if out else p)
    return out


def validate(value, schema, path, errs):
    """kube-openapi validation, with apiextensions' error conversion."""
    if schema is None or schema.get("x-kubernetes-int-or-string") and \
            isinstance(value, (int, str)) and not isinstance(value, bool):
        return
    fp = field_path(path)
    want = schema.get("type")
    have = json_type(value)
    if value is None:
        if not schema.get("nullable") and want:
            errs.append(FieldError("FieldValueTypeInvalid", fp, None,
                                   "%s in body must be of type %s: \"null\""
                                   % (fp, want), raw_value='"null"'))
        return
    if want:
        ok = have == want or (want == "number" and have == "integer") or \
            (want == "integer" and have == "number" and value == int(value))
        if not ok:
            errs.append(FieldError("FieldValueTypeInvalid", fp, have,
                                   "%s in body must be of type %s: %s"
                                   % (fp, want, go_quote(have))))
            return
    validate_scalar(value, schema, fp, errs)
    if isinstance(value, dict):
        for req in schema.get("required", []):
            if req not in value:
                errs.append(FieldError("FieldValueRequired",
                                       field_path(path + [req])))
        props = schema.get("properties") or {}
        addl = schema.get("additionalProperties")
        for k, v in value.items():
            child = props.get(k, addl if isinstance(addl, dict) else None)
            validate(v, child, path + [k], errs)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, v in enumerate(value):
            validate(v, schema["items"], path + ["[%d]" % i], errs)


def validate_scalar(value, schema, fp, errs):
    if "enum" in schema and value not in schema["enum"]:
        errs.append(FieldError("FieldValueNotSupported", fp, value,
                               "supported values: " + ", ".join(
                                   go_value(e) for e in schema["enum"])))
    if isinstance(value, str):
        if schema.get("format") == "date-time" and \
                parse_time(value) is None:
            errs.append(FieldError("FieldValueInvalid", fp, value,
                                   "%s in body must be of type date-time: %s"
                                   % (fp, go_quote(value))))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errs.append(FieldError("FieldValueTooLong", fp, value,
                                   "may not be more than %d bytes"
                                   % schema["maxLength"]))
        if "minLength" in schema and len(value) < schema["minLength"]:
            errs.append(FieldError("FieldValueInvalid", fp, value,
                                   "%s in body should be at least %d chars "
                                   "long" % (fp, schema["minLength"])))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errs.append(FieldError("FieldValueInvalid", fp, value,
                                   "%s in body should match '%s'"
                                   % (fp, schema["pattern"])))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errs.append(FieldError("FieldValueInvalid", fp, value,
                                   "%s in body should be greater than or "
                                   "equal to %s" % (fp, schema["minimum"])))
        if "maximum" in schema and value > schema["maximum"]:
            errs.append(FieldError("FieldValueInvalid", fp, value,
                                   "%s in body should be less than or equal "
                                   "to %s" % (fp, schema["maximum"])))


def validate_labels(meta, errs):
    for what in ("labels", "annotations"):
        m = meta.get(what)
        if m is None:
            continue
        if not isinstance(m, dict) or not all(
                isinstance(v, str) for v in m.values()):
            errs.append(FieldError("FieldValueTypeInvalid", "metadata." + what,
                                   m, "must be a map of strings"))
            continue
        for k, v in m.items():
            kerr = check_label_key(k)
            if kerr:
                errs.append(FieldError("FieldValueInvalid", "metadata." + what,
                                       k, "; ".join(kerr)))
            if what == "labels":
                verr = check_label_value(v)
                if verr:
                    errs.append(FieldError("FieldValueInvalid",
                                           "metadata.labels", v,
                                           "; ".join(verr)))


def meta_unknown(meta, unknown):
    for k in list(meta):
        if k not in OBJECT_META_KEYS:
            unknown.append("metadata." + k)
            del meta[k]


# --- patches ----------------------------------------------------------------

def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return jcopy(patch)
    out = jcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def strategic_as_merge(patch):
    """Strategic merge patch without its directives, as a merge patch."""
    if isinstance(patch, dict):
        return {k: strategic_as_merge(v) for k, v in patch.items()
                if not k.startswith("$")}
    if isinstance(patch, list):
        return [strategic_as_merge(v) for v in patch]
    return patch


class PatchError(Exception):
    pass


def pointer(doc, ptr):
    if ptr == "":
        return []
    if not ptr.startswith("/"):
        raise PatchError("invalid JSON pointer %s" % go_quote(ptr))
    return [p.replace("~1", "/").replace("~0", "~")
            for p in ptr[1:].split("/")]


def resolve(doc, parts):
    cur = doc
    for p in parts:
        if isinstance(cur, dict):
            if p not in cur:
                raise PatchError("doc is missing path: %s" % p)
            cur = cur[p]
        elif isinstance(cur, list):
            try:
                cur = cur[int(p)]
            except (ValueError, IndexError):
                raise PatchError("doc is missing path: %s" % p)
        else:
            raise PatchError("doc is missing path: %s" % p)
    return cur


def json_patch(doc, ops):
    """RFC 6902."""
    if not isinstance(ops, list):
        raise ValueError("json: cannot unmarshal object into Go value of type "
                         "jsonpatch.Patch")
    doc = jcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError("Unexpected kind: %s" % json.dumps(op))
        kind = op["op"]
        parts = pointer(doc, op["path"])
        if kind == "test":
            if not deep_equal(resolve(doc, parts), op.get("value")):
                raise PatchError("testing value %s failed: test failed"
                                 % op["path"])
            continue
        if kind in ("move", "copy"):
            src = pointer(doc, op.get("from", ""))
            value = jcopy(resolve(doc, src))
            if kind == "move":
                doc = remove_at(doc, src)
            doc = add_at(doc, parts, value)
            continue
        if kind == "remove":
            doc = remove_at(doc, parts)
        elif kind == "add":
            doc = add_at(doc, parts, jcopy(op.get("value")))
        elif kind == "replace":
            resolve(doc, parts)
            doc = remove_at(doc, parts)
            doc = add_at(doc, parts, jcopy(op.get("value")))
        else:
            raise PatchError("Unexpected kind: %s" % kind)
    return doc


def add_at(doc, parts, value):
    if not parts:
        return value
    parent = resolve(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            try:
                i = int(last)
            except ValueError:
                raise PatchError("add operation does not apply: doc is "
                                 "missing path: %s" % last)
            if not 0 <= i <= len(parent):
                raise PatchError("add operation does not apply: doc is "
                                 "missing path: %s" % last)
            parent.insert(i, value)
    else:
        raise PatchError("add operation does not apply: doc is missing path")
    return doc


def remove_at(doc, parts):
    if not parts:
        raise PatchError("remove operation does not apply: doc is missing "
                         "path")
    parent = resolve(doc, parts[:-1])
    last = parts[-1]
    try:
        if isinstance(parent, dict):
            del parent[last]
        elif isinstance(parent, list):
            del parent[int(last)]
        else:
            raise KeyError(last)
    except (KeyError, ValueError, IndexError):
        raise PatchError("remove operation does not apply: doc is missing "
                         "path: \"%s\"" % "/".join([""] + parts))
    return doc


# --- managed fields (approximate) --------------------------------------------

def fieldset(value):
    if not isinstance(value, dict):
        return {}
    out = {}
    for k, v in value.items():
        if isinstance(v, dict) and v:
            sub = fieldset(v)
            sub["."] = {}
            out["f:" + k] = dict(sorted(sub.items()))
        else:
            out["f:" + k] = {}
    return dict(sorted(out.items()))


def manager_entry(manager, operation, api_version, fields, subresource):
    e = {"apiVersion": api_version, "fieldsType": "FieldsV1",
         "fieldsV1": fields, "manager": manager, "operation": operation,
         "time": rfc3339()}
    if subresource:
        e["subresource"] = subresource
    return e


def update_managed(old_entries, manager, operation, api_version, obj,
                   subresource):
    if subresource == "status":
        part = {"status": obj.get("status")} if "status" in obj else {}
    else:
        part = {k: v for k, v in obj.items()
                if k not in ("apiVersion", "kind", "status", "metadata")}
        meta = {k: obj["metadata"][k] for k in ("labels", "annotations",
                                                "finalizers")
                if obj.get("metadata", {}).get(k)}
        if meta:
            part["metadata"] = meta
    entries = [e for e in (old_entries or []) if not (
        e.get("manager") == manager and e.get("operation") == operation and
        e.get("subresource", "") == (subresource or ""))]
    fields = fieldset(part)
    if fields:
        entries.append(manager_entry(manager, operation, api_version, fields,
                                     subresource))
    return entries


# --- protobuf (the minimum for `kubectl create namespace`) -----------------

def pb_fields(data):
    """Yield (number, wiretype, value) of a protobuf message."""
    pos = 0
    while pos < len(data):
        key, pos = pb_varint(data, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = pb_varint(data, pos)
        elif wt == 2:
            n, pos = pb_varint(data, pos)
            val = data[pos:pos + n]
            if len(val) != n:
                raise ValueError("truncated protobuf")
            pos += n
        elif wt == 1:
            val, pos = data[pos:pos + 8], pos + 8
        elif wt == 5:
            val, pos = data[pos:pos + 4], pos + 4
        else:
            raise ValueError("unsupported protobuf wire type %d" % wt)
        yield num, wt, val


def pb_varint(data, pos):
    shift = result = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated protobuf varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def pb_map_entry(data):
    k = v = ""
    for num, _, val in pb_fields(data):
        if num == 1:
            k = val.decode()
        elif num == 2:
            v = val.decode()
    return k, v


def namespace_from_protobuf(body):
    """runtime.Unknown envelope ("k8s\\0") around a v1.Namespace."""
    if not body.startswith(b"k8s\x00"):
        raise ValueError("missing protobuf envelope")
    api_version = kind = ""
    raw = b""
    for num, _, val in pb_fields(body[4:]):
        if num == 1:
            for n2, _, v2 in pb_fields(val):
                if n2 == 1:
                    api_version = v2.decode()
                elif n2 == 2:
                    kind = v2.decode()
        elif num == 2:
            raw = val
    obj = {"kind": kind, "apiVersion": api_version, "metadata": {}}
    meta = obj["metadata"]
    for num, _, val in pb_fields(raw):
        if num != 1:
            continue
        for n2, _, v2 in pb_fields(val):
            if n2 == 1:
                meta["name"] = v2.decode()
            elif n2 == 2:
                meta["generateName"] = v2.decode()
            elif n2 in (11, 12):
                k, v = pb_map_entry(v2)
                meta.setdefault("labels" if n2 == 11 else "annotations",
                                {})[k] = v
    return obj


# --- the store -----------------------------------------------------------------

class Collection:
    """Objects of one resource, sorted by etcd key ("ns/name" or "name")."""

    def __init__(self):
        self.objects = {}
        self.keys = []

    def put(self, key, obj):
        if key not in self.objects:
            bisect.insort(self.keys, key)
        self.objects[key] = obj

    def remove(self, key):
        if key in self.objects:
            del self.objects[key]
            i = bisect.bisect_left(self.keys, key)
            del self.keys[i]

    def get(self, key):
        return self.objects.get(key)


class ServedResource:
    """A custom resource type, from an established CRD."""

    def __init__(self, crd):
        spec = crd["spec"]
        names = spec["names"]
        self.crd_name = crd["metadata"]["name"]
        self.group = spec["group"]
        self.plural = names["plural"]
        self.singular = names.get("singular") or names["kind"].lower()
        self.kind = names["kind"]
        self.list_kind = names.get("listKind") or self.kind + "List"
        self.short_names = names.get("shortNames") or []
        self.categories = names.get("categories") or []
        self.namespaced = spec.get("scope", "Namespaced") == "Namespaced"
        self.versions = {}
        for v in spec.get("versions", []):
            if v.get("served", True):
                self.versions[v["name"]] = v
        self.storage = next((v["name"] for v in spec.get("versions", [])
                             if v.get("storage")), None)

    def schema(self, version):
        v = self.versions.get(version) or {}
        return (v.get("schema") or {}).get("openAPIV3Schema")

    def has_status(self, version):
        v = self.versions.get(version) or {}
        return "status" in (v.get("subresources") or {})

    def columns(self, version):
        v = self.versions.get(version) or {}
        cols = v.get("additionalPrinterColumns")
        if cols:
            return cols
        return [{"name": "Age", "type": "date", "description": DESC_CREATED,
                 "jsonPath": ".metadata.creationTimestamp"}]

    def kind_qualified(self):
        return "%s.%s" % (self.kind, self.group)


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.rv = 1
        self.compacted = 0
        self.namespaces = Collection()
        self.crds = Collection()
        self.served = {}            # (group, plural) -> ServedResource
        self.data = {}              # (group, plural) -> Collection

    def next_rv(self):
        self.rv += 1
        return str(self.rv)

    def expire_continue(self):
        self.rv += 1
        self.compacted = self.rv
        return self.compacted

    def resource_by_gv(self, group, version):
        return [r for r in self.served.values()
                if r.group == group and version in r.versions]

    def groups(self):
        out = {}
        for r in sorted(self.served.values(), key=lambda r: r.crd_name):
            out.setdefault(r.group, [])
            for v in r.versions:
                if v not in out[r.group]:
                    out[r.group].append(v)
        return out

    def install_crd(self, crd):
        res = ServedResource(crd)
        key = (res.group, res.plural)
        self.served[key] = res
        self.data.setdefault(key, Collection())

    def uninstall_crd(self, crd):
        spec = crd.get("spec", {})
        key = (spec.get("group"), spec.get("names", {}).get("plural"))
        self.served.pop(key, None)
        self.data.pop(key, None)

    def remove_namespace_contents(self, ns):
        for coll in self.data.values():
            for key in [k for k in coll.keys if k.startswith(ns + "/")]:
                coll.remove(key)


def new_uid():
    return str(uuid.uuid4())


def version_info():
    return {"major": "1", "minor": "30", "gitVersion": GIT_VERSION,
            "gitCommit": "7c48c2bd72b9bf5c44d21d7338cc7bea77d0ad2a",
            "gitTreeState": "clean", "buildDate": "2024-04-17T17:27:03Z",
            "goVersion": "go1.22.2", "compiler": "gc",
            "platform": "linux/amd64"}


# --- requests ------------------------------------------------------------------

class Request:
    """One API request, after authentication."""

    def __init__(self, method, path, query, headers, body, user):
        self.method = method
        self.path = path
        self.q = {k: v[-1] for k, v in
                  urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        self.headers = headers
        self.body = body
        self.user = user
        self.warnings = []
        accept = headers.get("Accept", "") or ""
        self.table = bool(TABLE_ACCEPT.search(accept))
        self.pretty = self.q.get("pretty") in ("true", "1")
        self.dry_run = "dryRun" in self.q and self.q["dryRun"] != ""
        ua = headers.get("User-Agent", "") or "unknown"
        self.manager = (self.q.get("fieldManager") or ua.split("/")[0])[:128]
        fv = self.q.get("fieldValidation", "")
        if fv and fv not in ("Ignore", "Warn", "Strict"):
            raise bad_request("fieldValidation invalid value: %s" % fv)
        self.field_validation = fv or "Warn"

    def ctype(self):
        return (self.headers.get("Content-Type") or "").split(";")[0] \
            .strip().lower()

    def decode_body(self, allow_protobuf=False, what=None):
        ct = self.ctype()
        if ct in ("application/vnd.kubernetes.protobuf",) and allow_protobuf:
            try:
                return namespace_from_protobuf(self.body)
            except (ValueError, UnicodeDecodeError) as e:
                raise bad_request("unable to decode protobuf body: %s" % e)
        if ct in ("application/json", ""):
            try:
                obj = json.loads(self.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                raise bad_request("couldn't get version/kind; json parse "
                                  "error: %s" % e)
        elif ct in ("application/yaml", "application/x-yaml") and yaml:
            try:
                obj = yaml.safe_load(self.body.decode("utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError) as e:
                raise bad_request("error converting YAML to JSON: %s" % e)
        else:
            accepted = "application/json, application/yaml"
            if allow_protobuf:
                accepted += ", application/vnd.kubernetes.protobuf"
            raise ApiError(415, "UnsupportedMediaType", "the body of the "
                           "request was in an unknown format - accepted media "
                           "types include: " + accepted)
        if not isinstance(obj, dict):
            raise bad_request("Object 'Kind' is missing in '%s'"
                              % self.body.decode("utf-8", "replace")[:200])
        return obj

    def warn_unknown(self, unknown, what):
        if not unknown:
            return
        msgs = ['unknown field "%s"' % u for u in unknown]
        if self.field_validation == "Strict":
            raise bad_request("%s: strict decoding error: %s"
                              % (what, ", ".join(msgs)))
        if self.field_validation == "Warn":
            self.warnings.extend(msgs)


class Answer:
    def __init__(self, code, obj=None, raw=None, ctype="application/json",
                 sort=False):
        self.code = code
        self.obj = obj
        self.raw = raw
        self.ctype = ctype
        self.sort = sort


# --- the API ---------------------------------------------------------------------

class Api:
    def __init__(self, store, port, max_page=0):
        self.s = store
        self.port = port
        self.max_page = max_page
        self.list_rules = []        # /_control/list

    # discovery ------------------------------------------------------------

    def api_versions(self):
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0",
                     "serverAddress": "127.0.0.1:%d" % self.port}]}

    def core_resources(self):
        ns = {"name": "namespaces", "singularName": "namespace",
              "namespaced": False, "kind": "Namespace",
              "verbs": ["create", "delete", "get", "list", "patch", "update",
                        "watch"],
              "shortNames": ["ns"],
              "storageVersionHash": storage_version_hash("", "v1",
                                                         "Namespace")}
        sub = [{"name": "namespaces/" + s, "singularName": "",
                "namespaced": False, "kind": "Namespace", "verbs": verbs}
               for s, verbs in (("finalize", ["update"]),
                                ("status", ["get", "patch", "update"]))]
        return {"kind": "APIResourceList", "groupVersion": "v1",
                "resources": [ns] + sub}

    def group_entry(self, name, versions):
        vs = [{"groupVersion": "%s/%s" % (name, v), "version": v}
              for v in versions]
        return {"name": name, "versions": vs, "preferredVersion": vs[0]}

    def api_groups(self):
        groups = [self.group_entry("apiextensions.k8s.io", ["v1"])]
        for g, vs in self.s.groups().items():
            groups.append(self.group_entry(g, vs))
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def group(self, name):
        if name == "apiextensions.k8s.io":
            e = self.group_entry(name, ["v1"])
        else:
            vs = self.s.groups().get(name)
            if not vs:
                raise generic_error(404)
            e = self.group_entry(name, vs)
        return dict({"kind": "APIGroup", "apiVersion": "v1"}, **e)

    def crd_resources(self):
        r = {"name": "customresourcedefinitions",
             "singularName": "customresourcedefinition", "namespaced": False,
             "kind": "CustomResourceDefinition",
             "verbs": ["create", "delete", "deletecollection", "get", "list",
                       "patch", "update", "watch"],
             "shortNames": ["crd", "crds"], "categories": ["api-extensions"],
             "storageVersionHash": storage_version_hash(
                 "apiextensions.k8s.io", "v1", "CustomResourceDefinition")}
        st = {"name": "customresourcedefinitions/status", "singularName": "",
              "namespaced": False, "kind": "CustomResourceDefinition",
              "verbs": ["get", "patch", "update"]}
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": "apiextensions.k8s.io/v1",
                "resources": [r, st]}

    def gv_resources(self, group, version):
        found = self.s.resource_by_gv(group, version)
        if not found:
            raise generic_error(404)
        out = []
        for r in sorted(found, key=lambda r: r.plural):
            e = {"name": r.plural, "singularName": r.singular,
                 "namespaced": r.namespaced, "kind": r.kind,
                 "verbs": ["delete", "deletecollection", "get", "list",
                           "patch", "create", "update", "watch"]}
            if r.short_names:
                e["shortNames"] = r.short_names
            if r.categories:
                e["categories"] = r.categories
            e["storageVersionHash"] = storage_version_hash(
                r.group, r.storage or version, r.kind)
            out.append(e)
            if r.has_status(version):
                out.append({"name": r.plural + "/status", "singularName": "",
                            "namespaced": r.namespaced, "kind": r.kind,
                            "verbs": ["get", "patch", "update"]})
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": "%s/%s" % (group, version), "resources": out}

    # openapi v3 -------------------------------------------------------------

    def openapi_root(self):
        paths = {}
        for gv in self.openapi_gvs():
            doc = encode(self.openapi_doc(gv))
            h = hashlib.sha512(doc).hexdigest()[:128].upper()
            paths[gv] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s"
                         % (gv, h)}
        return {"paths": paths}

    def openapi_gvs(self):
        gvs = ["api/v1", "apis/apiextensions.k8s.io/v1"]
        for g, vs in self.s.groups().items():
            gvs.extend("apis/%s/%s" % (g, v) for v in vs)
        return gvs

    def openapi_doc(self, gv):
        parts = gv.split("/")
        if gv == "api/v1":
            kinds = [("", "v1", "Namespace", "namespaces", False,
                      "io.k8s.api.core.v1.Namespace", None)]
        elif gv == "apis/apiextensions.k8s.io/v1":
            kinds = [("apiextensions.k8s.io", "v1", "CustomResourceDefinition",
                      "customresourcedefinitions", False,
                      "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions."
                      "v1.CustomResourceDefinition", None)]
        elif len(parts) == 3 and parts[0] == "apis":
            found = self.s.resource_by_gv(parts[1], parts[2])
            if not found:
                raise generic_error(404)
            kinds = []
            for r in found:
                rev = ".".join(reversed(r.group.split(".")))
                kinds.append((r.group, parts[2], r.kind, r.plural,
                              r.namespaced, "%s.%s.%s" % (rev, parts[2],
                                                          r.kind),
                              r.schema(parts[2])))
        else:
            raise generic_error(404)
        return openapi_document(kinds)

    # lists and paging ------------------------------------------------------

    def list_page(self, coll, prefix, req, match, unfiltered):
        """The etcd3 store's GetList over keys under `prefix`."""
        limit = parse_int(req.q.get("limit", "0") or "0", "limit")
        cont = req.q.get("continue", "")
        rv_param = req.q.get("resourceVersion", "")
        if cont and rv_param not in ("", "0"):
            raise bad_request("specifying resource version is not allowed "
                              "when using continue")
        list_rv = self.s.rv
        start = prefix
        if cont:
            key, token_rv = decode_continue(cont, prefix)
            if 0 < token_rv < self.s.compacted:
                raise ApiError(410, "Expired", MSG_EXPIRED,
                               cont=encode_continue(key, prefix, -1))
            if token_rv > 0:
                list_rv = token_rv
            start = key
        elif rv_param == "0":
            limit = 0           # served from the watch cache: no paging
        if limit > 0 and self.max_page:
            limit = min(limit, self.max_page)
        i = bisect.bisect_left(coll.keys, start)
        items = []
        last = None
        more = False
        while i < len(coll.keys):
            key = coll.keys[i]
            if not key.startswith(prefix):
                break
            if limit > 0 and len(items) >= limit:
                more = True
                break
            last = key
            obj = coll.objects[key]
            if match(obj):
                items.append(obj)
            i += 1
        meta = {"resourceVersion": str(list_rv)}
        if more:
            meta["continue"] = encode_continue(last + "\x00", prefix, list_rv)
            if unfiltered:
                n = len(coll.keys) - i
                j = bisect.bisect_left(coll.keys, prefix + "\U0010ffff")
                meta["remainingItemCount"] = max(0, min(n, j - i))
        return items, meta


    def misbehave(self, req, items, meta, made_up):
        """Bend a list answer by the first /_control/list rule matching its
        path: (items, meta, page), page the whole answer if not None.
        made_up(name, rule's name, creationTimestamp) is one object made
        up for endless."""
        rule = next((r for r in self.list_rules
                     if r["regex"].search(req.path)), None)
        if rule is None:
            return items, meta, None
        if rule["page"] is not None:
            return items, meta, rule["page"]
        asked = req.q.get("continue", "")
        meta = dict(meta)
        if rule["endless"]:
            first = rule["served"] + 1
            rule["served"] += rule["endless"]
            names = ["hostile-%07d" % i for i in range(first,
                                                      rule["served"] + 1)]
            now = rfc3339()
            items = [made_up(n, rule["name"], now) for n in names]
            meta.pop("remainingItemCount", None)
            meta.pop("continue", None)
            if not rule["pages"] or \
                    rule["served"] < rule["pages"] * rule["endless"]:
                meta["continue"] = encode_continue(names[-1] + "\x00", "",
                                                   self.s.rv)
        if not asked:
            items = items + jcopy(rule["extra"])
        mode = rule["continue"]
        if mode == "repeat" and asked and meta.get("continue"):
            meta["continue"] = asked
        elif mode == "wrap" and not asked and meta.get("continue"):
            rule["first"] = meta["continue"]
        elif mode == "wrap" and asked and not meta.get("continue"):
            meta["continue"] = rule["first"]
        elif mode == "nul" and meta.get("continue"):
            meta["continue"] += "\x00" + meta["continue"]
        elif mode == "long" and meta.get("continue"):
            meta["continue"] += "A" * 3000
        elif mode == "number" and meta.get("continue"):
            meta["continue"] = 12345
        return items, meta, None


def made_up_uid(name):
    """A UID for a made-up object, cheaper than uuid4 (endless pages)."""
    return "00000000-0000-4000-8000-%012d" % int(name.rsplit("-", 1)[-1])


def parse_list_rule(spec):
    mode = spec.get("continue")
    if mode not in (None, "repeat", "wrap", "nul", "long", "number"):
        raise ValueError("unknown continue mode %r" % mode)
    rule = {"path": spec.get("path", ""),
            "regex": re.compile(spec.get("path", "")),
            "extra": spec.get("extra", []), "endless": int(spec.get("endless", 0)),
            "continue": mode, "page": spec.get("page"),
            "pages": int(spec.get("pages", 0)),
            "name": spec.get("name", "lease-gsc"), "served": 0, "first": None}
    if not isinstance(rule["extra"], list) or \
            not 0 <= rule["endless"] <= 100000 or rule["pages"] < 0:
        raise ValueError("extra must be a list, endless in 0..100000, "
                         "pages >= 0")
    return rule


def parse_int(text, what):
    try:
        v = int(text)
    except ValueError:
        raise bad_request("%s: invalid value %s" % (what, go_quote(text)))
    return v


def encode_continue(key, prefix, rv):
    tok = {"v": "meta.k8s.io/v1", "rv": rv, "start": key[len(prefix):]}
    raw = json.dumps(tok, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_continue(text, prefix):
    """storage.DecodeContinue."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        tok = json.loads(raw.decode())
    except (ValueError, UnicodeDecodeError, TypeError) as e:
        raise bad_request("invalid continue token: continue key is not "
                          "valid: %s" % e)
    if not isinstance(tok, dict) or tok.get("v") != "meta.k8s.io/v1":
        raise bad_request("invalid continue token: continue key is not valid: "
                          "server does not recognize this encoded version %s"
                          % (tok.get("v") if isinstance(tok, dict) else ""))
    rv = tok.get("rv")
    start = tok.get("start")
    if not isinstance(rv, int) or rv == 0:
        raise bad_request("invalid continue token: continue key is not valid: "
                          "incorrect encoded start resourceVersion (version "
                          "meta.k8s.io/v1)")
    if not isinstance(start, str) or not start:
        raise bad_request("invalid continue token: continue key is not valid: "
                          "encoded start key empty (version meta.k8s.io/v1)")
    key = start if start.startswith("/") else "/" + start
    if posixpath.normpath(key) != key or key.startswith("//"):
        raise bad_request("invalid continue token: continue key is not "
                          "valid: %s" % start)
    return prefix + key[1:], rv


def openapi_document(kinds):
    """A small OpenAPI v3 document: one schema and the item paths per kind."""
    schemas = {
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
            "type": "object",
            "properties": {
                "name": {"type": "string"}, "namespace": {"type": "string"},
                "generateName": {"type": "string"},
                "uid": {"type": "string"},
                "resourceVersion": {"type": "string"},
                "generation": {"type": "integer", "format": "int64"},
                "creationTimestamp": {"type": "string",
                                      "format": "date-time"},
                "labels": {"type": "object",
                           "additionalProperties": {"type": "string",
                                                    "default": ""}},
                "annotations": {"type": "object",
                                "additionalProperties": {"type": "string",
                                                         "default": ""}},
                "finalizers": {"type": "array",
                               "items": {"type": "string", "default": ""}},
            }},
    }
    paths = {}
    params = [{"name": n, "in": "query", "schema": {"type": "string",
                                                   "uniqueItems": True}}
              for n in ("dryRun", "fieldManager", "fieldValidation")]
    for group, version, kind, plural, namespaced, name, schema in kinds:
        gvk = {"group": group, "version": version, "kind": kind}
        body = jcopy(schema) if schema else {"type": "object"}
        body.setdefault("properties", {})
        body["properties"]["apiVersion"] = {"type": "string"}
        body["properties"]["kind"] = {"type": "string"}
        body["properties"]["metadata"] = {"allOf": [{"$ref": "#/components/"
            "schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]}
        if not schema and kind != "Namespace":
            body["x-kubernetes-preserve-unknown-fields"] = True
        body["x-kubernetes-group-version-kind"] = [gvk]
        schemas[name] = body
        base = "/api/%s" % version if not group else \
            "/apis/%s/%s" % (group, version)
        item = "%s%s/%s/{name}" % (base, "/namespaces/{namespace}"
                                   if namespaced else "", plural)
        ref = {"content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/" + name}}}, "description": "OK"}
        ops = {}
        for verb, action in (("get", "get"), ("put", "put"),
                             ("patch", "patch"), ("delete", "delete")):
            op = {"operationId": "%s%s" % (action, kind),
                  "responses": {"200": ref},
                  "x-kubernetes-action": action,
                  "x-kubernetes-group-version-kind": gvk}
            if verb in ("put", "patch"):
                op["parameters"] = params
            ops[verb] = op
        ops["parameters"] = [{"name": "name", "in": "path", "required": True,
                              "schema": {"type": "string",
                                         "uniqueItems": True}}]
        if namespaced:
            ops["parameters"].append({"name": "namespace", "in": "path",
                                      "required": True,
                                      "schema": {"type": "string",
                                                 "uniqueItems": True}})
        paths[item] = ops
    return {"openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": GIT_VERSION},
            "paths": paths, "components": {"schemas": schemas}}


# --- tables ------------------------------------------------------------------

def column(name, ctype, description, fmt="", priority=0):
    return {"name": name, "type": ctype, "format": fmt,
            "description": description, "priority": priority}


def jsonpath_find(obj, path):
    """The simple JSONPaths printer columns use: .a.b, [N], ['k']."""
    tokens = re.findall(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]",
                        path)
    cur = obj
    for name, index, q1, q2 in tokens:
        key = name or q1 or q2
        if index:
            if not isinstance(cur, list) or int(index) >= len(cur):
                return None
            cur = cur[int(index)]
        elif isinstance(cur, dict) and key in cur:
            cur = cur[key]
        else:
            return None
    return cur


def jsonpath_text(v):
    """client-go jsonpath's PrintResults for one value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(v, separators=(",", ":"), sort_keys=True)


def cell(ctype, v):
    """tableconvertor.cellForJSONValue."""
    if v is None:
        return None
    if ctype == "string":
        return jsonpath_text(v)
    if ctype == "integer" and isinstance(v, (int, float)) and \
            not isinstance(v, bool):
        return int(v)
    if ctype == "number" and isinstance(v, (int, float)) and \
            not isinstance(v, bool):
        return float(v)
    if ctype == "boolean" and isinstance(v, bool):
        return v
    if ctype == "date" and isinstance(v, str):
        t = parse_time(v)
        return "<invalid>" if t is None else human_duration(time.time() - t)
    return None


def table(columns, rows, list_meta, include):
    out = {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
           "metadata": list_meta, "columnDefinitions": columns, "rows": []}
    for cells, obj, api_version, kind in rows:
        row = {"cells": cells}
        if include == "Object":
            row["object"] = obj
        elif include != "None":
            row["object"] = {"kind": "PartialObjectMetadata",
                             "apiVersion": "meta.k8s.io/v1",
                             "metadata": typed_object({"metadata": obj.get(
                                 "metadata", {})})["metadata"]}
        out["rows"].append(row)
    return out


def include_object(req):
    inc = req.q.get("includeObject", "Metadata") or "Metadata"
    if inc not in ("None", "Metadata", "Object"):
        raise bad_request("includeObject: Unsupported value: %s" % go_quote(inc))
    return inc


# --- the resource handlers ------------------------------------------------------

NS_COLUMNS = [column("Name", "string", DESC_NAME, "name"),
              column("Status", "string", "The status of the namespace"),
              column("Age", "string", DESC_CREATED)]
CRD_COLUMNS = [column("Name", "string", DESC_NAME, "name"),
               column("Created At", "date", DESC_CREATED)]
NS_TOP = ("kind", "apiVersion", "metadata", "spec", "status")
CRD_SPEC = ("group", "names", "scope", "versions", "conversion",
            "preserveUnknownFields")
CRD_STATUS = ("conditions", "acceptedNames", "storedVersions")


def namespace_obj(obj):
    return typed_object(obj, ("finalizers",), ("phase", "conditions"))


def crd_obj(obj):
    return typed_object(obj, CRD_SPEC, CRD_STATUS)


def delete_options(req):
    if not req.body.strip():
        return {}
    try:
        opts = json.loads(req.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise bad_request("couldn't get version/kind; json parse error: %s"
                          % e)
    if not isinstance(opts, dict):
        raise bad_request("DeleteOptions must be an object")
    if opts.get("dryRun"):
        req.dry_run = True
    return opts


def check_preconditions(opts, obj, plural, group, name):
    pre = opts.get("preconditions") or {}
    meta = obj["metadata"]
    if pre.get("uid") and pre["uid"] != meta.get("uid"):
        raise conflict(plural, group, name, "Precondition failed: UID in "
                       "precondition: %s, UID in object meta: %s"
                       % (pre["uid"], meta.get("uid")))
    if pre.get("resourceVersion") and \
            pre["resourceVersion"] != meta.get("resourceVersion"):
        raise conflict(plural, group, name, "Precondition failed: "
                       "ResourceVersion in precondition: %s, ResourceVersion "
                       "in object meta: %s" % (pre["resourceVersion"],
                                               meta.get("resourceVersion")))


EVENTS_GROUP = "events.k8s.io"
EVENT_TYPES = ("Normal", "Warning")


class _EventsResource:
    """What check_namespace needs to know of events.k8s.io events."""
    namespaced = True
    plural = "events"
    group = EVENTS_GROUP


EVENTS_RESOURCE = _EventsResource()


def event_errors(obj, ns):
    """k8s.io/kubernetes/pkg/apis/core/validation ValidateEventCreate,
    for a request in events.k8s.io/v1."""
    errs = []

    def req_str(field, limit):
        v = obj.get(field)
        if not isinstance(v, str) or not v:
            errs.append(FieldError("FieldValueRequired", field, None, ""))
        elif len(v) > limit:
            errs.append(FieldError("FieldValueTooLong", field, None,
                                   "must have at most %d bytes" % limit))
    t = obj.get("eventTime")
    if not isinstance(t, str) or not RFC3339.match(t):
        errs.append(FieldError("FieldValueRequired", "eventTime", None, ""))
    reg = obj.get("regarding") or {}
    if reg.get("namespace") and reg["namespace"] != ns:
        errs.append(FieldError("FieldValueInvalid", "regarding.namespace",
                               reg["namespace"],
                               "does not match event.namespace"))
    series = obj.get("series")
    if series is not None and (not isinstance(series, dict) or
                               int(series.get("count", 0)) < 2):
        errs.append(FieldError("FieldValueInvalid", "series.count",
                               (series or {}).get("count"),
                               "should be at least 2"))
    rc = obj.get("reportingController")
    req_str("reportingController", 316)
    if isinstance(rc, str) and rc and not QUALIFIED_NAME.match(
            rc.split("/")[-1]):
        errs.append(FieldError("FieldValueInvalid", "reportingController",
                               rc, "name part must consist of alphanumeric "
                               "characters, '-', '_' or '.'"))
    req_str("reportingInstance", 128)
    req_str("action", 128)
    req_str("reason", 128)
    if obj.get("type") not in EVENT_TYPES:
        errs.append(FieldError("FieldValueNotSupported", "type",
                               obj.get("type"), "supported values: "
                               "\"Normal\", \"Warning\""))
    note = obj.get("note")
    if isinstance(note, str) and len(note.encode()) > 1024:
        errs.append(FieldError("FieldValueTooLong", "note", None,
                               "must have at most 1024 bytes"))
    return errs


def check_name_ns(obj, name, ns):
    """The handlers' checkName: fill name/namespace, or refuse a mismatch."""
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise bad_request("metadata must be an object")
    if name is not None:
        if not meta.get("name"):
            meta["name"] = name
        elif meta["name"] != name:
            raise bad_request("the name of the object (%s) does not match the "
                              "name on the URL (%s)" % (meta["name"], name))
    if ns is not None:
        if not meta.get("namespace"):
            meta["namespace"] = ns
        elif meta["namespace"] != ns:
            raise bad_request("the namespace of the provided object does not "
                              "match the namespace sent on the request")


def generate_name(meta):
    if not meta.get("name") and meta.get("generateName"):
        alphabet = "bcdfghjklmnpqrstvwxz2456789"
        meta["name"] = meta["generateName"] + "".join(
            secrets.choice(alphabet) for _ in range(5))


def name_errors(meta, label):
    name = meta.get("name")
    if not name:
        return [FieldError("FieldValueRequired", "metadata.name", None,
                           "name or generateName is required")]
    if not isinstance(name, str):
        return [FieldError("FieldValueInvalid", "metadata.name", name,
                           "must be a string")]
    limit = 63 if label else CR_NAME_MAX
    rx = DNS1123_LABEL if label else DNS1123_SUBDOMAIN
    errs = []
    if len(name) > limit:
        errs.append(FieldError("FieldValueInvalid", "metadata.name", name,
                               "must be no more than %d characters" % limit))
    if not rx.match(name):
        errs.append(FieldError("FieldValueInvalid", "metadata.name", name,
                               MSG_LABEL if label else MSG_SUBDOMAIN))
    return errs


def patch_body(req, current, custom):
    """Apply a PATCH request body to `current`; returns the new object."""
    ct = req.ctype()
    try:
        text = req.body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise bad_request(str(e))
    if ct == "application/apply-patch+yaml":
        if not req.q.get("fieldManager"):
            raise bad_request("PATCH requests with apply-patch+yaml content "
                              "type must have a fieldManager query "
                              "parameter")
        try:
            patch = yaml.safe_load(text) if yaml else json.loads(text)
        except Exception as e:     # yaml.YAMLError or ValueError
            raise bad_request("error decoding YAML: %s" % e)
        if not isinstance(patch, dict):
            raise bad_request("apply patch must be an object")
        return merge_patch(current or {}, patch)
    if current is None:
        return None
    if ct not in ("application/merge-patch+json", "application/json-patch+json",
                  "application/strategic-merge-patch+json") or \
            (custom and ct == "application/strategic-merge-patch+json"):
        types = "application/json-patch+json, application/merge-patch+json, " \
            "application/apply-patch+yaml"
        if not custom:
            types += ", application/strategic-merge-patch+json"
        raise ApiError(415, "UnsupportedMediaType", "the body of the request "
                       "was in an unknown format - accepted media types "
                       "include: " + types)
    try:
        patch = json.loads(text)
    except ValueError as e:
        raise bad_request(str(e))
    if ct == "application/json-patch+json":
        try:
            return json_patch(current, patch)
        except ValueError as e:
            raise bad_request(str(e))
        except PatchError:
            raise ApiError(422, "Invalid", GENERIC[422][1], {})
    if not isinstance(patch, dict):
        raise bad_request("json: cannot unmarshal %s into Go value of type "
                          "map[string]interface {}" % json_type(patch))
    if ct == "application/strategic-merge-patch+json":
        patch = strategic_as_merge(patch)
    return merge_patch(current, patch)


class KubeApi(Api):
    """Namespaces, CRDs and custom resources."""

    # -- namespaces ------------------------------------------------------

    def ns_list(self, req):
        sel = Selector(req.q.get("labelSelector", ""))
        fs = FieldSelector(req.q.get("fieldSelector", ""), False)

        def match(o):
            return sel.matches(o["metadata"].get("labels")) and \
                fs.matches(o["metadata"])
        items, meta = self.list_page(self.s.namespaces, "", req, match,
                                     sel.empty and fs.empty)
        if req.table:
            inc = include_object(req)
            rows = [([o["metadata"]["name"], o["status"].get("phase", ""),
                      age_of(o["metadata"])], namespace_obj(o), "v1",
                     "Namespace") for o in items]
            return Answer(200, table(NS_COLUMNS, rows, meta, inc))
        out = []
        for o in items:
            o = namespace_obj(o)
            del o["kind"], o["apiVersion"]
            out.append(o)
        out, meta, page = self.misbehave(req, out, meta, lambda n, _, t: {
            "metadata": {"name": n, "uid": made_up_uid(n),
                         "resourceVersion": str(self.s.rv),
                         "creationTimestamp": t,
                         "labels": {"kubernetes.io/metadata.name": n}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"}})
        if page is not None:
            return Answer(200, page)
        return Answer(200, {"kind": "NamespaceList", "apiVersion": "v1",
                            "metadata": meta, "items": out})

    def ns_existing(self, name):
        o = self.s.namespaces.get(name)
        if o is None:
            raise not_found("namespaces", "", name)
        return o

    def ns_answer(self, req, code, o):
        o = namespace_obj(o)
        if req.table:
            return Answer(code, table(NS_COLUMNS, [(
                [o["metadata"]["name"], o["status"].get("phase", ""),
                 age_of(o["metadata"])], o, "v1", "Namespace")],
                {"resourceVersion": o["metadata"]["resourceVersion"]},
                include_object(req)))
        return Answer(code, o)

    def ns_get(self, req, name):
        return self.ns_answer(req, 200, self.ns_existing(name))

    def ns_clean_body(self, req, obj):
        unknown = []
        for k in list(obj):
            if k not in NS_TOP:
                unknown.append(k)
                del obj[k]
        if obj.get("kind") not in (None, "Namespace") or \
                obj.get("apiVersion") not in (None, "v1"):
            raise bad_request("the API version in the data (%s) does not "
                              "match the expected API version (v1)"
                              % obj.get("apiVersion"))
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            raise bad_request("Object 'metadata' is missing or not an object")
        meta_unknown(meta, unknown)
        for part, keys in (("spec", ("finalizers",)),
                           ("status", ("phase", "conditions"))):
            if isinstance(obj.get(part), dict):
                for k in list(obj[part]):
                    if k not in keys:
                        unknown.append("%s.%s" % (part, k))
                        del obj[part][k]
        req.warn_unknown(unknown, 'Namespace in version "v1" cannot be '
                         'handled as a Namespace')

    def ns_create(self, req):
        obj = req.decode_body(allow_protobuf=True)
        self.ns_clean_body(req, obj)
        meta = obj["metadata"]
        generate_name(meta)
        meta.pop("namespace", None)
        errs = name_errors(meta, True)
        validate_labels(meta, errs)
        if errs:
            raise invalid("Namespace", "", "Namespace", meta.get("name") or "",
                          errs)
        name = meta["name"]
        if self.s.namespaces.get(name) is not None:
            raise already_exists("namespaces", "", name)
        fin = list((obj.get("spec") or {}).get("finalizers") or [])
        if "kubernetes" not in fin:
            fin.append("kubernetes")
        o = self.new_namespace(name, meta.get("labels"),
                               meta.get("annotations"), req.manager, fin)
        if not req.dry_run:
            self.s.namespaces.put(name, o)
        return self.ns_answer(req, 201, o)

    def new_namespace(self, name, labels=None, annotations=None,
                      manager="kube-server", finalizers=("kubernetes",)):
        meta = {"name": name, "uid": new_uid(),
                "resourceVersion": self.s.next_rv(),
                "creationTimestamp": rfc3339(),
                "labels": dict(labels or {},
                               **{"kubernetes.io/metadata.name": name})}
        if annotations:
            meta["annotations"] = dict(annotations)
        o = {"kind": "Namespace", "apiVersion": "v1", "metadata": meta,
             "spec": {"finalizers": list(finalizers)},
             "status": {"phase": "Active"}}
        meta["managedFields"] = update_managed([], manager, "Update", "v1",
                                               o, None)
        return o

    def ns_update(self, req, name, sub, body=None):
        old = self.ns_existing(name)
        obj = body if body is not None else req.decode_body()
        self.ns_clean_body(req, obj)
        check_name_ns(obj, name, None)
        obj["metadata"].pop("namespace", None)
        rv = obj["metadata"].get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise conflict("namespaces", "", name)
        new = jcopy(old)
        if sub == "status":
            new["status"] = obj.get("status") or {}
        else:
            meta = obj["metadata"]
            errs = []
            validate_labels(meta, errs)
            if errs:
                raise invalid("Namespace", "", "Namespace", name, errs)
            for k in ("labels", "annotations", "ownerReferences"):
                if meta.get(k):
                    new["metadata"][k] = meta[k]
                else:
                    new["metadata"].pop(k, None)
            new["metadata"].setdefault("labels", {})[
                "kubernetes.io/metadata.name"] = name
        return self.commit(req, self.s.namespaces, name, old, new, "v1", sub,
                           lambda o: self.ns_answer(req, 200, o))

    def ns_patch(self, req, name, sub):
        old = self.ns_existing(name)
        new = patch_body(req, namespace_obj(jcopy(old)), False)
        self.patch_rv_check(new, old, "namespaces", "", name)
        return self.ns_update(req, name, sub, new)

    def ns_delete(self, req, name):
        old = self.ns_existing(name)
        opts = delete_options(req)
        check_preconditions(opts, old, "namespaces", "", name)
        if name in UNDELETABLE:
            raise forbidden("namespaces", "", name,
                            "this namespace may not be deleted")
        if old["metadata"].get("deletionTimestamp"):
            raise conflict("namespaces", "", name, "The system is ensuring "
                           "all content is removed from this namespace.  Upon "
                           "completion, this namespace will automatically be "
                           "purged by the system.")
        o = self.terminating(old)
        if not req.dry_run:
            self.s.namespaces.remove(name)
            self.s.remove_namespace_contents(name)
        return self.ns_answer(req, 200, o)

    def terminating(self, old):
        o = jcopy(old)
        o["metadata"]["deletionTimestamp"] = rfc3339()
        o["metadata"]["resourceVersion"] = self.s.next_rv()
        o["status"] = {"phase": "Terminating"}
        return o

    # -- writes shared by every kind -----------------------------------------

    def patch_rv_check(self, new, old, plural, group, name):
        meta = new.get("metadata") if isinstance(new, dict) else None
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        rv = meta.get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise conflict(plural, group, name)
        meta["resourceVersion"] = old["metadata"]["resourceVersion"]

    def commit(self, req, coll, key, old, new, api_version, sub, answer):
        """Store `new` unless nothing changed (then keep the old RV)."""
        a = jcopy(old)
        b = jcopy(new)
        for o in (a, b):
            o["metadata"].pop("managedFields", None)
            o["metadata"].pop("resourceVersion", None)
        if deep_equal(a, b):
            return answer(old)
        new["metadata"]["managedFields"] = update_managed(
            old["metadata"].get("managedFields"), req.manager, "Update",
            api_version, new, sub)
        new["metadata"]["resourceVersion"] = str(self.s.rv + 1)
        if not req.dry_run:
            self.s.next_rv()
            if new["metadata"].get("deletionTimestamp") and \
                    not new["metadata"].get("finalizers"):
                coll.remove(key)
            else:
                coll.put(key, new)
        return answer(new)

    # -- CRDs ---------------------------------------------------------------

    def crd_list(self, req):
        sel = Selector(req.q.get("labelSelector", ""))
        fs = FieldSelector(req.q.get("fieldSelector", ""), False)

        def match(o):
            return sel.matches(o["metadata"].get("labels")) and \
                fs.matches(o["metadata"])
        items, meta = self.list_page(self.s.crds, "", req, match,
                                     sel.empty and fs.empty)
        if req.table:
            rows = [([o["metadata"]["name"], o["metadata"]["creationTimestamp"]],
                     crd_obj(o), "", "") for o in items]
            return Answer(200, table(CRD_COLUMNS, rows, meta,
                                     include_object(req)))
        out = []
        for o in items:
            o = crd_obj(o)
            del o["kind"], o["apiVersion"]
            out.append(o)
        return Answer(200, {"kind": "CustomResourceDefinitionList",
                            "apiVersion": "apiextensions.k8s.io/v1",
                            "metadata": meta, "items": out})

    def crd_existing(self, name):
        o = self.s.crds.get(name)
        if o is None:
            raise not_found("customresourcedefinitions",
                            "apiextensions.k8s.io", name)
        return o

    def crd_answer(self, req, code, o):
        o = crd_obj(o)
        if req.table:
            return Answer(code, table(CRD_COLUMNS, [(
                [o["metadata"]["name"], o["metadata"]["creationTimestamp"]],
                o, "", "")], {"resourceVersion": o["metadata"][
                    "resourceVersion"]}, include_object(req)))
        return Answer(code, o)

    def crd_validate(self, obj, old=None):
        name = obj["metadata"].get("name") or ""
        spec = obj.get("spec")
        errs = []
        if not isinstance(spec, dict):
            errs.append(FieldError("FieldValueRequired", "spec"))
            raise invalid("CustomResourceDefinition.apiextensions.k8s.io",
                          "apiextensions.k8s.io", "CustomResourceDefinition",
                          name, errs)
        group = spec.get("group") or ""
        names = spec.get("names") if isinstance(spec.get("names"), dict) \
            else {}
        plural = names.get("plural") or ""
        if not group:
            errs.append(FieldError("FieldValueRequired", "spec.group"))
        elif "." not in group:
            errs.append(FieldError("FieldValueInvalid", "spec.group", group,
                                   "should be a domain with at least one dot"))
        if not plural:
            errs.append(FieldError("FieldValueRequired", "spec.names.plural"))
        if not names.get("kind"):
            errs.append(FieldError("FieldValueRequired", "spec.names.kind"))
        if name != "%s.%s" % (plural, group):
            errs.append(FieldError("FieldValueInvalid", "metadata.name", name,
                                   'must be spec.names.plural+"."+spec.group'))
        if spec.get("scope") not in ("Namespaced", "Cluster"):
            errs.append(FieldError("FieldValueNotSupported", "spec.scope",
                                   spec.get("scope"), 'supported values: '
                                   '"Cluster", "Namespaced"'))
        versions = spec.get("versions")
        if not isinstance(versions, list) or not versions:
            errs.append(FieldError("FieldValueInvalid", "spec.versions",
                                   versions, "must have exactly one version "
                                   "marked as storage version"))
        else:
            if sum(1 for v in versions if isinstance(v, dict) and
                   v.get("storage")) != 1:
                errs.append(FieldError("FieldValueInvalid", "spec.versions",
                                       None, "must have exactly one version "
                                       "marked as storage version",
                                       raw_value="[]apiextensions."
                                       "CustomResourceDefinitionVersion{...}"))
            for i, v in enumerate(versions):
                if not isinstance(v, dict) or not v.get("name"):
                    errs.append(FieldError("FieldValueRequired",
                                           "spec.versions[%d].name" % i))
                elif not (v.get("schema") or {}).get("openAPIV3Schema"):
                    errs.append(FieldError(
                        "FieldValueRequired",
                        "spec.versions[%d].schema.openAPIV3Schema" % i, None,
                        "schemas are required"))
        if old is not None:
            for path in (("spec", "group"), ("spec", "scope")):
                if obj["spec"].get(path[1]) != old["spec"].get(path[1]):
                    errs.append(FieldError("FieldValueInvalid", ".".join(path),
                                           obj["spec"].get(path[1]),
                                           "field is immutable"))
        validate_labels(obj["metadata"], errs)
        if errs:
            raise invalid("CustomResourceDefinition.apiextensions.k8s.io",
                          "apiextensions.k8s.io", "CustomResourceDefinition",
                          name, errs)

    def crd_defaults(self, obj):
        spec = obj["spec"]
        names = spec["names"]
        names.setdefault("singular", names["kind"].lower())
        names.setdefault("listKind", names["kind"] + "List")
        spec.setdefault("conversion", {"strategy": "None"})
        now = rfc3339()
        accepted = {k: names[k] for k in ("plural", "singular", "shortNames",
                                          "kind", "listKind", "categories")
                    if k in names}
        obj["status"] = {
            "conditions": [
                {"type": "NamesAccepted", "status": "True",
                 "lastTransitionTime": now, "reason": "NoConflicts",
                 "message": "no conflicts found"},
                {"type": "Established", "status": "True",
                 "lastTransitionTime": now, "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted"}],
            "acceptedNames": accepted,
            "storedVersions": [v["name"] for v in spec["versions"]
                               if v.get("storage")]}

    def crd_clean(self, req, obj):
        if obj.get("kind") not in (None, "CustomResourceDefinition") or \
                obj.get("apiVersion") not in (None, "apiextensions.k8s.io/v1"):
            raise bad_request("the API version in the data (%s) does not "
                              "match the expected API version "
                              "(apiextensions.k8s.io/v1)"
                              % obj.get("apiVersion"))
        unknown = []
        for k in list(obj):
            if k not in NS_TOP:
                unknown.append(k)
                del obj[k]
        if not isinstance(obj.get("metadata"), dict):
            raise bad_request("Object 'metadata' is missing or not an object")
        meta_unknown(obj["metadata"], unknown)
        req.warn_unknown(unknown, 'CustomResourceDefinition in version "v1" '
                         'cannot be handled as a CustomResourceDefinition')
        obj["kind"] = "CustomResourceDefinition"
        obj["apiVersion"] = "apiextensions.k8s.io/v1"

    def crd_create(self, req, obj=None):
        obj = obj if obj is not None else req.decode_body()
        self.crd_clean(req, obj)
        meta = obj["metadata"]
        generate_name(meta)
        self.crd_validate(obj)
        name = meta["name"]
        if self.s.crds.get(name) is not None:
            raise already_exists("customresourcedefinitions",
                                 "apiextensions.k8s.io", name)
        self.crd_defaults(obj)
        keep = {k: meta[k] for k in ("name", "labels", "annotations")
                if meta.get(k)}
        keep.update({"uid": new_uid(), "resourceVersion": self.s.next_rv(),
                     "generation": 1, "creationTimestamp": rfc3339()})
        obj["metadata"] = keep
        keep["managedFields"] = update_managed(
            [], req.manager, "Update", "apiextensions.k8s.io/v1", obj, None)
        if not req.dry_run:
            self.s.crds.put(name, obj)
            self.s.install_crd(obj)
        return self.crd_answer(req, 201, obj)

    def crd_update(self, req, name, sub, body=None):
        old = self.crd_existing(name)
        obj = body if body is not None else req.decode_body()
        self.crd_clean(req, obj)
        check_name_ns(obj, name, None)
        rv = obj["metadata"].get("resourceVersion")
        if not rv:
            raise invalid("customresourcedefinitions.apiextensions.k8s.io",
                          "apiextensions.k8s.io", "customresourcedefinitions",
                          name, [FieldError("FieldValueInvalid",
                                            "metadata.resourceVersion", None,
                                            "must be specified for an update",
                                            raw_value="0x0")])
        if rv != old["metadata"]["resourceVersion"]:
            raise conflict("customresourcedefinitions",
                           "apiextensions.k8s.io", name)
        new = jcopy(old)
        if sub == "status":
            new["status"] = obj.get("status") or {}
        else:
            self.crd_validate(obj, old)
            new["spec"] = obj["spec"]
            for k in ("labels", "annotations", "finalizers"):
                if obj["metadata"].get(k):
                    new["metadata"][k] = obj["metadata"][k]
                else:
                    new["metadata"].pop(k, None)
            if not deep_equal(new["spec"], old["spec"]):
                new["metadata"]["generation"] = \
                    old["metadata"].get("generation", 1) + 1
                self.crd_defaults(new)

        def done(o):
            if o is new and not req.dry_run and self.s.crds.get(name):
                self.s.install_crd(o)
            return self.crd_answer(req, 200, o)
        return self.commit(req, self.s.crds, name, old, new,
                           "apiextensions.k8s.io/v1", sub, done)

    def crd_patch(self, req, name, sub):
        old = self.s.crds.get(name)
        new = patch_body(req, crd_obj(jcopy(old)) if old else None,
                         False)
        if old is None:
            if new is None:
                raise not_found("customresourcedefinitions",
                                "apiextensions.k8s.io", name)
            check_name_ns(new, name, None)
            return self.crd_create(req, new)
        self.patch_rv_check(new, old, "customresourcedefinitions",
                            "apiextensions.k8s.io", name)
        return self.crd_update(req, name, sub, new)

    def crd_delete(self, req, name):
        old = self.crd_existing(name)
        opts = delete_options(req)
        check_preconditions(opts, old, "customresourcedefinitions",
                            "apiextensions.k8s.io", name)
        o = jcopy(old)
        o["metadata"]["deletionTimestamp"] = rfc3339()
        o["metadata"]["resourceVersion"] = self.s.next_rv()
        o["metadata"]["finalizers"] = [
            "customresourcecleanup.apiextensions.k8s.io"]
        if not req.dry_run:
            self.s.crds.remove(name)
            self.s.uninstall_crd(old)
        return self.crd_answer(req, 200, o)

    # -- custom resources ---------------------------------------------------

    def cr_list(self, req, r, version, ns):
        sel = Selector(req.q.get("labelSelector", ""))
        fs = FieldSelector(req.q.get("fieldSelector", ""), r.namespaced)

        def match(o):
            return sel.matches(o["metadata"].get("labels")) and \
                fs.matches(o["metadata"])
        prefix = ns + "/" if ns else ""
        items, meta = self.list_page(self.s.data[(r.group, r.plural)], prefix,
                                     req, match, sel.empty and fs.empty)
        items = [self.cr_view(o, r, version) for o in items]
        if not req.table:
            items, meta, page = self.misbehave(req, items, meta,
                                               self.made_up_cr(r, version))
            if page is not None:
                return Answer(200, page)
        if req.table:
            return Answer(200, self.cr_table(req, r, version, items, meta))
        return Answer(200, {"apiVersion": "%s/%s" % (r.group, version),
                            "items": items, "kind": r.list_kind,
                            "metadata": meta}, sort=True)

    def made_up_cr(self, r, version):
        def made_up(ns, name, t):
            return {"apiVersion": "%s/%s" % (r.group, version),
                    "kind": r.kind,
                    "metadata": {"name": name, "namespace": ns,
                                 "uid": made_up_uid(ns),
                                 "resourceVersion": str(self.s.rv),
                                 "generation": 1,
                                 "creationTimestamp": t},
                    "spec": {"holderIdentity": "elsewhere",
                             "leaseDurationSeconds": 60}}
        return made_up

    def cr_view(self, o, r, version):
        o = dict(o)
        o["apiVersion"] = "%s/%s" % (r.group, version)
        return o

    def cr_table(self, req, r, version, items, meta):
        cols = r.columns(version)
        defs = [column("Name", "string", DESC_NAME, "name")]
        for c in cols:
            defs.append(column(c["name"], c["type"], c.get("description") or
                               "Custom resource definition column (in "
                               "JSONPath format): %s" % c["jsonPath"],
                               c.get("format", ""), c.get("priority", 0)))
        rows = []
        for o in items:
            cells = [o["metadata"]["name"]]
            for c in cols:
                cells.append(cell(c["type"], jsonpath_find(o, c["jsonPath"])))
            rows.append((cells, o, o["apiVersion"], r.kind))
        return table(defs, rows, meta, include_object(req))

    def cr_key(self, r, ns, name):
        return "%s/%s" % (ns, name) if r.namespaced else name

    def cr_existing(self, r, ns, name):
        o = self.s.data[(r.group, r.plural)].get(self.cr_key(r, ns, name))
        if o is None:
            raise not_found(r.plural, r.group, name)
        return o

    def cr_answer(self, req, r, version, code, o):
        o = self.cr_view(o, r, version)
        if req.table:
            return Answer(code, self.cr_table(req, r, version, [o], {
                "resourceVersion": o["metadata"]["resourceVersion"]}))
        return Answer(code, o, sort=True)

    def cr_get(self, req, r, version, ns, name):
        return self.cr_answer(req, r, version, 200,
                              self.cr_existing(r, ns, name))

    def cr_check_type(self, obj, r, version):
        gv = "%s/%s" % (r.group, version)
        if not obj.get("kind"):
            raise bad_request("Object 'Kind' is missing in '%s'"
                              % json.dumps(obj, separators=(",", ":"))[:500])
        if obj.get("apiVersion") != gv:
            raise bad_request("the API version in the data (%s) does not "
                              "match the expected API version (%s)"
                              % (obj.get("apiVersion"), gv))
        if obj["kind"] != r.kind:
            raise bad_request("the kind in the data (%s) does not match the "
                              "expected kind (%s)" % (obj["kind"], r.kind))

    def check_namespace(self, r, ns, name, creating):
        """The NamespaceLifecycle admission plugin."""
        if not r.namespaced:
            return
        o = self.s.namespaces.get(ns)
        if o is None:
            raise not_found("namespaces", "", ns)
        if creating and o["status"].get("phase") == "Terminating":
            e = forbidden(r.plural, r.group, name, "unable to create new "
                          "content in namespace %s because it is being "
                          "terminated" % ns)
            e.details["causes"] = [{
                "reason": "NamespaceTerminating",
                "message": "namespace %s is being terminated" % ns,
                "field": "metadata.namespace"}]
            raise e

    def cr_clean(self, req, obj, r, version):
        """Prune unknown fields (warnings), then validate (422)."""
        unknown = []
        meta_unknown(obj["metadata"], unknown)
        schema = r.schema(version)
        pruned = prune(obj, schema, [], unknown, root=True)
        obj.clear()
        obj.update(pruned)
        req.warn_unknown(unknown, "%s.%s" % (r.kind, r.group))
        errs = name_errors(obj["metadata"], False)
        validate_labels(obj["metadata"], errs)
        body = {k: v for k, v in obj.items()
                if k not in ("apiVersion", "kind", "metadata")}
        if schema:
            sch = dict(schema)
            sch["required"] = [k for k in schema.get("required", [])
                               if k not in ("apiVersion", "kind", "metadata")]
            validate(body, sch, [], errs)
        if errs:
            raise invalid(r.kind_qualified(), r.group, r.kind,
                          obj["metadata"].get("name") or "", errs)

    def cr_create(self, req, r, version, ns, obj=None):
        obj = obj if obj is not None else req.decode_body()
        self.cr_check_type(obj, r, version)
        check_name_ns(obj, None, ns if r.namespaced else None)
        meta = obj["metadata"]
        if not r.namespaced:
            meta.pop("namespace", None)
        generate_name(meta)
        self.check_namespace(r, ns, meta.get("name") or "", True)
        if r.has_status(version):
            obj.pop("status", None)
        self.cr_clean(req, obj, r, version)
        name = meta["name"]
        coll = self.s.data[(r.group, r.plural)]
        key = self.cr_key(r, ns, name)
        if coll.get(key) is not None:
            raise already_exists(r.plural, r.group, name)
        keep = {k: meta[k] for k in ("name", "labels", "annotations",
                                     "finalizers", "ownerReferences")
                if meta.get(k)}
        if r.namespaced:
            keep["namespace"] = ns
        keep.update({"uid": new_uid(), "resourceVersion": self.s.next_rv(),
                     "generation": 1, "creationTimestamp": rfc3339()})
        obj["metadata"] = keep
        obj["apiVersion"] = "%s/%s" % (r.group, r.storage or version)
        keep["managedFields"] = update_managed(
            [], req.manager, "Update", "%s/%s" % (r.group, version), obj,
            None)
        if not req.dry_run:
            coll.put(key, obj)
        return self.cr_answer(req, r, version, 201, obj)

    def cr_update(self, req, r, version, ns, name, sub, body=None):
        old = self.cr_existing(r, ns, name)
        obj = body if body is not None else req.decode_body()
        self.cr_check_type(obj, r, version)
        check_name_ns(obj, name, ns if r.namespaced else None)
        rv = obj["metadata"].get("resourceVersion")
        if not rv:
            raise invalid(qualified(r.plural, r.group), r.group, r.plural,
                          name, [FieldError("FieldValueInvalid",
                                            "metadata.resourceVersion", None,
                                            "must be specified for an update",
                                            raw_value="0x0")])
        if rv != old["metadata"]["resourceVersion"]:
            raise conflict(r.plural, r.group, name)
        new = jcopy(old)
        if sub == "status":
            if "status" in obj:
                new["status"] = obj["status"]
            else:
                new.pop("status", None)
        else:
            status = old.get("status")
            for k in [k for k in new if k not in ("apiVersion", "kind",
                                                  "metadata")]:
                del new[k]
            for k, v in obj.items():
                if k not in ("apiVersion", "kind", "metadata"):
                    new[k] = jcopy(v)
            if r.has_status(version):
                new.pop("status", None)
                if status is not None:
                    new["status"] = status
            for k in ("labels", "annotations", "finalizers",
                      "ownerReferences"):
                if obj["metadata"].get(k):
                    new["metadata"][k] = obj["metadata"][k]
                else:
                    new["metadata"].pop(k, None)
        self.cr_clean(req, new, r, version)
        if sub != "status":
            spec_old = {k: v for k, v in old.items()
                        if k not in ("apiVersion", "kind", "metadata",
                                     "status")}
            spec_new = {k: v for k, v in new.items()
                        if k not in ("apiVersion", "kind", "metadata",
                                     "status")}
            if not deep_equal(spec_old, spec_new):
                new["metadata"]["generation"] = \
                    old["metadata"].get("generation", 1) + 1
        return self.commit(req, self.s.data[(r.group, r.plural)],
                           self.cr_key(r, ns, name), old, new,
                           "%s/%s" % (r.group, version), sub,
                           lambda o: self.cr_answer(req, r, version, 200, o))

    def cr_patch(self, req, r, version, ns, name, sub):
        coll = self.s.data[(r.group, r.plural)]
        old = coll.get(self.cr_key(r, ns, name))
        current = self.cr_view(jcopy(old), r, version) if old \
            else None
        new = patch_body(req, current, True)
        if old is None:
            if new is None or sub:
                raise not_found(r.plural, r.group, name)
            check_name_ns(new, name, ns if r.namespaced else None)
            return self.cr_create(req, r, version, ns, new)
        self.patch_rv_check(new, old, r.plural, r.group, name)
        return self.cr_update(req, r, version, ns, name, sub, new)

    def cr_delete(self, req, r, version, ns, name):
        old = self.cr_existing(r, ns, name)
        opts = delete_options(req)
        check_preconditions(opts, old, r.plural, r.group, name)
        coll = self.s.data[(r.group, r.plural)]
        key = self.cr_key(r, ns, name)
        if old["metadata"].get("finalizers"):
            o = jcopy(old)
            if not o["metadata"].get("deletionTimestamp"):
                o["metadata"]["deletionTimestamp"] = rfc3339()
                o["metadata"]["deletionGracePeriodSeconds"] = 0
                o["metadata"]["generation"] = \
                    o["metadata"].get("generation", 1) + 1
                o["metadata"]["resourceVersion"] = self.s.next_rv()
                if not req.dry_run:
                    coll.put(key, o)
            return self.cr_answer(req, r, version, 200, o)
        if not req.dry_run:
            coll.remove(key)
        return Answer(200, {"kind": "Status", "apiVersion": "v1",
                            "metadata": {}, "status": "Success",
                            "details": {"name": name, "group": r.group,
                                        "kind": r.plural,
                                        "uid": old["metadata"]["uid"]}})

    # -- routing ------------------------------------------------------------

    def route(self, req):
        parts = [urllib.parse.unquote(p) for p in req.path.split("/")[1:]]
        if parts and parts[-1] == "" and len(parts) > 1:
            parts.pop()
        m = req.method
        if req.q.get("watch") in ("true", "1") or parts[2:3] == ["watch"] or \
                parts[3:4] == ["watch"]:
            raise ApiError(405, "MethodNotAllowed", "watch is not supported "
                           "by this stand-in", {})
        if parts == ["version"]:
            return Answer(200, version_info())
        if parts in (["healthz"], ["livez"], ["readyz"]):
            return Answer(200, raw=b"ok", ctype="text/plain; charset=utf-8")
        if parts[:2] == ["openapi", "v3"]:
            if len(parts) == 2:
                return Answer(200, self.openapi_root())
            return Answer(200, self.openapi_doc("/".join(parts[2:])))
        if parts[:1] == ["api"]:
            return self.route_core(req, m, parts[1:])
        if parts[:1] == ["apis"]:
            return self.route_apis(req, m, parts[1:])
        raise generic_error(404)

    def only(self, m, allowed):
        if m not in allowed:
            raise generic_error(405)

    def route_core(self, req, m, p):
        if not p:
            self.only(m, ("GET",))
            return Answer(200, self.api_versions())
        if p[0] != "v1":
            raise generic_error(404)
        if len(p) == 1:
            self.only(m, ("GET",))
            return Answer(200, self.core_resources())
        if p[1] != "namespaces" or len(p) > 4:
            raise generic_error(404)
        if len(p) == 2:
            self.only(m, ("GET", "POST"))
            return self.ns_list(req) if m == "GET" else self.ns_create(req)
        name = p[2]
        sub = p[3] if len(p) == 4 else None
        if sub not in (None, "status"):
            raise generic_error(404)
        if m == "GET":
            return self.ns_get(req, name)
        if m == "PUT":
            return self.ns_update(req, name, sub)
        if m == "PATCH":
            return self.ns_patch(req, name, sub)
        if m == "DELETE" and sub is None:
            return self.ns_delete(req, name)
        raise generic_error(405)

    def route_apis(self, req, m, p):
        if not p:
            self.only(m, ("GET",))
            return Answer(200, self.api_groups())
        if len(p) == 1:
            self.only(m, ("GET",))
            return Answer(200, self.group(p[0]))
        group, version, rest = p[0], p[1], p[2:]
        if group == "apiextensions.k8s.io":
            if version != "v1":
                raise generic_error(404)
            return self.route_crd(req, m, rest)
        if group == EVENTS_GROUP and version == "v1":
            return self.route_events(req, m, rest)
        if not rest:
            self.only(m, ("GET",))
            return Answer(200, self.gv_resources(group, version))
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            ns, rest = rest[1], rest[2:]
        r = self.s.served.get((group, rest[0]))
        if r is None or version not in r.versions or len(rest) > 3 or \
                (ns is not None and not r.namespaced):
            raise generic_error(404)
        if len(rest) == 1:
            if m == "GET":
                return self.cr_list(req, r, version, ns)
            if m == "POST" and (ns is not None or not r.namespaced):
                return self.cr_create(req, r, version, ns)
            raise generic_error(405)
        if r.namespaced and ns is None:
            raise generic_error(404)
        name = rest[1]
        sub = rest[2] if len(rest) == 3 else None
        if sub is not None and (sub != "status" or not r.has_status(version)):
            raise generic_error(404)
        if m == "GET":
            return self.cr_get(req, r, version, ns, name)
        if m == "PUT":
            return self.cr_update(req, r, version, ns, name, sub)
        if m == "PATCH":
            return self.cr_patch(req, r, version, ns, name, sub)
        if m == "DELETE" and sub is None:
            return self.cr_delete(req, r, version, ns, name)
        raise generic_error(405)

    # -- events.k8s.io/v1 Events --------------------------------------------

    def route_events(self, req, m, rest):
        ns = None
        if rest[:1] == ["namespaces"] and len(rest) >= 3:
            ns, rest = rest[1], rest[2:]
        if rest[:1] != ["events"] or len(rest) > 2:
            raise generic_error(404)
        coll = self.s.data.setdefault((EVENTS_GROUP, "events"), Collection())
        if len(rest) == 2:
            self.only(m, ("GET",))
            o = coll.get("%s/%s" % (ns, rest[1])) if ns else None
            if o is None:
                raise not_found("events", EVENTS_GROUP, rest[1])
            return Answer(200, o)
        if m == "GET":
            prefix = ns + "/" if ns else ""
            items = [coll.get(k) for k in coll.keys if k.startswith(prefix)]
            return Answer(200, {"apiVersion": "events.k8s.io/v1",
                                "kind": "EventList", "items": items,
                                "metadata": {"resourceVersion":
                                             str(self.s.rv)}})
        if m != "POST" or ns is None:
            raise generic_error(405)
        return self.event_create(req, coll, ns)

    def event_create(self, req, coll, ns):
        """As kube-apiserver's event strategy: ValidateEventCreate for v1."""
        obj = req.decode_body()
        if obj.get("apiVersion") != "events.k8s.io/v1" or \
                obj.get("kind") != "Event":
            raise bad_request("the API version in the data (%s) does not "
                              "match the expected API version "
                              "(events.k8s.io/v1)" % obj.get("apiVersion"))
        check_name_ns(obj, None, ns)
        meta = obj["metadata"]
        generate_name(meta)
        self.check_namespace(EVENTS_RESOURCE, ns, meta.get("name") or "",
                             True)
        errs = name_errors(meta, False) + event_errors(obj, ns)
        if errs:
            raise invalid("Event.events.k8s.io", EVENTS_GROUP, "Event",
                          meta.get("name") or "", errs)
        key = "%s/%s" % (ns, meta["name"])
        if coll.get(key) is not None:
            raise already_exists("events", EVENTS_GROUP, meta["name"])
        keep = {k: meta[k] for k in ("name", "labels", "annotations")
                if meta.get(k)}
        keep.update({"namespace": ns, "uid": new_uid(),
                     "resourceVersion": self.s.next_rv(),
                     "creationTimestamp": rfc3339()})
        obj["metadata"] = keep
        if not req.dry_run:
            coll.put(key, obj)
        return Answer(201, obj)

    def route_crd(self, req, m, rest):
        if not rest:
            self.only(m, ("GET",))
            return Answer(200, self.crd_resources())
        if rest[0] != "customresourcedefinitions" or len(rest) > 3:
            raise generic_error(404)
        if len(rest) == 1:
            self.only(m, ("GET", "POST"))
            return self.crd_list(req) if m == "GET" else self.crd_create(req)
        name = rest[1]
        sub = rest[2] if len(rest) == 3 else None
        if sub not in (None, "status"):
            raise generic_error(404)
        if m == "GET":
            return self.crd_answer(req, 200, self.crd_existing(name))
        if m == "PUT":
            return self.crd_update(req, name, sub)
        if m == "PATCH":
            return self.crd_patch(req, name, sub)
        if m == "DELETE" and sub is None:
            return self.crd_delete(req, name)
        raise generic_error(405)


# --- authentication and authorisation -------------------------------------------

class User:
    def __init__(self, name, authorized, rules=None):
        self.name = name
        self.authorized = authorized
        self.rules = rules      # RBAC: the rules of the bound roles


def load_rbac(path):
    """The rules bound to system:serviceaccount:mcle-system:mcle in path."""
    if yaml is None:
        raise SystemExit("kube-server: --rbac needs python3-yaml")
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]
    roles = {d["metadata"]["name"]: d.get("rules") or []
             for d in docs if d.get("kind") == "ClusterRole"}
    rules = []
    for d in docs:
        if d.get("kind") != "ClusterRoleBinding":
            continue
        subjects = d.get("subjects") or []
        if {"kind": "ServiceAccount", "name": "mcle",
                "namespace": "mcle-system"} not in subjects:
            continue
        ref = d.get("roleRef") or {}
        if ref.get("kind") == "ClusterRole":
            rules += roles.get(ref.get("name"), [])
    return rules


def rbac_allows(rules, attrs):
    verb, group, resource, sub, ns, name = attrs
    res = resource + ("/" + sub if sub else "")
    for r in rules:
        if not (set(r.get("apiGroups") or []) & {group, "*"}):
            continue
        if not (set(r.get("resources") or []) & {res, "*"}):
            continue
        if not (set(r.get("verbs") or []) & {verb, "*"}):
            continue
        names = r.get("resourceNames")
        if names and name not in names:
            continue
        return True
    return False


PUBLIC_PATHS = re.compile(r"^/(version|healthz|livez|readyz)/?$")
DISCOVERY_PATHS = re.compile(r"^/(api(/v1)?|apis(/[^/]+){0,2}|openapi/.*)/?$")


def request_attributes(method, path, q):
    """(verb, group, resource, subresource, namespace, name) or None."""
    p = [urllib.parse.unquote(x) for x in path.strip("/").split("/")]
    if p[:2] == ["api", "v1"] and len(p) > 2:
        group, rest = "", p[2:]
    elif p[:1] == ["apis"] and len(p) > 3:
        group, rest = p[1], p[3:]
    else:
        return None
    ns = ""
    if rest[0] == "namespaces" and len(rest) >= 3 and not (
            group == "" and len(rest) <= 3):
        ns, rest = rest[1], rest[2:]
    if group == "" and rest[0] == "namespaces" and len(rest) >= 2:
        name = rest[1]
        sub = rest[2] if len(rest) > 2 else ""
        resource = "namespaces"
    else:
        resource = rest[0]
        name = rest[1] if len(rest) > 1 else ""
        sub = rest[2] if len(rest) > 2 else ""
    verbs = {"GET": "get" if name else "list", "POST": "create",
             "PUT": "update", "PATCH": "patch",
             "DELETE": "delete" if name else "deletecollection"}
    verb = verbs.get(method, method.lower())
    if q.get("watch") in ("true", "1"):
        verb = "watch"
    return verb, group, resource, sub, ns, name


def forbidden_error(user, method, path, q):
    attrs = request_attributes(method, path, q)
    if attrs is None:
        return ApiError(403, "Forbidden", 'forbidden: User "%s" cannot %s '
                        'path "%s"' % (user, method.lower(), path), {})
    verb, group, resource, sub, ns, name = attrs
    res = resource + ("/" + sub if sub else "")
    where = 'in the namespace "%s"' % ns if ns else "at the cluster scope"
    why = 'User "%s" cannot %s resource "%s" in API group "%s" %s' % (
        user, verb, res, group, where)
    q_res = qualified(resource, group)
    if name:
        msg = "%s %s is forbidden: %s" % (q_res, go_quote(name), why)
    else:
        msg = "%s is forbidden: %s" % (q_res, why)
    return ApiError(403, "Forbidden", msg, details(name, group, resource))


# --- server state ------------------------------------------------------------------

class State:
    def __init__(self, args):
        self.store = Store()
        self.api = None
        self.ctl = threading.Lock()
        self.tokens = set(args.token or [])
        self.forbidden = set(args.forbidden_token or [])
        self.rbac_tokens = set(args.rbac_token or [])
        self.rbac_rules = load_rbac(args.rbac) if args.rbac else []
        self.faults = []
        self.log = []
        self.requests = 0
        self.verbose = args.verbose

    def append_log(self, entry):
        with self.ctl:
            self.requests += 1
            if len(self.log) < MAX_LOG:
                self.log.append(entry)

    def take_fault(self, method, target):
        with self.ctl:
            return standin.take_queued(self.faults, method, target)


def parse_fault(spec):
    fault = standin.parse_fault(spec)
    fault["skip"] = int(spec.get("skip", 0))
    fault["retryAfter"] = spec.get("retryAfter")
    if fault["count"] < 1 or fault["skip"] < 0:
        raise ValueError("count must be >= 1 and skip >= 0")
    return fault


def public_fault(f):
    return {k: f[k] for k in ("method", "path", "count", "skip", "action",
                              "status", "delay", "reason", "message")}


# --- control endpoints -------------------------------------------------------------

def ctl_json(code, obj):
    return Answer(code, obj)


def ctl_text(code, text):
    return Answer(code, raw=text.encode(), ctype="text/plain; charset=utf-8")


def log_target(e):
    return e["path"] + ("?" + e["query"] if e["query"] else "")


def control(state, method, path, query, body):
    if path == "/_control/eval" and method == "POST":
        return ctl_text(*standin.control_eval(body))
    q = {k: v[-1] for k, v in
         urllib.parse.parse_qs(query, keep_blank_values=True).items()}
    try:
        return control_route(state, method, path, q,
                             standin.control_spec(body))
    except ApiError as e:
        return ctl_json(e.code, e.status())
    except (ValueError, TypeError, KeyError, re.error) as e:
        return ctl_json(400, {"error": str(e)})


def control_route(state, method, path, q, spec):
    s = state.store
    api = state.api
    if path == "/_control/fault":
        with state.ctl:
            if method == "DELETE":
                state.faults.clear()
                return Answer(204, raw=b"")
            if method == "POST":
                state.faults.append(parse_fault(spec))
            return ctl_json(200, [public_fault(f) for f in state.faults])
    if path == "/_control/held" and method == "GET":
        return ctl_json(200, {"held": standin.HOLDS.count()})
    if path == "/_control/release" and method == "POST":
        return ctl_json(200, {"released": standin.HOLDS.release()})
    if path == "/_control/log":
        with state.ctl:
            if method == "DELETE":
                state.log = []
                return Answer(204, raw=b"")
            if q.get("format") == "lines":
                return ctl_text(200, standin.log_lines(state.log))
            return ctl_json(200, list(state.log))
    if path in ("/_control/count", "/_control/requests") and method == "GET":
        with state.ctl:
            log = list(state.log)
        ctype, text = standin.log_query(path, log, q, log_target)
        return Answer(200, raw=text.encode(), ctype=ctype)
    if path == "/_control/stats":
        with s.lock, state.ctl:
            return ctl_json(200, {
                "requests": state.requests, "resourceVersion": str(s.rv),
                "compactedResourceVersion": str(s.compacted),
                "namespaces": len(s.namespaces.keys),
                "objects": {"%s.%s" % (k[1], k[0]): len(c.keys)
                            for k, c in s.data.items()}})
    if path == "/_control/tokens" and method == "POST":
        with state.ctl:
            if "tokens" in spec:
                state.tokens = set(spec["tokens"])
            if "forbidden" in spec:
                state.forbidden = set(spec["forbidden"])
            return ctl_json(200, {"tokens": len(state.tokens),
                                  "forbidden": len(state.forbidden)})
    if path == "/_control/expire-continue" and method == "POST":
        with s.lock:
            return ctl_json(200, {"compactedResourceVersion":
                                  str(s.expire_continue())})
    if path == "/_control/list":
        if method == "DELETE":
            api.list_rules.clear()
            return Answer(204, raw=b"")
        if method == "POST":
            api.list_rules.append(parse_list_rule(spec))
        return ctl_json(200, [r["path"] for r in api.list_rules])
    if path == "/_control/namespace":
        return control_namespace(state, method, q, spec)
    if path == "/_control/namespaces" and method == "POST":
        prefix = spec.get("prefix", "ns-")
        count = int(spec.get("count", 0))
        width = int(spec.get("width", 5))
        if not 0 <= count <= 1000000:
            raise ValueError("count must be in 0..1000000")
        with s.lock:
            made = 0
            for i in range(int(spec.get("start", 0)),
                           int(spec.get("start", 0)) + count):
                name = "%s%0*d" % (prefix, width, i)
                if not DNS1123_LABEL.match(name) or len(name) > 63:
                    raise ValueError("bad namespace name %r" % name)
                if s.namespaces.get(name) is None:
                    s.namespaces.put(name, api.new_namespace(
                        name, spec.get("labels")))
                    made += 1
        return ctl_json(200, {"created": made})
    if path == "/_control/terminating" and method == "POST":
        name = spec["name"]
        with s.lock:
            o = s.namespaces.get(name)
            if o is None:
                return ctl_json(404, {"error": "no such namespace"})
            s.namespaces.put(name, api.terminating(o))
        return ctl_json(200, {"name": name, "phase": "Terminating"})
    if path == "/_control/object" and method == "GET":
        return control_object(state, q.get("path", ""))
    return ctl_json(404, {"error": "no such control endpoint"})


def control_namespace(state, method, q, spec):
    s = state.store
    api = state.api
    if method == "DELETE":
        name = q.get("name") or spec.get("name")
        with s.lock:
            if s.namespaces.get(name) is None:
                return ctl_json(404, {"error": "no such namespace"})
            s.namespaces.remove(name)
            s.remove_namespace_contents(name)
            s.next_rv()
        return Answer(204, raw=b"")
    if method != "POST":
        return ctl_json(405, {"error": "POST or DELETE"})
    name = spec["name"]
    if not isinstance(name, str) or not DNS1123_LABEL.match(name) or \
            len(name) > 63:
        raise ValueError("bad namespace name %r" % name)
    with s.lock:
        o = s.namespaces.get(name)
        if o is None:
            o = api.new_namespace(name, spec.get("labels"))
            s.namespaces.put(name, o)
        if spec.get("terminating"):
            o = api.terminating(o)
            s.namespaces.put(name, o)
        return ctl_json(200, namespace_obj(o))


def control_object(state, path):
    s = state.store
    p = [urllib.parse.unquote(x) for x in path.strip("/").split("/")]
    with s.lock:
        o = None
        if p[:3] == ["api", "v1", "namespaces"] and len(p) == 4:
            o = s.namespaces.get(p[3])
        elif p[:4] == ["apis", "apiextensions.k8s.io", "v1",
                       "customresourcedefinitions"] and len(p) == 5:
            o = s.crds.get(p[4])
        elif p[:1] == ["apis"] and len(p) >= 5:
            rest = p[3:]
            ns = None
            if rest[0] == "namespaces" and len(rest) == 4:
                ns, rest = rest[1], rest[2:]
            coll = s.data.get((p[1], rest[0]))
            if coll is not None and len(rest) == 2:
                o = coll.get("%s/%s" % (ns, rest[1]) if ns else rest[1])
        if o is None:
            return ctl_json(404, {"error": "no such object"})
        return Answer(200, o, sort=True)


# --- HTTP plumbing -----------------------------------------------------------------

FLOWSCHEMA_UID = str(uuid.uuid4())
PRIORITY_UID = str(uuid.uuid4())


def body_error(e):
    """The ApiError for a request body that cannot be read (standin.BodyError)."""
    if e.status == 400:
        return bad_request("bad %s" % e.what)
    return generic_error(413)


class Handler(standin.Handler):
    name = "kube-server"
    max_body = MAX_BODY
    timeout = IDLE_TIMEOUT

    def send_response(self, code, message=None):
        # as kube-apiserver: a Date header, no Server header
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def do_OPTIONS(self):
        self.dispatch()

    # answers

    def send(self, ans, req=None, close=False, headers=None):
        if ans.raw is not None:
            body = ans.raw
        else:
            body = encode(ans.obj, sort=ans.sort,
                          pretty=bool(req and req.pretty))
        self.send_response(ans.code)
        if ans.code != 204:
            self.send_header("Content-Type", ans.ctype)
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("X-Kubernetes-Pf-Flowschema-Uid", FLOWSCHEMA_UID)
        self.send_header("X-Kubernetes-Pf-Prioritylevel-Uid", PRIORITY_UID)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        for w in (req.warnings if req else []):
            self.send_header("Warning", '299 - %s' % json.dumps(w))
        self.end_answer(ans.code, body, close)

    def send_error_status(self, e, req=None, close=False):
        self.send(Answer(e.code, e.status()), req, close, e.headers)

    # dispatch

    def dispatch(self):
        method, path, query = self.split_target()
        if path.startswith("/_control/"):
            try:
                body = self.read_body()
            except standin.BodyError as e:
                self.send_error_status(body_error(e), close=True)
                return
            with self.state.store.lock:
                ans = control(self.state, method, path, query, body)
            self.send(ans)
            return
        entry = {"method": method, "path": path, "query": query,
                 "status": None, "action": None}
        try:
            body = self.read_body()
        except standin.BodyError as e:
            err = body_error(e)
            entry["status"] = err.code
            self.state.append_log(entry)
            self.send_error_status(err, close=True)
            return
        self.serve(method, path, query, body, entry)

    # for standin.Handler.serve: a reply is (Answer, Request or None, headers)

    def fault_reply(self, fault):
        e = generic_error(fault["status"], fault["reason"], fault["message"],
                          fault["retryAfter"])
        return e.code, (Answer(e.code, e.status()), None, e.headers)

    def reply(self, method, path, query, body):
        req = None
        try:
            user = self.authenticate()
            req = Request(method, path, query, self.headers, body, user)
            self.authorize(user, method, path, req.q)
            with self.state.store.lock:
                ans = self.state.api.route(req)
        except ApiError as e:
            ans = Answer(e.code, e.status())
            extra = e.headers
        except Exception as e:        # a bug here: answer like the real one
            traceback.print_exc()
            ans = Answer(500, ApiError(500, "InternalError", "Internal error "
                                       "occurred: %s" % e,
                                       {"causes": [{"message": str(e)}]})
                         .status())
            extra = {}
        else:
            extra = {}
        return ans.code, (ans, req, extra)

    def send_reply(self, reply):
        ans, req, headers = reply
        self.send(ans, req, headers=headers)

    def authenticate(self):
        cert = None
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                cert = self.connection.getpeercert()
            except (ValueError, ssl.SSLError):
                cert = None
        if cert:
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        return User(v, True)
        auth = self.headers.get("Authorization")
        if auth is None:
            return User("system:anonymous", False)
        m = re.match(r"^[Bb]earer +(\S+) *$", auth)
        with self.state.ctl:
            if m and m.group(1) in self.state.tokens:
                return User("system:serviceaccount:mcle-system:mcle", True)
            if m and m.group(1) in self.state.rbac_tokens:
                return User("system:serviceaccount:mcle-system:mcle", None,
                            self.state.rbac_rules)
            if m and m.group(1) in self.state.forbidden:
                return User("system:serviceaccount:mcle-system:unprivileged",
                            None)
        raise ApiError(401, "Unauthorized", "Unauthorized")

    def authorize(self, user, method, path, q):
        if user.authorized or PUBLIC_PATHS.match(path):
            return
        if user.authorized is None and method == "GET" and \
                DISCOVERY_PATHS.match(path):
            return      # system:discovery: any authenticated user
        attrs = request_attributes(method, path, q)
        if user.rules is not None and attrs is not None and \
                rbac_allows(user.rules, attrs):
            return
        raise forbidden_error(user.name, method, path, q)


def load_crds(api, paths):
    if not paths:
        return
    if yaml is None:
        raise SystemExit("kube-server: --crd needs python3-yaml")
    for path in paths:
        with open(path) as f:
            docs = [d for d in yaml.load_all(f, Loader=YAML_LOADER) if d]
        for d in docs:
            if d.get("kind") != "CustomResourceDefinition":
                continue
            req = Request("POST", "/", "", {"User-Agent": "kube-server"},
                          b"", User("system:admin", True))
            api.crd_create(req, d)


class ControlHandler(Handler):
    """The plain-HTTP control port (--control-port-file): /_control/ only,
    for the tests' shell helpers (bash's /dev/tcp speaks no TLS)."""

    def dispatch(self):
        method, path, query = self.split_target()
        if not path.startswith("/_control/"):
            self.send(ctl_json(404, {"error": "this port serves /_control/ only"}),
                      close=True)
            return
        super().dispatch()


def parse_args(argv):
    p = argparse.ArgumentParser(description="Kubernetes API stand-in for "
                                "mcle's tests")
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--control-port-file")
    p.add_argument("--tls-cert", required=True)
    p.add_argument("--tls-key", required=True)
    p.add_argument("--client-ca")
    p.add_argument("--token", action="append")
    p.add_argument("--forbidden-token", action="append")
    p.add_argument("--rbac")
    p.add_argument("--rbac-token", action="append")
    p.add_argument("--namespaces", default="")
    p.add_argument("--no-system-namespaces", action="store_true")
    p.add_argument("--crd", action="append")
    p.add_argument("--max-page", type=int, default=0)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    if args.max_page < 0:
        p.error("--max-page must be >= 0")
    return args


def main(argv):
    args = parse_args(argv)
    state = State(args)
    Handler.state = state
    server = standin.Server(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    state.api = KubeApi(state.store, port, args.max_page)
    names = [] if args.no_system_namespaces else list(SYSTEM_NAMESPACES)
    names += [n for n in args.namespaces.split(",") if n]
    for n in names:
        if not DNS1123_LABEL.match(n) or len(n) > 63:
            raise SystemExit("kube-server: bad namespace name %r" % n)
        if state.store.namespaces.get(n) is None:
            state.store.namespaces.put(n, state.api.new_namespace(n))
    load_crds(state.api, args.crd)
    ctx = standin.tls_context(args.tls_cert, args.tls_key)
    ctx.set_alpn_protocols(["http/1.1"])
    if args.client_ca:
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(args.client_ca)
    standin.use_tls(server, ctx)
    if args.control_port_file:
        ctl = standin.Server(("127.0.0.1", 0), ControlHandler)
        threading.Thread(target=ctl.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()
        standin.write_port_file(args.control_port_file, ctl.server_address[1])
    return standin.run(server, args.port_file)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
