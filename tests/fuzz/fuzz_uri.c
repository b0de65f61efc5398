/*
 * fuzz_uri.c: request paths and form fields.
 *
 * The input is a raw request path for uri_path_decode, a form value for
 * uri_form_decode, and a query string for uri_form_get. Each result is
 * held against a plain model of what uri.c documents (decode once, then
 * resolve dot segments; '..' above the root is an error) and against the
 * invariants the router and the file server rely on.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include "fuzz.h"
#include "http.h"
#include "uri.h"

static int
hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes %XX (and '+' with form set); -1 on a bad escape. */
static long
unescape(const char *in, size_t len, char *out, int form)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '%') {
			if (len - i < 3 || hex((unsigned char)in[i + 1]) < 0 ||
			    hex((unsigned char)in[i + 2]) < 0)
				return -1;
			out[o++] = (char)(hex((unsigned char)in[i + 1]) << 4 |
			    hex((unsigned char)in[i + 2]));
			i += 2;
		} else
			out[o++] = form && in[i] == '+' ? ' ' : in[i];
	}
	return (long)o;
}

/*
 * The model of uri_path_decode: segments on a stack; "" and "." vanish,
 * ".." pops (400 if nothing to pop); a path that ends in "/", "/." or
 * "/.." keeps a trailing slash.
 */
static int
model_path(const char *in, size_t len, char *out, size_t *outlen)
{
	char *d = malloc(len + 1);
	size_t *seg = malloc((len + 1) * sizeof(*seg));
	size_t *sl = malloc((len + 1) * sizeof(*sl));
	size_t i, j, n, nseg = 0, o = 0;
	long dl;
	int rc = HTTP_STATUS_BAD_REQUEST, trailing = 0;

	if (d == NULL || seg == NULL || sl == NULL)
		abort();
	if (len == 0 || in[0] != '/')
		goto out;
	if ((dl = unescape(in, len, d, 0)) < 0)
		goto out;
	for (i = 0; i < (size_t)dl; i++)
		if ((unsigned char)d[i] < 0x20 || d[i] == 0x7f)
			goto out;
	if (!fuzz_utf8_ok(d, (size_t)dl))
		goto out;
	for (i = 1; i <= (size_t)dl; i = j + 1) {
		for (j = i; j < (size_t)dl && d[j] != '/'; j++)
			;
		n = j - i;
		trailing = j == (size_t)dl; /* the last segment */
		if (n == 0 || (n == 1 && d[i] == '.'))
			continue;
		if (n == 2 && d[i] == '.' && d[i + 1] == '.') {
			if (nseg == 0)
				goto out;
			nseg--;
			continue;
		}
		seg[nseg] = i;
		sl[nseg++] = n;
		trailing = 0;
	}
	for (i = 0; i < nseg; i++) {
		out[o++] = '/';
		memcpy(out + o, d + seg[i], sl[i]);
		o += sl[i];
	}
	if (o == 0 || trailing)
		out[o++] = '/';
	out[o] = '\0';
	*outlen = o;
	rc = 0;
out:
	free(d);
	free(seg);
	free(sl);
	return rc;
}

static void
path_check(const char *in, size_t len)
{
	char *out = malloc(len + 1), *want = malloc(len + 2), *again;
	size_t n = 0, wn = 0, an = 0;
	int rc, wrc;

	if (out == NULL || want == NULL)
		abort();
	rc = uri_path_decode(in, len, out, &n);
	wrc = model_path(in, len, want, &wn);
	if (rc != wrc || (rc == 0 && (n != wn || memcmp(out, want, n) != 0))) {
		fprintf(stderr,
		    "fuzz_uri: uri_path_decode gives %d, the model "
		    "%d\n(\"%.*s\" and \"%.*s\")\n",
		    rc, wrc, rc == 0 ? (int)n : 0, out, wrc == 0 ? (int)wn : 0,
		    want);
		FUZZ_CHECK(!"uri_path_decode differs from the model");
	}
	if (rc == 0) {
		/* what the router and the file server rely on */
		FUZZ_CHECK(n > 0 && n <= len && out[0] == '/');
		FUZZ_CHECK(out[n] == '\0' && memchr(out, '\0', n) == NULL);
		FUZZ_CHECK(memmem(out, n, "//", 2) == NULL);
		FUZZ_CHECK(memmem(out, n, "/./", 3) == NULL);
		FUZZ_CHECK(memmem(out, n, "/../", 4) == NULL);
		FUZZ_CHECK(!(n >= 2 && memcmp(out + n - 2, "/.", 2) == 0));
		FUZZ_CHECK(!(n >= 3 && memcmp(out + n - 3, "/..", 3) == 0));
		FUZZ_CHECK(fuzz_utf8_ok(out, n));
		/* Normalised already: once more changes nothing (a '%' in
		 * the output came from %25 and would decode again). */
		if (memchr(out, '%', n) == NULL) {
			if ((again = malloc(n + 1)) == NULL)
				abort();
			FUZZ_CHECK(uri_path_decode(out, n, again, &an) == 0);
			FUZZ_CHECK(an == n && memcmp(again, out, n) == 0);
			free(again);
		}
	} else
		FUZZ_CHECK(rc == HTTP_STATUS_BAD_REQUEST);
	free(out);
	free(want);
}

