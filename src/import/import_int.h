/* The importer's model, shared by its parsers (one per file kind) and its
 * writer.  Not installed, not used outside src/import/. */
#ifndef MINIINET_IMPORT_INT_H
#define MINIINET_IMPORT_INT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "import.h"
#include "log.h"

/* One line of a source file, split at any run of blanks (the original
 * reads them with bash word splitting); blank lines are kept with no
 * words so that the index of a line is its row in the original. */
struct imp_line {
    int line; /* 1-based */
    char **words;
    size_t n_words;
};

struct imp_file {
    char *name;      /* as referenced, e.g. "l3_routers.txt" */
    char *path;      /* dir/name, for messages */
    bool missing;    /* absent or unreadable: read as empty */
    bool unreadable; /* there but not readable as a source file (reported) */
    struct imp_line *lines;
    size_t n_lines;
};

/* A link's rate, delay and buffer in miniinet's units ("" when unset). */
struct imp_impair {
    char rate[32], delay[32], buffer[32];
};

struct imp_router {
    char *name;
    int first_host_row;  /* row of its first host, -1: none */
    unsigned *host_rows; /* the rows of its lines with a host */
    size_t n_hosts;
    int line;       /* its first line */
    char access[8]; /* its first line's ACCESS column, "" if none */
};

struct imp_ilink {
    size_t a, b; /* router indices */
    struct imp_impair impair;
};

struct imp_switch {
    char *name;
    int gateway; /* router index or -1 */
    unsigned prio;
    int line; /* in the switches file */
};

struct imp_l2host {
    char *name;
    size_t sw;
    unsigned vlan;
    struct imp_impair impair;
};

struct imp_l2link {
    size_t a, b;
    struct imp_impair impair;
};

struct imp_l2net {
    char *name;
    struct imp_switch *switches;
    size_t n_switches;
    struct imp_l2link *links;
    size_t n_links;
    struct imp_l2host *hosts;
    size_t n_hosts;
};

/* The inside of one AS, as the original builds it. */
struct imp_body {
    bool all; /* its routers file has ALL lines: hosts named host<i> */
    struct imp_router *routers;
    size_t n_routers;
    struct imp_ilink *links;
    size_t n_links;
    struct imp_l2net *l2nets;
    size_t n_l2nets;
    int measurement; /* 1 + the router with service MEASUREMENT, 0: none */
    int matrix;      /* 1 + the router with service MATRIX_TARGET, 0: none */
    char *text;      /* its topology text (the writer's), to share templates */
};

struct imp_as {
    unsigned asn;
    bool ixp;
    bool configured;
    bool broken;  /* its files were reported: no body */
    char *server; /* GLOBAL: the server it runs on, else NULL */
    int line;
    struct imp_file *files[5]; /* routers, links, switches, hosts, l2links */
    struct imp_body *body;     /* NULL for IXPs and on errors */
    int template;              /* index into importer.templates */
};

enum imp_rel { IMP_PROVIDER, IMP_CUSTOMER, IMP_PEER };

struct imp_elink {
    unsigned as_a, as_b;
    size_t router_a, router_b; /* router_b unused for an IXP */
    bool to_ixp;
    enum imp_rel rel;
    struct imp_impair impair;
    uint32_t subnet; /* explicit /24, 0: 179.LO.HI.0/24 */
    bool ends12;     /* the old plan: .1 for as_a, .2 for as_b */
    unsigned *announce;
    size_t n_announce;
    int line;
};

struct imp_server {
    char *name, *interface, *address;
    char *ssh_user, *ssh_host;
    unsigned ssh_port; /* 0: default */
};

struct imp_template {
    char *name;
    const struct imp_body *body;
};

/* A line of the header's "not carried over": HEAD, or HEAD (ITEM, ...):
 * TAIL when several files or values share the reason. */
struct imp_omitted {
    char *head, *tail;
    char **items;
    size_t n_items;
};

struct importer {
    char *dir;  /* as given, for messages */
    int dirfd;  /* every source file is read relative to it */
    char *real; /* its realpath(), for the network's name; or NULL */
    struct imp_file **files; /* every file read, by name */
    size_t n_files;
    struct imp_as *ases; /* in file order */
    size_t n_ases;
    struct imp_elink *elinks;
    size_t n_elinks;
    struct imp_server *servers;
    size_t n_servers;
    struct imp_template *templates;
    size_t n_templates;
    struct imp_omitted *omitted; /* the header's "not carried over" lines */
    size_t n_omitted;
    char **units; /* the header's unit lines, one per file */
    size_t n_units;
    struct import_counts counts;
    unsigned n_errors, n_warnings;
    char **seen; /* messages printed: a file several ASes share reports
                    its problems once */
    size_t n_seen;
    const char *as_file, *links_file;
    const char *suffix; /* "20" of --size 20, "GLOBAL", or NULL */
    bool global;
};

/* import_files.c: files, messages, words, units */
struct imp_file *imp_file(struct importer *, const char *name, bool required);
/* A regular file (not a symbolic link) `name` in the directory. */
bool imp_exists(const struct importer *, const char *name);
void imp_error(struct importer *, const struct imp_file *, int line,
               const char *fmt, ...) MI_PRINTF(4, 5);
void imp_warn(struct importer *, const struct imp_file *, int line,
              const char *fmt, ...) MI_PRINTF(4, 5);
void imp_omit(struct importer *, const char *fmt, ...) MI_PRINTF(2, 3);
/* One line "HEAD (ITEM, ITEM, ...): TAIL" per head and tail, each item
 * once, in the order met. */
void imp_omit_item(struct importer *, const char *head, const char *item,
                   const char *tail);
/* The header's text of omitted line i (malloc'ed). */
char *imp_omitted_text(const struct imp_omitted *);
void imp_units(struct importer *, const char *fmt, ...) MI_PRINTF(2, 3);
bool imp_number(const char *word, long min, long max, long *out);
/* Line l has lo..hi words, else reported: "N columns, expected ...
 * (what)". */
bool imp_columns(struct importer *, const struct imp_file *,
                 const struct imp_line *l, size_t lo, size_t hi,
                 const char *what);
/* `name` is a valid name of at most max characters, else reported. */
bool imp_valid_name(struct importer *, const struct imp_file *, int line,
                    const char *what, const char *name, size_t max);
/* The value of a column for AS `asn`: a comma list is indexed by asn %
 * its length, as the original's old internal links are. */
char *imp_pick(const char *word, unsigned asn);
/* Conversions to miniinet's units; false after reporting. *old is set
 * when the value was in the original's old units. */
bool imp_rate(struct importer *, const struct imp_file *, int line,
              const char *word, char *out, size_t len, bool *old);
bool imp_time(struct importer *, const struct imp_file *, int line,
              const char *what, const char *word, char *out, size_t len,
              bool *old);
/* rate delay [buffer] columns starting at words[first]. */
bool imp_impair(struct importer *, const struct imp_file *,
                const struct imp_line *, size_t first, bool with_buffer,
                unsigned asn, struct imp_impair *out);
void imp_note_units(struct importer *, const struct imp_file *, bool old_rate,
                    bool old_delay);

/* import_body.c: the per-AS files */
struct imp_body *imp_read_body(struct importer *, struct imp_as *);
void imp_body_free(struct imp_body *);
int imp_find_router(const struct imp_body *, const char *name);

/* import_write.c */
char *imp_write(struct importer *);

#endif
