/* check_schema.c: the table of gua.ini keys is whole and self-consistent. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "schema.h"
#include "check_main.h"

/* Every slot of the table and of the type names is filled in. */
START_TEST(test_no_empty_slots)
{
	const struct schema_key *k;
	size_t n, i, j;

	for (i = 0; i < SCHEMA_TYPE_COUNT; i++)
		ck_assert_msg(schema_type_names[i] != NULL &&
			schema_type_names[i][0] != '\0',
		    "type %zu has no name", i);
	k = schema_keys(&n);
	ck_assert_uint_ge(n, 30);
	for (i = 0; i < n; i++) {
		ck_assert_msg(k[i].section != NULL && k[i].section[0] != '\0',
		    "key %zu has no section", i);
		ck_assert_msg(k[i].name != NULL && k[i].name[0] != '\0',
		    "key %zu has no name", i);
		ck_assert_msg(k[i].type < SCHEMA_TYPE_COUNT,
		    "[%s] %s has no type", k[i].section, k[i].name);
		ck_assert_msg(k[i].off + sizeof(int) <= sizeof(struct conf),
		    "[%s] %s lies outside struct conf", k[i].section,
		    k[i].name);
		ck_assert_msg(k[i].min <= k[i].max, "[%s] %s: bounds reversed",
		    k[i].section, k[i].name);
		for (j = 0; j < i; j++)
			ck_assert_msg(strcmp(k[i].section, k[j].section) != 0 ||
				strcmp(k[i].name, k[j].name) != 0,
			    "[%s] %s is in the table twice", k[i].section,
			    k[i].name);
		ck_assert_ptr_eq(schema_find(k[i].section, k[i].name), &k[i]);
		ck_assert(schema_section(k[i].section));
	}
	ck_assert_ptr_null(schema_find("server", "no_such_key"));
	ck_assert_ptr_null(schema_find("no_such_section", "port"));
	ck_assert(!schema_section("no_such_section"));
}
END_TEST

/* A number's default lies within its bounds; every bool has one. */
START_TEST(test_defaults_within_bounds)
{
	const struct schema_key *k;
	unsigned long v;
	size_t n, i;
	char *end;

	k = schema_keys(&n);
	for (i = 0; i < n; i++) {
		switch (k[i].type) {
		case SCHEMA_BOOL:
			ck_assert_msg(k[i].dflt != NULL &&
				(strcmp(k[i].dflt, "on") == 0 ||
				    strcmp(k[i].dflt, "off") == 0),
			    "[%s] %s: bool without a default", k[i].section,
			    k[i].name);
			break;
		case SCHEMA_AUTO:
			if (k[i].dflt != NULL && strcmp(k[i].dflt, "auto") == 0)
				break;
			/* FALLTHROUGH */
		case SCHEMA_UINT:
		case SCHEMA_SECONDS:
		case SCHEMA_MSEC:
		case SCHEMA_SIZE:
			ck_assert_msg(k[i].dflt != NULL,
			    "[%s] %s: number without a default", k[i].section,
			    k[i].name);
			v = strtoul(k[i].dflt, &end, 10);
			ck_assert_msg(*end == '\0' && v >= k[i].min &&
				v <= k[i].max,
			    "[%s] %s: default %s not within %lu..%lu",
			    k[i].section, k[i].name, k[i].dflt, k[i].min,
			    k[i].max);
			ck_assert_msg(k[i].type == SCHEMA_SIZE ||
				k[i].max <= UINT_MAX,
			    "[%s] %s: bound beyond an unsigned", k[i].section,
			    k[i].name);
			break;
		default:
			ck_assert_msg(k[i].dflt == NULL || k[i].dflt[0] != '\0',
			    "[%s] %s: empty default", k[i].section, k[i].name);
			break;
		}
	}
}
END_TEST

/*
 * Each default goes through the parser (schema_defaults) and prints back
 * as written; a value set from its own printed form prints the same.
 */
