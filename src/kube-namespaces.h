/*
 * kube-namespaces.h - the cluster's namespaces as a sorted list, for the
 * commands that need them whole before they start (status -l, gc).  A pass
 * streams them instead (engine-pass.c).
 */
#ifndef MCLE_KUBE_NAMESPACES_H
#define MCLE_KUBE_NAMESPACES_H

#include <stdint.h>

#include "err.h"
#include "kube.h"
#include "loop.h"
#include "namespaces.h"

/*
 * List the namespaces matching selector (NULL: all), Terminating ones too,
 * into out (initialised by the caller), sorted; wait on lp until deadline.
 */
int kube_namespaces(struct kube_client *k, struct loop *lp, const char *selector,
		    int64_t deadline, struct ns_list *out, struct mcle_err *err);

#endif
