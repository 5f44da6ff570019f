#ifndef LATHE_CORE_ASK_H
#define LATHE_CORE_ASK_H

#include "base/err.h"
#include "base/strbuf.h"
#include "data/table.h"

/* Questions about a log itself, answered over its rows:
 *   count [where EXPR] [by EXPR]
 *   mean|sum|min|max EXPR [where EXPR] [by EXPR]
 * EXPR is a Lua expression over a row as a filter takes it
 * (hooks/filter.h: columns by header or fact name), so
 * `count where label == "HDF" by type` and
 * `mean torque where predicted == "OSF"` read as they are written.
 * Returns 1 with the answer in out, 0 when the question is not one of
 * these (the caller asks the model), -1 with the error. */
int ask_log(const char *question, const struct table *t, long lua_limit, struct strbuf *out, struct err *e);

#endif
