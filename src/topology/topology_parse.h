/* Internals of the topology reader, shared by its four files:
 *   topology.c        the file, top level, servers, plugins, ASes and IXPs
 *   topology_body.c   templates and AS bodies, generated names
 *   topology_links.c  links between ASes and to IXPs
 *   topology_util.c   messages, typed access to settings, units
 * Not for other modules: they see topology.h only.
 *
 * Every check reports its problem as "FILE:LINE: message" and counts it in
 * `tp_loader.n_errors`, then carries on, so that one run shows every problem
 * of a file; topology_load() fails at the end if anything was reported. */
#ifndef MINIINET_TOPOLOGY_PARSE_H
#define MINIINET_TOPOLOGY_PARSE_H 1

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h"

/* Limits that are ours rather than the addressing plan's (topology.h). */
#define TP_NETWORK_NAME_MAX 32
#define TP_SERVER_NAME_MAX 32
#define TP_ROUTER_NAME_MAX 10
#define TP_OBJECT_NAME_MAX 32 /* templates, L2 networks, switches, hosts */
#define TP_NODE_NAME_MAX 63   /* node names become host names */
#define TP_IFNAME_MAX (TOPO_IFNAMSIZ - 1)

/* Input limits, checked before libconfig reads anything (doc/topology.md,
 * "Limits"); libconfig 1.5's time grows with the square of a group's
 * members (5 000: 0.4 s, 20 000: 6.7 s) and of a string's length (1 MB:
 * 1 s), linearly otherwise (a list of 100 000 elements: 1.2 s).  The
 * shipped class-60.cfg has 10 kB, lines of at most 93 bytes, groups of at
 * most 8 settings and lists of at most 180 elements. */
#define TP_INPUT_MAX (4 << 20)  /* bytes, the file and every inclusion */
#define TP_LINE_MAX 65536       /* bytes in one line */
#define TP_GROUP_MAX 1000       /* settings in one group */
#define TP_LIST_MAX 100000      /* elements of one list or array */
#define TP_DEPTH_MAX 32         /* groups and lists nested */
#define TP_INCLUDE_DEPTH_MAX 10 /* libconfig's own limit */
#define TP_ERRORS_SHOWN 50      /* then "... and N more errors" */

/* What the reader knows about one AS or IXP number while reading. */
struct tp_slot {
    const config_setting_t *where; /* setting that defined it, NULL: unused */
    bool ixp;
    bool broken; /* no usable body: skip router lookups */
    bool configured;
    int server;
    const struct topo_body *body;
};

/* Per topology.elinks[i]: where it came from and how to name it. */
struct tp_elink_src {
    const config_setting_t *where;
    char *desc; /* 'link (1, "ZURI", "peer", 80)' */
};

struct tp_loader {
    const char *path;
    char *dir;      /* of path, for @include; NULL: the working directory */
    char *real_dir; /* the same resolved, the tree includes must stay in */
    size_t input_bytes; /* read so far, inclusions counted each time */
    /* The files being read, resolved: the topology file and the chain of
     * @includes down to the one being read (a file may not include one of
     * them: it would be read again and again down to the depth limit). */
    char *reading[TP_INCLUDE_DEPTH_MAX + 2];
    int n_reading;
    config_t *cf;
    struct topology *topo;
    unsigned n_errors;

    struct tp_slot slots[TOPO_MAX_ASN + 1];

    size_t cap_bodies;
    const config_setting_t **body_src; /* parallel to topo->bodies */

    size_t cap_elinks;
    struct tp_elink_src *elink_src; /* parallel to topo->elinks */
};

/* topology_input.c: reads and checks the file and what it includes into
 * ld->cf; 0, -errno when it cannot be read, -EINVAL after reporting. */
int tp_read_file(struct tp_loader *);

/* Reporting.  `s` gives file and line (NULL or the root: the file only). */
void tp_error(struct tp_loader *, const config_setting_t *s, const char *fmt,
              ...) MI_PRINTF(3, 4);
void tp_error_at(struct tp_loader *, const char *file, int line,
                 const char *fmt, ...) MI_PRINTF(4, 5);
const char *tp_file(const struct tp_loader *, const config_setting_t *);
/* After the first TP_ERRORS_SHOWN errors, the rest are only counted; this
 * says how many there were. */
void tp_report_error_count(const struct tp_loader *);
/* "line 12", or "FILE:12" when `first` is in another file than `here`. */
const char *tp_where(const struct tp_loader *, const config_setting_t *first,
                     const config_setting_t *here, char *buf, size_t len);

/* "OBJ: WHAT: message", or "WHAT: message" when obj is "". */
void tp_key_error(struct tp_loader *, const config_setting_t *s,
                  const char *obj, const char *what, const char *fmt, ...)
    MI_PRINTF(5, 6);

