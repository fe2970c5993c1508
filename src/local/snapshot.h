/* Snapshots of what students typed: every router's running configuration
 * (from FRR itself) and every host's and L2 host's addresses and routes,
 * kept in the network's persistent directory,
 * <persist>/<network>/snapshots/NAME/.
 *
 * A snapshot is one directory: a file per node (NODE.frr: `show
 * running-config` of a router or route server; NODE.ip: a host's addresses
 * and routes, netlink_dump_node()'s text), a file per switch (BRIDGE.vlan:
 * its ports' VLAN settings as the switch plugin's get_vlans() gave them;
 * none in snapshots saved before 4.4 plugins, or with a switch plugin
 * without it) and MANIFEST, written last:
 *
 *     miniinet-snapshot 1
 *     network small
 *     time 1764728400              (seconds since the epoch, UTC)
 *     named 1                      (saved with --name: never pruned)
 *     as 3                         (saved with --as 3: AS or IXP 3's
 *                                   routers, hosts and switches only;
 *                                   no such line: the whole network)
 *     note before the lab          (optional, one line)
 *     file 1_ZURIrouter.frr 1432 <sha256 hex>
 *     file 2_BASErouter.frr 1210 <sha256 hex> stale
 *                                  (the router did not answer, or it is
 *                                   marked: its file is the previous
 *                                   snapshot's)
 *     file 3_LUGArouter.frr.running 980 <sha256 hex>
 *                                  (a marked node's or switch's running
 *                                   state, kept beside its stale file
 *                                   (FILE.running: NODE.frr.running,
 *                                   NODE.ip.running, BRIDGE.vlan.running):
 *                                   what students typed on it while
 *                                   marked; never restored unless asked,
 *                                   `restore --node NAME --running
 *                                   SNAPSHOT`)
 *     end <sha256 hex of every byte before this line>
 *
 * It is written under a temporary name (.tmp-PID) and renamed, so that a
 * crash leaves the previous snapshots as they were; a leftover temporary
 * directory is removed by the next `save`.  What is no snapshot at all (a
 * temporary directory or any name a snapshot cannot have, anything not a
 * directory) is "incomplete": never a candidate.  The reader is strict:
 * anything else -- a directory of a snapshot's name without MANIFEST (a
 * save never leaves one), a checksum that does not match, a file that is
 * missing or not listed -- is a damaged snapshot, named, never
 * restored. */
#ifndef MINIINET_SNAPSHOT_H
#define MINIINET_SNAPSHOT_H 1

#include <stdbool.h>
#include <stddef.h>

#define SNAPSHOT_MAGIC "miniinet-snapshot 1"
#define SNAPSHOT_MANIFEST "MANIFEST"
/* Longest file a snapshot holds (a router's configuration). */
#define SNAPSHOT_FILE_MAX (8u << 20)
#define SNAPSHOT_NOTE_MAX 200
/* The suffix of a marked node's or switch's side file, after its file's
 * name: what it ran while marked (NODE.frr.running, NODE.ip.running,
 * BRIDGE.vlan.running). */
#define SNAPSHOT_RUNNING ".running"

struct snapshot_file {
    char *name; /* NODE.frr, NODE.ip or BRIDGE.vlan (+ SNAPSHOT_RUNNING) */
    size_t size;
    char sha256[65];
    bool stale;
};

struct snapshot {
    char *name; /* its directory */
    char *network;
    long long time;
    bool named;
    unsigned asn; /* 0: the whole network; N: AS (or IXP) N's part */
    char *note;   /* NULL: none */
    struct snapshot_file *files;
    size_t n_files, files_cap;
    /* snapshot_list(): its manifest or a file fails its check (reported);
     * `unread`: its manifest could not be parsed at all, so its scope is
     * unknown and `time` is the directory's mtime. */
    bool damaged, unread;
};

/* Retention: the last `keep_last`, and the newest of each UTC day for
 * `keep_days` days; named ones, the newest intact one of each scope and
 * the one just written always (so `keep_last = 0; keep_days = 0;` keeps
 * those only).  Counted within each scope (whole network, AS N's part):
 * partial snapshots never push whole ones out. */
struct snapshot_retention {
    unsigned keep_last, keep_days;
    /* Snapshots kept whatever the numbers say (NULL-terminated; NULL:
     * none): those the network's marks name (state_mark_snapshots()),
     * whose side files may hold the only copy of students' work.
     * snapshot_prune() adds the pinned ones (SNAPSHOT_PINS). */
    const char *const *pinned;
};
#define SNAPSHOT_KEEP_LAST 48
#define SNAPSHOT_KEEP_DAYS 30

