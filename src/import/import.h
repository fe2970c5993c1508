/* The importer: the original mini-Internet's configuration directories
 * (AS_config.txt, aslevel_links.txt or external_links_config.txt, the
 * per-AS router, link and L2 files, and the multi-server GLOBAL files) to
 * one miniinet topology file (doc/import.md).
 *
 * Pure: it reads the directory's files and returns text; it writes nothing
 * and runs nothing.  Every problem is reported as "FILE:LINE: message"
 * through log_error_at() (warnings through log_warn()), FILE being the
 * source file's path under the directory.
 */
#ifndef MINIINET_IMPORT_H
#define MINIINET_IMPORT_H 1

#include <stddef.h>

/* What the directory describes, counted as the original counts it (every
 * router line with a host image is an L3 host, vpn_* entries are not L2
 * hosts: they are counted apart). */
struct import_counts {
    size_t ases, preconfigured, ixps;
    size_t routers, l3_hosts, switches, l2_hosts;
    size_t internal_links, as_links, ixp_links;
    size_t servers;
    size_t vpn_hosts; /* vpn_* entries, built as plain L2 hosts */
};

struct import_result {
    char *text; /* the topology file */
    struct import_counts counts;
    char *as_config;   /* the AS file read, e.g. "AS_config_20.txt" */
    char *links_file;  /* the AS-level links file read */
    size_t n_omitted;  /* lines of the header's "not carried over" */
    size_t n_warnings; /* warnings printed */
};

/* Reads directory `dir`.  `size` chooses AS_config_SIZE.txt and its links
 * file among several (the course directories keep one per class size);
 * NULL takes AS_config.txt, or AS_config_GLOBAL.txt with the GLOBAL files.
 * Returns 0 and fills *out, or -EINVAL after reporting every problem found
 * (or -errno when the directory cannot be read). */
int import_directory(const char *dir, const char *size,
                     struct import_result *out);

void import_result_free(struct import_result *);

#endif