/* Typed access.  `obj` names the object for messages ("" at top level).
 * tp_member() returns the member `key` of `group` if it has `type`
 * (CONFIG_TYPE_INT also accepts INT64, CONFIG_TYPE_LIST also arrays), or
 * NULL when it is absent (reported if `required`) or has another type
 * (reported). */
const config_setting_t *tp_member(struct tp_loader *,
                                  const config_setting_t *group,
                                  const char *obj, const char *key, int type,
                                  bool required);
bool tp_is_type(const config_setting_t *, int type);
/* The integer value of `s` (INT or INT64) if it lies in min..max;
 * otherwise reports "OBJ: WHAT: ..." and returns false. */
bool tp_int_value(struct tp_loader *, const config_setting_t *s,
                  const char *obj, const char *what, long long min,
                  long long max, long long *value);
/* 0, -ENOENT (absent, not reported), or -EINVAL (reported). */
int tp_get_string(struct tp_loader *, const config_setting_t *group,
                  const char *obj, const char *key, const char **value);
int tp_get_int(struct tp_loader *, const config_setting_t *group,
               const char *obj, const char *key, long long min, long long max,
               long long *value);
int tp_get_bool(struct tp_loader *, const config_setting_t *group,
                const char *obj, const char *key, bool *value);
/* A required string setting `key` that is a valid name of at most `max`
 * characters (reported otherwise, the value is still returned); NULL when
 * absent or not a string (reported). */
const char *tp_get_name(struct tp_loader *, const config_setting_t *group,
                        const char *obj, const char *key, size_t max);
/* Reports 'KIND "NAME": not a valid name ...' at s if it is not one. */
void tp_check_name(struct tp_loader *, const config_setting_t *s,
                   const char *kind, const char *name, size_t max);
bool tp_in_list(const char *word, const char *const *list);
/* Writes ' (did you mean "X"?)' into buf when one of the NULL-terminated
 * `known` words is a plausible typo of `word`, else "". */
const char *tp_did_you_mean(const char *word, const char *const *known,
                            char *buf, size_t len);
/* Reports every member of `group` whose name is not in `known`. */
void tp_check_keys(struct tp_loader *, const config_setting_t *group,
                   const char *obj, const char *const *known);

/* Reads rate, delay and buffer of an option group (keys already checked). */
void tp_parse_impair(struct tp_loader *, const config_setting_t *opts,
                     const char *obj, struct topo_impair *);

/* 1..223, not 127 (loopback), 179 (the links' 179.LO.HI.0/24) or 180 (the
 * IXP LANs' 180.IXP.0.0/24): an AS's own AS.0.0.0/8 would overlap them. */
bool tp_valid_asn(long long);
/* Why n is reserved, NULL if it is not. */
const char *tp_reserved_asn(long long n);
/* "N is not a valid KIND number (...)" in buf, NULL if n is valid. */
const char *tp_asn_problem(long long n, const char *kind, char *buf,
                           size_t len);
int tp_find_router(const struct topo_body *, const char *name);
/* Reports "OBJ: KIND name "NAME" is longer than MAX characters" when the
 * generated name (snprintf-style length `len`) does not fit. */
bool tp_name_fits(struct tp_loader *, const char *file, int line,
                  const char *obj, const char *kind, const char *name, int len,
                  int max);

/* topology_body.c: templates, bodies, and the check of every generated
 * name (after all ASes and IXPs are known). */
extern const char *const tp_body_keys[];
void tp_parse_templates(struct tp_loader *, const config_setting_t *root);
/* Reads routers, links and l2 of `s` (the caller checks its keys) into a
 * new body owned by the topology; `name` is the template's or NULL. */
struct topo_body *tp_parse_body(struct tp_loader *, const config_setting_t *s,
                                const char *name, const char *obj);
const struct topo_body *tp_find_template(const struct topology *,
                                         const char *name);
void tp_check_names(struct tp_loader *);

/* topology.c: the AS numbers of the string setting `s` ("1-10,21"), a
 * malloc'ed array in *v; false after reporting ("KEY: ..."). */
bool tp_parse_asn_string(struct tp_loader *, const config_setting_t *s,
                         const char *key, unsigned **v, size_t *n);

/* topology_access.c: the top-level `access` setting, after every AS is
 * known; and its part of topology_free(). */
void tp_parse_access(struct tp_loader *, const config_setting_t *root);
void tp_free_access(struct topo_access *);

/* topology_links.c: the top-level `links` list, then the checks that need
 * every link (IXP announce lists). */
void tp_parse_links(struct tp_loader *, const config_setting_t *root);
void tp_free_elink_src(struct tp_loader *);

#endif