/* SHA-256 of `len` bytes, as 64 hex digits and a NUL. */
void snapshot_sha256(const void *data, size_t len, char hex[65]);

/* The manifest's text (malloc()ed). */
char *snapshot_manifest_format(const struct snapshot *);

/* Parses a manifest's `len` bytes into *out (name not set).  On a damaged
 * one returns -EINVAL after reporting "PATH:LINE: ..." (PATH names it in
 * messages). */
int snapshot_manifest_parse(const char *text, size_t len, const char *path,
                            struct snapshot *out);

/* Whether a note can be stored: at most SNAPSHOT_NOTE_MAX bytes, no control
 * character. */
bool snapshot_note_valid(const char *note);

/* Whether snapshot `s` holds AS `asn`'s part (0: the whole network): a
 * whole-network snapshot holds every part; an AS's part holds only
 * itself; a damaged one whose manifest was unreadable may hold any. */
bool snapshot_covers(const struct snapshot *s, unsigned asn);

/* Whether two snapshots hold the same files with the same contents. */
bool snapshot_same_content(const struct snapshot *, const struct snapshot *);

/* Whether a save that made `snap` may store nothing, list[prev] being the
 * newest intact snapshot of its scope among `n` sorted newest first: when
 * list[prev] holds the same files and no snapshot newer than it (intact or
 * damaged) may hold a part `snap` holds -- an AS whose file it has, or any
 * part for a whole-network one.  A restore takes the newest snapshot
 * holding a part (snapshot_choose()), so storing nothing then would bring
 * that newer snapshot's older state back.  Pure. */
bool snapshot_unchanged(const struct snapshot *list, size_t n, size_t prev,
                        const struct snapshot *snap);

/* Which of `n` snapshots sorted newest first to keep at time `now`:
 * keep[i] set.  Damaged ones are kept (left for the TA to look at) and
 * take no place: they never push an intact one out.  The newest intact
 * snapshot of each scope and snapshot `written` (the one a save has just
 * stored; NULL: none) are kept whatever the retention says.  Pure. */
void snapshot_retain(const struct snapshot *, size_t n, long long now,
                     const struct snapshot_retention *, const char *written,
                     bool keep[]);

/* Where a restore that takes file `file` (NODE.frr, NODE.ip,
 * BRIDGE.vlan) of some snapshot leaves its students' newest work: the
 * index in `list` (of `n`, newest first) of the newest snapshot whose
 * manifest lists `file` stale with `file`SNAPSHOT_RUNNING beside it (the
 * object was marked at that save: what it ran then is only there).  Newer
 * stale copies without a side file (saves while it was marked and did not
 * answer) are passed over; -1 at the first copy that is not stale (a save
 * took what ran) or when there is none.  Pure. */
long snapshot_displacing(const struct snapshot *list, size_t n,
                         const char *file);

/* The newest snapshot holding object file `key`'s side file
 * (`key`SNAPSHOT_RUNNING): `first` when it has one (the snapshot a save
 * has just written; NULL: none), else the newest of `list` (of `n`, newest
 * first) that does; NULL when none.  What a save pins for a marked
 * object.  Pure. */
const struct snapshot *snapshot_newest_running(const struct snapshot *first,
                                               const struct snapshot *list,
                                               size_t n, const char *key);

/* Which of the `n` objects of a network's record -- `objects[i]`, the
 * suffix of its file `suffixes[i]` (".frr", ".ip", ".vlan"; NULL: an
 * object snapshots do not keep) -- that a restore of `snap` is asked to
 * put back (`selected[i]`) the snapshot does not hold: lacking[i] set (a
 * node added after the save, say).  An object outside the snapshot's
 * scope (another AS's, for a snapshot of one AS) is not lacking, nor a
 * switch when the snapshot holds no switch at all (saved before they
 * were kept).  Returns how many.  Pure. */
size_t snapshot_lacking(const struct snapshot *snap,
                        const char *const *objects,
                        const char *const *suffixes, const bool *selected,
                        size_t n, bool lacking[]);

/* The default name of a snapshot taken at `t`: "YYYYMMDD-HHMMSS" (UTC). */
void snapshot_default_name(long long t, char buf[32]);

