/* cluster.c - the Kubernetes side of one namespace's lease. */
#include "config.h"

#include <string.h>

#include "cluster.h"
#include "log.h"
#include "output.h"

#define STATUS_TRIES 3	/* 409 Conflict: re-read and try again */

static int
field_equal(json_object *a, json_object *b, const char *key)
{
	json_object *va = NULL, *vb = NULL;

	json_object_object_get_ex(a, key, &va);
	json_object_object_get_ex(b, key, &vb);
	return json_object_equal(va, vb);
}

int
status_needs_write(json_object *cur, json_object *desired)
{
	static const char *const identity_keys[] = {
		"isLeader", "observedHolderIdentity", "leaseTransitions",
	};
	json_object *leader = NULL;
	size_t i;

	if (cur == NULL || !json_object_is_type(cur, json_type_object))
		return 1;
	for (i = 0; i < sizeof(identity_keys) / sizeof(identity_keys[0]); i++)
		if (!field_equal(cur, desired, identity_keys[i]))
			return 1;
	/* an older CRD prunes "epoch": then leaseTransitions alone decides */
	if (json_object_object_get_ex(cur, "epoch", NULL) &&
	    !field_equal(cur, desired, "epoch"))
		return 1;
	json_object_object_get_ex(desired, "isLeader", &leader);
	if (!json_object_get_boolean(leader))
		return 0;	/* a standby keeps what it wrote when the holder changed */
	json_object_object_foreach(desired, key, val) {
		(void)val;
		if (!field_equal(cur, desired, key))
			return 1;
	}
	return 0;
}

int
cluster_ensure(struct kube_client *k, const char *ns,
	       const struct kube_lease *listed, const char *identity,
	       int32_t duration, struct kube_lease *l, int *created,
	       struct mcle_err *err)
{
	*created = 0;
	memset(l, 0, sizeof(*l));
	if (listed != NULL) {
		snprintf(l->ns, sizeof(l->ns), "%s", ns);
		l->obj = json_object_get(listed->obj);
		return 0;
	}
	if (kube_create_lease(k, ns, identity, duration, l, err) < 0)
		return -1;
	*created = 1;
	return 0;
}

int
cluster_sync_status(struct kube_client *k, struct kube_lease *l,
		    const struct lease_result *res, const char *identity,
		    int *written, struct mcle_err *err)
{
	json_object *desired;
	int tries, rc = -1;

	*written = 0;
	if ((desired = lease_status_json(res, identity)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	for (tries = 0; tries < STATUS_TRIES; tries++) {
		if (!status_needs_write(kube_lease_status(l), desired)) {
			rc = 0;
			break;
		}
		if (kube_put_status(k, l, desired, err) == 0) {
			*written = 1;
			rc = 0;
			break;
		}
		if (err->code != MCLE_EPRECOND)
			break;
		/* 409: someone wrote in between; read it and decide again */
		log_debug("status of '%s' changed meanwhile; reading it again", l->ns);
		mcle_err_clear(err);
		if (kube_get_lease(k, l->ns, l, err) < 0)
			break;
	}
	if (tries == STATUS_TRIES)
		mcle_err_set(err, MCLE_EUNAVAIL,
			     "status of the Lease resource in namespace '%s' kept changing; try again",
			     l->ns);
	json_object_put(desired);
	return rc;
}