START_TEST(test_defaults_print_as_written)
{
	const struct schema_key *k;
	char buf[4096], again[4096], err[CONF_ERR_MAX];
	struct conf *c, *d;
	size_t n, i;

	c = calloc(1, sizeof(*c));
	d = calloc(1, sizeof(*d));
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(d);
	ck_assert_msg(schema_defaults(c, err, sizeof(err)) == 0, "%s", err);
	k = schema_keys(&n);
	for (i = 0; i < n; i++) {
		if (k[i].dflt == NULL) {
			ck_assert_int_eq(schema_format(c, &k[i], buf,
					     sizeof(buf)),
			    1);
			continue;
		}
		ck_assert_int_eq(schema_format(c, &k[i], buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, k[i].dflt);
		ck_assert_msg(schema_set(d, &k[i], buf, err, sizeof(err)) == 0,
		    "%s", err);
		ck_assert_int_eq(schema_format(d, &k[i], again, sizeof(again)),
		    0);
		ck_assert_str_eq(again, buf);
	}
	schema_free(c);
	schema_free(d);
	free(c);
	free(d);
}
END_TEST

/* One past each bound is refused, with the message naming the bounds. */
START_TEST(test_bounds_refused)
{
	const struct schema_key *k;
	char v[64], err[CONF_ERR_MAX], want[256];
	struct conf *c;
	size_t n, i;

	c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	k = schema_keys(&n);
	for (i = 0; i < n; i++) {
		if (k[i].type != SCHEMA_UINT && k[i].type != SCHEMA_AUTO &&
		    k[i].type != SCHEMA_SECONDS && k[i].type != SCHEMA_MSEC &&
		    k[i].type != SCHEMA_SIZE)
			continue;
		snprintf(v, sizeof(v), "%lu", k[i].max + 1);
		ck_assert_int_eq(schema_set(c, &k[i], v, err, sizeof(err)), -1);
		snprintf(want, sizeof(want),
		    "[%s] %s: must be %sa number from %lu to %lu, not \"%s\"",
		    k[i].section, k[i].name,
		    k[i].type == SCHEMA_AUTO ? "\"auto\" or " : "", k[i].min,
		    k[i].max, v);
		ck_assert_str_eq(err, want);
		if (k[i].min > 0) {
			snprintf(v, sizeof(v), "%lu", k[i].min - 1);
			ck_assert_int_eq(schema_set(c, &k[i], v, err,
					     sizeof(err)),
			    -1);
		}
		snprintf(v, sizeof(v), "%lu", k[i].max);
		ck_assert_msg(schema_set(c, &k[i], v, err, sizeof(err)) == 0,
		    "%s", err);
	}
	free(c);
}
END_TEST

/* A list splits at spaces, tabs and commas, and prints with spaces. */
START_TEST(test_list_words)
{
	static const struct schema_key k = { "t", "l", SCHEMA_LIST, 0, 0, 0,
		NULL, NULL };
	char buf[64], err[CONF_ERR_MAX];
	struct schema_list l[1];

	memset(l, 0, sizeof(l));
	ck_assert_int_eq(schema_set((struct conf *)(void *)l, &k,
			     " a, b\tc,,d ", err, sizeof(err)),
	    0);
	ck_assert_uint_eq(l[0].n, 4);
	ck_assert_int_eq(schema_format((struct conf *)(void *)l, &k, buf,
			     sizeof(buf)),
	    0);
	ck_assert_str_eq(buf, "a b c d");
	ck_assert_int_eq(schema_set((struct conf *)(void *)l, &k, " , ", err,
			     sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "[t] l: empty value");
	ck_assert_uint_eq(l[0].n, 4);
	ck_assert_int_eq(schema_format((struct conf *)(void *)l, &k, buf, 4),
	    -1);
	ck_assert_int_eq(schema_set((struct conf *)(void *)l, &k, "x", err,
			     sizeof(err)),
	    0);
	ck_assert_uint_eq(l[0].n, 1);
	ck_assert_str_eq(l[0].v[0], "x");
	free(l[0].v[0]);
	free(l[0].v);
}
END_TEST

static Suite *
schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc;

	tc = tcase_create("table");
	tcase_add_test(tc, test_no_empty_slots);
	tcase_add_test(tc, test_defaults_within_bounds);
	tcase_add_test(tc, test_defaults_print_as_written);
	tcase_add_test(tc, test_bounds_refused);
	tcase_add_test(tc, test_list_words);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(schema_suite)