/* The node or bridge file `file` is of (NAME of NAME.frr, NAME.ip,
 * NAME.vlan, each maybe with SNAPSHOT_RUNNING after it) into buf, and its
 * kind's suffix (".frr", ".ip", ".vlan": a static string) in *suffix;
 * false if `file` is not such a name. */
bool snapshot_file_object(const char *file, char *buf, size_t len,
                          const char **suffix);

/* What file `file` of a snapshot is: the suffix of its object's kind
 * (".frr", ".ip", ".vlan": a static string; NULL when it is no node's or
 * switch's file), and in *running (when not NULL) whether it is that
 * object's side file (FILE.running: BRIDGE.vlan.running is a switch's).
 * The one reading of a file's name.  Pure. */
const char *snapshot_file_kind(const char *file, bool *running);

/* Which files of `snap` a restore puts back: keep[i] for file i, when it
 * is of node or bridge `only` (NULL: any) and of AS `asn` (0: any; the
 * AS is the leading number of the object's name, names_asn_of()), and a
 * marked object's side file (SNAPSHOT_RUNNING) exactly when
 * `running` (restore --running): never otherwise.  Returns how many are
 * kept.  Pure. */
size_t snapshot_select(const struct snapshot *snap, const char *only,
                       unsigned asn, bool running, bool keep[]);

/* Whether file name `file` is a marked object's side file (ends with
 * SNAPSHOT_RUNNING).  Pure. */
bool snapshot_file_running(const char *file);

void snapshot_add_file(struct snapshot *, const char *name, const void *data,
                       size_t len, bool stale);
void snapshot_free(struct snapshot *);

/* Which snapshot a restore takes among `n` sorted newest first
 * (snapshot_list()'s), for snapshot `name` or, without one, the newest
 * intact one holding AS `want`'s part (0: the whole network;
 * snapshot_covers()).  Returns its index, or -1 (none, or `name` is
 * damaged).  *damaged: the index of `name` when it is damaged, else of
 * the newest damaged snapshot that may hold `want`'s part and is newer
 * than the one chosen (or, with none chosen, any), else -1: the restore
 * refuses or warns.  *offer: the newest intact one holding `want`'s
 * part, -1 if none (what a refusal offers).  Pure. */
long snapshot_choose(const struct snapshot *list, size_t n, const char *name,
                     unsigned want, long *damaged, long *offer);

/* What a whole restore without a name takes (`restore`, `up --restore`):
 * for each of the `n_asns` ASes `asns` (0: what belongs to no AS), the
 * newest intact snapshot of `list` (of `n`, newest first) holding its
 * part -- a whole-network one holds every AS, one saved --as N only AS N
 * -- into chosen[k] (-1: none), and damaged[k] as snapshot_choose()'s
 * for that AS.  So a `save --as 3` newer than the newest whole snapshot
 * brings AS 3 back from it and the others from the whole one.  Pure. */
void snapshot_choose_each(const struct snapshot *list, size_t n,
                          const unsigned *asns, size_t n_asns, long chosen[],
                          long damaged[]);

/* What a master's restore without a name takes, given `n_lists` servers'
 * snapshot lists (each newest first, as snapshot_list() gives them; only
 * the servers the restore involves): the newest name that every list has
 * intact and holding AS `want`'s part (0: the whole network).  Returns
 * it (a pointer into the lists), or NULL.  *damaged: the newest damaged
 * snapshot of any list that may hold `want`'s part and is newer than the
 * chosen one (or, with none chosen, any), else NULL: the restore refuses
 * or warns, as snapshot_choose()'s.  *partial: the newest intact one
 * newer than the chosen one that some list lacks (a master's save that
 * did not reach every server), else NULL: said.  Pure. */
const char *snapshot_choose_common(const struct snapshot *const *lists,
                                   const size_t *n, size_t n_lists,
                                   unsigned want,
                                   const struct snapshot **damaged,
                                   const struct snapshot **partial);

/* The snapshots in directory `snapdir` (an open descriptor of
 * <persist>/<network>/snapshots), newest first, each read and checked (its
 * files' checksums with `verify`).  A damaged one (manifest or, with
 * `verify`, a file failing its check) is reported naming the file and
 * listed with `damaged` set (so is a directory of a snapshot's name
 * without a manifest: `unread`).  Entries that are no snapshot at all --
 * a leftover temporary directory (.tmp-PID, what a crash mid-save
 * leaves), anything not a directory -- are not listed: their names go to
 * *incomplete when that is non-NULL (a NULL-terminated malloc()ed array),
 * silently.  Returns the number listed; *out malloc()ed. */
