#ifndef LATHE_DATA_CSVIN_H
#define LATHE_DATA_CSVIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/err.h"
#include "data/table.h"

enum csvin_header { CSVIN_HEADER_AUTO, CSVIN_HEADER_YES, CSVIN_HEADER_NO };

/* A column's type forced by the user, by column name. */
struct csvin_type {
	char *column;
	enum col_type type;
};

struct csvin_opts {
	char delimiter;            /* 0 = sniff; ' ' = runs of blanks (C-MAPSS style) */
	char decimal;              /* 0 = sniff, '.' or ',' */
	enum csvin_header header;
	const char *time_format;   /* strptime(3) format for timestamp columns */
	bool ragged_pad;           /* pad short rows / cut long ones instead of failing */
	bool bad_utf8_replace;     /* U+FFFD instead of failing */
	bool bad_number_missing;   /* text in a numeric column becomes missing */
	size_t max_field;          /* bytes; 0 = CSVIN_MAX_FIELD */
	size_t sample_rows;        /* rows used to infer the schema; 0 = default */
	const struct csvin_type *types;
	size_t ntypes;
	/* For a loader beside a user interface (both may be NULL): bytes read
	 * so far, and a flag that stops the load with an error. */
	atomic_size_t *progress;
	const atomic_int *cancel;
};

#define CSVIN_MAX_FIELD (1u << 20)

/* What loading did, for the cleaning report and `lathe info`. */
struct csvin_report {
	size_t rows;               /* data rows loaded */
	long lines;                /* physical lines read */
	char delimiter;            /* the one used (' ' = blanks) */
	char decimal;
	bool header;
	size_t ragged_padded;      /* rows padded or cut */
	size_t utf8_replaced;      /* invalid sequences replaced */
	size_t numbers_missing;    /* non-numbers turned missing */
	size_t bytes;
};

void csvin_opts_init(struct csvin_opts *o);
/* Loads a CSV file (path "-" = standard input) into a new table. */
int csvin_load(const char *path, const struct csvin_opts *o, struct table **out,
               struct csvin_report *rep, struct err *e);
/* Parses "name=type" (type: number|string|time) for --type. */
int csvin_parse_type(const char *spec, struct csvin_type *out, struct err *e);

#endif
