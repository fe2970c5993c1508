/* The two executors (network.h): which functions carry out each verb on one
 * server, and which on every server of a multi-server network.  The session
 * picks one; adding an executor is one table here. */
#include "config.h"

#include "network.h"

const struct executor local_executor = {
    .preflight = network_preflight,
    .up = network_up,
    .down = network_down,
    .status = network_status,
    .check = network_check,
    .exec = network_exec,
    .link = network_link,
    .save = network_save,
    .snapshots = network_snapshots,
    .restore = network_restore,
    .restart = network_restart,
    .traceroute = network_traceroute,
    .access = network_access,
};

const struct executor master_executor = {
    .preflight = master_preflight,
    .up = master_up,
    .down = master_down,
    .status = master_status,
    .check = master_check,
    .exec = master_exec,
    .link = master_link,
    .save = master_save,
    .snapshots = master_snapshots,
    .restore = master_restore,
    .restart = master_restart,
    .traceroute = master_traceroute,
    .access = master_access,
};