size_t snapshot_list(int snapdir, const char *path, bool verify,
                     struct snapshot **out, char ***incomplete);

/* Removes snapshot `name` of `snapdir` (shown as `path`/`name`) so that a
 * kill at any moment leaves it whole or no snapshot at all, never a
 * snapshot's directory cut short (damaged, which would stop an unnamed
 * restore): snapshot_set_aside() first, then the tree is removed.  0 or
 * -errno, said. */
int snapshot_remove(int snapdir, const char *path, const char *name);

/* Removes the snapshots of `snapdir` (shown as `path`) that retention
 * `r` does not keep at time `now` (snapshot_retain()); never `written`
 * (the one a save has just stored; NULL: none).  The newest of each scope
 * are checked, their files too, until an intact one is found, so a
 * damaged one never pushes the newest intact one out; damaged ones are
 * left.  Each goes through snapshot_remove() (set aside first): a kill
 * meanwhile leaves an incomplete entry, removed by the next save, never a
 * damaged snapshot.  Returns how many were removed. */
size_t snapshot_prune(int snapdir, const char *path, long long now,
                      const struct snapshot_retention *r, const char *written);

/* Renames snapshot `name` to a temporary name (.tmp-PID-removed-NAME, into
 * `aside` of `size`): an incomplete entry, listed apart by snapshot_list()
 * and removed by the next save as a save's leftover; the directory is
 * synced.  0 or -errno, said. */
int snapshot_set_aside(int snapdir, const char *path, const char *name,
                       char *aside, size_t size);

/* Checks every file of `snap` against its manifest; 0, or -EINVAL after
 * naming the first that does not match (snap->damaged set). */
int snapshot_verify(int snapdir, const char *path, struct snapshot *snap);

/* Reads file `file` of snapshot `snap` (in `snapdir`), checking it against
 * the manifest; -EINVAL after naming it when it does not match. */
int snapshot_read_file(int snapdir, const char *path,
                       const struct snapshot *snap,
                       const struct snapshot_file *file, char **data);

/* Pins: which snapshots hold students' work that a restore displaced or
 * that a marked object ran (a side file, FILE.running), kept by retention
 * whatever its numbers say.  They live with the snapshots, in the
 * persistent directory (not the run directory: they survive `down` and a
 * reboot), one file SNAPSHOT_PINS in <persist>/<network>/snapshots/
 * (root's, 0600, written to a temporary name and renamed), a line each:
 *
 *     KEY SNAPSHOT
 *     KEY SNAPSHOT newest
 *
 * KEY the object's file (NODE.frr, NODE.ip, BRIDGE.vlan: a mark's key),
 * SNAPSHOT the snapshot that holds the work (in KEY.running, or in KEY a
 * heal's fallback marked); several per key.  A pin for good (the first
 * form) is added where a displaced mark is set or a heal falls back to
 * `up`'s configuration (network_mark_pinned()); and wherever a mark is
 * set with a reset of what runs, that key's pins of the second form
 * become pins for good (snapshot_pin_reset()).  A save pins, for each
 * marked object, the newest snapshot holding its KEY.running, of the
 * second form: at most one such pin per key, replaced by the next save's
 * when that one holds the same or newer work (snapshot_pins_newest()), so
 * that saves while an object stays marked do not pile pins up.  A pin is
 * removed only by `restore --node NODE --running SNAPSHOT` (that work runs
 * again), by the TA (snapshot_unpin()), or, of the second form, by a later
 * save's; never by `save --force` or `down`.  This is the one owner of
 * that file. */
#define SNAPSHOT_PINS ".pins"
#define SNAPSHOT_PIN_NEWEST "newest"
/* The snapshots' directory in a network's persistent one. */
#define SNAPSHOT_DIR "snapshots"
#define SNAPSHOT_PINS_MAX (1u << 20)

struct snapshot_pin {
    char *key;      /* NODE.frr, NODE.ip or BRIDGE.vlan */
    char *snapshot; /* a snapshot's name */
    bool newest;    /* a save's pin of KEY's newest KEY.running */
};

struct snapshot_pins {
    struct snapshot_pin *v;
    size_t n, cap;
};

/* Parses `len` bytes of a pins file (`path` names it in messages) into
 * *out: 0, or -EINVAL after reporting "PATH:LINE: ..." (a line that is
 * not "KEY SNAPSHOT", a pin listed twice, no newline at the end).
 * Pure. */
