/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file clusterip.h
 * @brief libclusterip: the machinery behind Kubernetes Service ClusterIPs.
 * Include this umbrella header, or the module headers one by one.
 */
#ifndef CLUSTERIP_CLUSTERIP_H
#define CLUSTERIP_CLUSTERIP_H

#include <clusterip/version.h>
#include <clusterip/common.h>
#include <clusterip/addr.h>
#include <clusterip/range.h>
#include <clusterip/ports.h>
#include <clusterip/pool.h>
#include <clusterip/table.h>
#include <clusterip/select.h>

#endif /* CLUSTERIP_CLUSTERIP_H */
