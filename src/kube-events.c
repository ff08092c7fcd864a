/* kube-events.c - Events on a change of holder, rate-limited, on the loop. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "kube-events.h"
#include "log.h"
#include "namespaces.h"
#include "timeutil.h"

#define BUCKETS 4096
#define WARN_MAX 5
#define INSTANCE_MAX 128	/* reportingInstance */

/* One namespace's token bucket. */
struct ns_rate {
	struct ns_rate *next;
	int64_t last;			/* monotonic: when tokens was computed */
	double tokens;
	unsigned suppressed;		/* changes not reported since the last Event */
	char ns[MCLE_NAMESPACE_MAX + 1];
};

struct kube_events {
	struct kube_client *k;
	char instance[INSTANCE_MAX + 1];
	struct ns_rate *bucket[BUCKETS];
	size_t nrates;
	unsigned busy;
	int off;			/* 403/404: no more Events this run */
	unsigned warned;
	uint64_t seq;
	struct kube_events_stats st;
};

static const struct {
	const char *reason, *action, *type;
} whys[] = {
	[KEV_ACQUIRED] = { "LeaderAcquired", "Acquire", "Normal" },
	[KEV_TAKEN_OVER] = { "LeaderTakenOver", "TakeOver", "Normal" },
	[KEV_LOST] = { "LeaderLost", "Lose", "Warning" },
	[KEV_RELEASED] = { "LeaderReleased", "Release", "Normal" },
	[KEV_CHANGED] = { "LeaderChanged", "Observe", "Normal" },
};

const char *
kube_event_reason(enum kube_event_why why)
{
	return whys[why].reason;
}