int snapshot_pins_parse(const char *text, size_t len, const char *path,
                        struct snapshot_pins *out);

/* The file's text (malloc()ed; "" when there is none).  Pure. */
char *snapshot_pins_format(const struct snapshot_pins *);

/* Whether `key` may be a pin's key: an object's file (NODE.frr, NODE.ip,
 * BRIDGE.vlan, as snapshot_file_object() reads it), never a side file's
 * name (FILE.running).  Pure. */
bool snapshot_pin_key_valid(const char *key);

/* Whether `pins` has pin `key` `snapshot` (`key` NULL: any key). */
bool snapshot_pins_has(const struct snapshot_pins *, const char *key,
                       const char *snapshot);

/* Adds pin `key` `snapshot`, for good: true when it was not there, or
 * was a save's "newest" one (it then becomes for good); false also when
 * `key` or `snapshot` is no valid one.  Pure. */
bool snapshot_pins_add(struct snapshot_pins *, const char *key,
                       const char *snapshot);

/* A save's pin of `holder`, the newest snapshot holding `key`'s
 * KEY.running (snapshot_newest_running()), of the "newest" kind (none
 * added when `key` `holder` is pinned already, of either kind), and
 * `key`'s other "newest" pins removed: each held work at most as new --
 * unless its snapshot is in `list` (of `n`) with a later time than
 * `holder` (a pin for good is never removed).  True when `pins` changed.
 * Pure. */
bool snapshot_pins_newest(struct snapshot_pins *, const char *key,
                          const struct snapshot *holder,
                          const struct snapshot *list, size_t n);

/* What runs on `key`'s object was reset (a mark set with `up`'s
 * configuration, a restore refused midway, a heal's fallback): `key`'s
 * "newest" pins become pins for good -- the next save's KEY.running holds
 * what runs after the reset, not the work those snapshots hold, so it may
 * not replace them.  True when `pins` changed.  Pure. */
bool snapshot_pins_keep(struct snapshot_pins *, const char *key);

/* Removes pin `key` `snapshot`: true when it was there.  Pure. */
bool snapshot_pins_remove(struct snapshot_pins *, const char *key,
                          const char *snapshot);

void snapshot_pins_free(struct snapshot_pins *);

/* Reads the pins of `snapdir` (shown as `path`): 0 (none when there is
 * no file), or -errno after naming the file (-EINVAL: not a pins file):
 * then nothing may be pruned. */
int snapshot_pins_load(int snapdir, const char *path,
                       struct snapshot_pins *out);

/* Writes `pins` as `snapdir`'s pins file (removed when there are none):
 * 0 or -errno, said. */
int snapshot_pins_store(int snapdir, const char *path,
                        const struct snapshot_pins *);

/* Pins (snapshot_pin()) or unpins (snapshot_unpin()) `snapshot` for `key`
 * in `snapdir`'s file: read, changed, written back (nothing written when
 * nothing changes).  0 or -errno, said (an unreadable file is never
 * written over). */
int snapshot_pin(int snapdir, const char *path, const char *key,
                 const char *snapshot);
/* snapshot_pins_newest() in `snapdir`'s file, as snapshot_pin(). */
int snapshot_pin_newest(int snapdir, const char *path, const char *key,
                        const struct snapshot *holder,
                        const struct snapshot *list, size_t n);
/* snapshot_pins_keep() for `key` and, when `snapshot` is not NULL, pin
 * `key` `snapshot` for good, in one change of `snapdir`'s file, as
 * snapshot_pin(): for every mark set with a reset of what runs
 * (network_save.c's mark_pinned()). */
int snapshot_pin_reset(int snapdir, const char *path, const char *key,
                       const char *snapshot);
/* Opens <persist>/<network>/snapshots (created when `create`) and sets
 * *path to how it is shown (malloc()ed; NULL on failure): the directory's
 * descriptor, or -errno (-ENOENT: the network has no snapshots, not said;
 * any other said). */
int snapshot_open_dir(const char *network, bool create, char **path);
/* `status`: says, on stderr, which snapshots network `network`'s pins
 * keep and for what, or that the pins cannot be read; nothing when it
 * has no snapshots. */
void snapshot_pins_say(const char *network);
int snapshot_unpin(int snapdir, const char *path, const char *key,
                   const char *snapshot);

#endif