static void
form_check(const char *in, size_t len)
{
	char *out = malloc(len + 1), *want = malloc(len + 1);
	size_t n = 0;
	long wn;
	int rc, wrc = HTTP_STATUS_BAD_REQUEST;

	if (out == NULL || want == NULL)
		abort();
	rc = uri_form_decode(in, len, out, &n);
	wn = unescape(in, len, want, 1);
	if (wn >= 0 && memchr(want, '\0', (size_t)wn) == NULL &&
	    fuzz_utf8_ok(want, (size_t)wn))
		wrc = 0;
	FUZZ_CHECK(rc == wrc);
	if (rc == 0) {
		FUZZ_CHECK(n == (size_t)wn && memcmp(out, want, n) == 0);
		FUZZ_CHECK(out[n] == '\0');
	}
	free(out);
	free(want);
}

/* Does the raw name decode, as a form value does, to key? */
static int
model_name_is(const char *s, size_t len, const char *key)
{
	char *name = malloc(len + 1);
	long n;
	int same;

	if (name == NULL)
		abort();
	n = unescape(s, len, name, 1);
	same = n >= 0 && (size_t)n == strlen(key) &&
	    memcmp(name, key, (size_t)n) == 0;
	free(name);
	return same;
}

/*
 * The model of uri_form_get: fields split at '&', names at the first '=',
 * names decoded before they are compared.
 */
static int
model_get(const char *s, size_t len, const char *key, const char **val,
    size_t *vlen)
{
	size_t i = 0, j, eq;

	for (;;) {
		for (j = i; j < len && s[j] != '&'; j++)
			;
		for (eq = i; eq < j && s[eq] != '='; eq++)
			;
		if (model_name_is(s + i, eq - i, key)) {
			*val = s + (eq < j ? eq + 1 : j);
			*vlen = eq < j ? j - eq - 1 : 0;
			return 1;
		}
		if (j == len)
			return 0;
		i = j + 1;
	}
}

static void
get_check(const char *s, size_t len, const char *key)
{
	const char *v = NULL, *wv = NULL;
	size_t vl = 0, wvl = 0;
	int found, want;

	found = uri_form_get(s, len, key, &v, &vl);
	want = model_get(s, len, key, &wv, &wvl);
	FUZZ_CHECK(found == want);
	if (found) {
		FUZZ_CHECK(fuzz_within(v, vl, s, len));
		FUZZ_CHECK(v == wv && vl == wvl);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_dup(data, size), *key;
	const char *v;
	size_t k, vl;
	long n;

	FUZZ_CHECK(!uri_utf8_valid(in, size) == !fuzz_utf8_ok(in, size));
	path_check(in, size);
	form_check(in, size);

	get_check(in, size, "message");
	get_check(in, size, "");
	/* the first field's name, raw and decoded, as a key */
	for (k = 0; k < size && in[k] != '&' && in[k] != '='; k++)
		;
	key = malloc(k + 1);
	if (key == NULL)
		abort();
	if (memchr(in, '\0', k) == NULL) {
		memcpy(key, in, k);
		key[k] = '\0';
		get_check(in, size, key);
	}
	n = unescape(in, k, key, 1);
	if (n >= 0 && memchr(key, '\0', (size_t)n) == NULL) {
		key[n] = '\0';
		get_check(in, size, key);
		/* its decoded name finds the first field */
		FUZZ_CHECK(uri_form_get(in, size, key, &v, &vl) == 1);
		FUZZ_CHECK(v == in + (k < size && in[k] == '=' ? k + 1 : k));
	}
	free(key);
	free(in);
	return 0;
}
