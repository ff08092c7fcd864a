/*
 * cred-kube.h - the credentials of a Kubernetes user: a static token, a
 * token file (the in-cluster service account's projected token, or a
 * kubeconfig's tokenFile: read again every minute and after a 401), or an
 * exec credential plugin (run again before its credential expires and
 * after a 401).
 */
#ifndef MCLE_CRED_KUBE_H
#define MCLE_CRED_KUBE_H

#include "cred.h"
#include "kube-config.h"

/*
 * A credential source for kc's user, or NULL with *none = 1 when it has
 * nothing to send (client certificates only, or no user).  kc must outlive
 * the cred.
 */
struct cred *cred_kube_new(struct kube_config *kc, int *none, struct mcle_err *err);

#endif