struct kube_events *
kube_events_new(struct kube_client *k, const char *identity, struct mcle_err *err)
{
	struct kube_events *ev = calloc(1, sizeof(*ev));

	if (ev == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	ev->k = k;
	snprintf(ev->instance, sizeof(ev->instance), "%s", identity);
	return ev;
}

void
kube_events_free(struct kube_events *ev)
{
	struct ns_rate *r, *next;
	size_t i;

	if (ev == NULL)
		return;
	for (i = 0; i < BUCKETS; i++)
		for (r = ev->bucket[i]; r != NULL; r = next) {
			next = r->next;
			free(r);
		}
	free(ev);
}

unsigned
kube_events_busy(const struct kube_events *ev)
{
	return ev->busy;
}

void
kube_events_stats(const struct kube_events *ev, struct kube_events_stats *out)
{
	*out = ev->st;
}

/* --- the rate ----------------------------------------------------------------- */

static size_t
hash(const char *s)
{
	size_t h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h % BUCKETS;
}

static struct ns_rate *
rate_of(struct kube_events *ev, const char *ns)
{
	struct ns_rate **head = &ev->bucket[hash(ns)], *r;

	for (r = *head; r != NULL; r = r->next)
		if (strcmp(r->ns, ns) == 0)
			return r;
	if (ev->nrates >= MCLE_NAMESPACES_MAX || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	snprintf(r->ns, sizeof(r->ns), "%s", ns);
	r->tokens = KUBE_EVENTS_BURST;
	r->last = time_now_mono();
	r->next = *head;
	*head = r;
	ev->nrates++;
	return r;
}

/* 1 if ns may have an Event now (a token is taken). */
static int
take_token(struct ns_rate *r)
{
	int64_t now = time_now_mono();

	r->tokens += (double)(now - r->last) / (double)KUBE_EVENTS_REFILL_US;
	if (r->tokens > KUBE_EVENTS_BURST)
		r->tokens = KUBE_EVENTS_BURST;
	r->last = now;
	if (r->tokens < 1.0)
		return 0;
	r->tokens -= 1.0;
	return 1;
}

/* --- the Event ---------------------------------------------------------------- */

static void
note_of(enum kube_event_why why, const char *holder, const char *previous, int64_t epoch,
	unsigned suppressed, char *buf, size_t size)
{
	const char *h = holder != NULL ? holder : "nobody", *p = previous != NULL ? previous : "nobody";
	int n;

	switch (why) {
	case KEV_ACQUIRED:
		n = snprintf(buf, size, "%.128s became the leader (epoch %lld)", h, (long long)epoch);
		break;
	case KEV_TAKEN_OVER:
		n = snprintf(buf, size, "%.128s took over from %.128s (epoch %lld)", h, p,
			     (long long)epoch);
		break;
	case KEV_LOST:
		n = snprintf(buf, size, "%.128s is no longer the leader: the holder is %.128s (epoch %lld)",
			     p, h, (long long)epoch);
		break;
	case KEV_RELEASED:
		n = snprintf(buf, size, "%.128s released the lease (epoch %lld)", p, (long long)epoch);
		break;
	default:
		n = snprintf(buf, size, "the holder changed from %.128s to %.128s (epoch %lld)", p, h,
			     (long long)epoch);
		break;
	}
	if (suppressed > 0 && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "; %u earlier change%s not reported (rate limit)",
			 suppressed, suppressed == 1 ? "" : "s");
}

static json_object *
regarding(const struct kube_lease_kind *kind, const char *ns)
{
	json_object *o = json_object_new_object();
	char apiv[256];

	snprintf(apiv, sizeof(apiv), "%s/%s", kind->group, kind->version);
	if (json_add_str(o, "apiVersion", apiv) < 0 || json_add_str(o, "kind", "Lease") < 0 ||
	    json_add_str(o, "namespace", ns) < 0 || json_add_str(o, "name", kind->name) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *
metadata(struct kube_events *ev, const char *ns, int64_t epoch)
{
	json_object *m = json_object_new_object(), *ann = json_object_new_object();
	char name[300], ep[32];

	/* unique per run and time, as client-go names them */
	snprintf(name, sizeof(name), "%.200s.%llx%04llx", kube_kind(ev->k)->name,
		 (unsigned long long)time_now_real(), (unsigned long long)(ev->seq++ & 0xffff));
	snprintf(ep, sizeof(ep), "%lld", (long long)epoch);
	if (json_add_str(m, "name", name) < 0 || json_add_str(m, "namespace", ns) < 0 ||
	    json_add_str(ann, "leaderelection.600lyy.io/epoch", ep) < 0 ||
	    json_add(m, "annotations", ann) < 0) {
		json_object_put(m);
		return NULL;
	}
	return m;
}

static json_object *
event_body(struct kube_events *ev, const char *ns, enum kube_event_why why, const char *note,
	   int64_t epoch)
{
	json_object *o = json_object_new_object();
	char now[MCLE_RFC3339_MAX];

	time_format(time_now_real(), now);
	if (json_add_str(o, "apiVersion", "events.k8s.io/v1") < 0 ||
	    json_add_str(o, "kind", "Event") < 0 ||
	    json_add(o, "metadata", metadata(ev, ns, epoch)) < 0 ||
	    json_add_str(o, "eventTime", now) < 0 ||
	    json_add_str(o, "reportingController", KUBE_EVENTS_CONTROLLER) < 0 ||
	    json_add_str(o, "reportingInstance", ev->instance) < 0 ||
	    json_add_str(o, "action", whys[why].action) < 0 ||
	    json_add_str(o, "reason", whys[why].reason) < 0 ||
	    json_add(o, "regarding", regarding(kube_kind(ev->k), ns)) < 0 ||
	    json_add_str(o, "note", note) < 0 || json_add_str(o, "type", whys[why].type) < 0 ||
	    json_object_is_type(json_obj(o, "metadata"), json_type_null) ||
	    json_object_is_type(json_obj(o, "regarding"), json_type_null)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct ev_call {
	struct kube_events *ev;
	char ns[MCLE_NAMESPACE_MAX + 1];
};

static void
on_posted(void *arg, struct http_call *h)
{
	struct ev_call *c = arg;
	struct kube_events *ev = c->ev;
	long st = h->rc == 0 ? h->resp.status : 0;

	ev->busy--;
	/* 409: a retried POST whose first try made it */
	if ((st >= 200 && st <= 299) || st == 409) {
		ev->st.sent++;
		log_debug("event in namespace '%s' recorded", c->ns);
	} else {
		ev->st.failed++;
		if (st == 403 || st == 404) {
			if (!ev->off)
				log_warn("events.k8s.io/v1 Events cannot be created in %s (%ld): "
					 "no more Events this run", kube_describe(ev->k), st);
			ev->off = 1;
		} else if (ev->warned++ < WARN_MAX) {
			log_warn("cannot record an Event in namespace '%s': %s", c->ns,
				 h->rc < 0 ? h->err.msg : "the server refused it");
		}
	}
	free(c);
}

static void
post(struct kube_events *ev, const char *ns, json_object *body)
{
	struct mcle_err e = MCLE_ERR_INIT;
	char path[512];
	struct ev_call *c;

	snprintf(path, sizeof(path), "/apis/events.k8s.io/v1/namespaces/%s/events", ns);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		json_object_put(body);
		ev->st.failed++;
		return;
	}
	c->ev = ev;
	snprintf(c->ns, sizeof(c->ns), "%s", ns);
	/* a fixed name: a repeated POST is 409, never a second Event */
	if (kube_json_start(ev->k, "POST", path, body, time_now_mono() + KUBE_EVENT_TIMEOUT_US, 3,
			    on_posted, c, &e) < 0) {
		free(c);
		ev->st.failed++;
		return;
	}
	ev->busy++;
}

void
kube_events_record(struct kube_events *ev, const char *ns, enum kube_event_why why,
		   const char *holder, const char *previous, int64_t epoch)
{
	struct ns_rate *r;
	json_object *body;
	char note[1024];

	if (ev->off)
		return;
	if ((r = rate_of(ev, ns)) == NULL || !take_token(r) || ev->busy >= KUBE_EVENTS_IN_FLIGHT) {
		ev->st.suppressed++;
		if (r != NULL)
			r->suppressed++;
		return;
	}
	note_of(why, holder, previous, epoch, r->suppressed, note, sizeof(note));
	if ((body = event_body(ev, ns, why, note, epoch)) == NULL) {
		ev->st.failed++;
		return;
	}
	r->suppressed = 0;
	post(ev, ns, body);
}
