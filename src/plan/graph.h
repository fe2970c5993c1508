/* The topology drawing of a plan: ASes and IXPs, their business
 * relationships, the server each runs on.  `miniinet graph` prints it; the
 * dashboard's topology page serves the same SVG.  A pure function of the
 * plan: byte-identical output for the same file. */
#ifndef MINIINET_GRAPH_H
#define MINIINET_GRAPH_H 1

#include <stdio.h>

#include "miniinet/plugin.h"

enum graph_format {
    GRAPH_DOT, /* Graphviz source, for `dot -Tpdf` and slides */
    GRAPH_SVG  /* laid out here: no Graphviz needed */
};

/* "dot" or "svg": 0 and *format set, or -EINVAL. */
int graph_parse_format(const char *name, enum graph_format *format);

/* Writes the drawing of `plan`.  Returns 0 or -errno (write error). */
int graph_write(const struct mi_plan *plan, enum graph_format, FILE *);

#endif
