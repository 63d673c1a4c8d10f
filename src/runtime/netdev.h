/* netdev: linux.netDevices, host network interfaces moved into the
 * container's network namespace over rtnetlink (config-linux.md "Network
 * Devices").  The runtime does it, before the init gets SYNC_GO. */
#ifndef BERTH_RUNTIME_NETDEV_H
#define BERTH_RUNTIME_NETDEV_H

#include <sys/types.h>

#include "common/error.h"
#include "oci/runtime-config.h"

/* Refuse what cannot work before anything is created: netDevices without a
 * network namespace of the container's own (moving a device "into" the
 * host's namespace means nothing), empty or too long names */
int netdev_check(const struct oci_config *c, berth_error_t **err);

/* Move every linux.netDevices entry into the network namespace of pid:
 * atomically moved and renamed (one RTM_NEWLINK), its permanent addresses
 * added again inside (a move drops them), then set up.  The first failure
 * stops and is returned naming the device. */
int netdev_move_all(const struct oci_config *c, pid_t pid, berth_error_t **err);

#endif
