/*
 * fuzz_forwarded.c: X-Forwarded-For and Forwarded values from a trusted
 * proxy, to forwarded_client.
 *
 * The first byte chooses the field, the rest is its value, put in a
 * request head that http_parse_head must take first (as guad reads
 * nothing else). For X-Forwarded-For, a plain model written apart from
 * forwarded.c gives the answer: split at commas, each element an
 * address, the right-most that is not trusted, the left-most if all
 * are, the peer if one on the way is no address. The same list cut in
 * two lines, and (its addresses all valid) written as Forwarded for=
 * elements, must give the same answer. For Forwarded, an address
 * found is never a trusted one unless all are.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include "allow.h"
#include "forwarded.h"
#include "fuzz.h"
#include "http.h"

static const struct http_limits limits = {
	.request_line = 256,
	.header_size = 1024,
	.header_fields = 16,
	.body_size = 4096,
};

static char join[1024 + 1];
static struct allow_net nets[3];
static const char *const words[] = { "127.0.0.0/8", "10.0.0.0/8", "::1" };
static const uint8_t peer[16] = { 127, 0, 0, 1 };

/* A port: 1 to 5 digits, at most 65535 (s is NUL-terminated). */
static int
model_port(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 5 && strspn(s, "0123456789") == n &&
	    atoi(s) <= 65535;
}

/* The model's address: IPv4, IPv6, [IPv6], each with :port but bare v6. */
static int
model_addr(const char *p, size_t len, uint8_t addr[16])
{
	char s[128], *close, *colon;

	if (len == 0 || len >= sizeof(s) || memchr(p, '\0', len) != NULL)
		return 0;
	memcpy(s, p, len);
	s[len] = '\0';
	if (s[0] == '[') {
		if ((close = strchr(s, ']')) == NULL)
			return 0;
		if (close[1] != '\0' &&
		    (close[1] != ':' || !model_port(close + 2)))
			return 0;
		*close = '\0';
		return inet_pton(AF_INET6, s + 1, addr) == 1 ? AF_INET6 : 0;
	}
	if (inet_pton(AF_INET, s, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, addr) == 1)
		return AF_INET6;
	if ((colon = strchr(s, ':')) == NULL || !model_port(colon + 1))
		return 0;
	*colon = '\0';
	return inet_pton(AF_INET, s, addr) == 1 ? AF_INET : 0;
}

/*
 * The model's answer for an X-Forwarded-For value, walking its elements
 * from the right: 1 with the client, or 0.
 */
static int
model_xff(const char *v, size_t len, uint8_t *family, uint8_t addr[16])
{
	uint8_t a[16];
	size_t start, end = len, b, e;
	int f, found = 0;

	for (;;) {
		for (start = end; start > 0 && v[start - 1] != ','; start--)
			;
		for (b = start; b < end && (v[b] == ' ' || v[b] == '\t'); b++)
			;
		for (e = end; e > b && (v[e - 1] == ' ' || v[e - 1] == '\t');
		     e--)
			;
		if (b < e) {
			memset(a, 0, sizeof(a));
			if ((f = model_addr(v + b, e - b, a)) == 0)
				return 0;
			*family = (uint8_t)f;
			memcpy(addr, a, 16);
			found = 1;
			if (!allow_match(nets, 3, f, a))
				return 1;
		}
		if (start == 0)
			return found;
		end = start - 1;
	}
}

/*
 * The elements of an X-Forwarded-For value as Forwarded elements, into
 * out: its length, or 0 if one is no address (or there are none).
 */
static size_t
as_forwarded(const char *v, size_t len, char *out)
{
	char text[INET6_ADDRSTRLEN];
	uint8_t a[16];
	size_t start = 0, end, b, e, n = 0;
	int f, k;

	while (start <= len) {
		for (end = start; end < len && v[end] != ','; end++)
			;
		for (b = start; b < end && (v[b] == ' ' || v[b] == '\t'); b++)
			;
		for (e = end; e > b && (v[e - 1] == ' ' || v[e - 1] == '\t');
		     e--)
			;
		if (b < e) {
			if ((f = model_addr(v + b, e - b, a)) == 0 ||
			    inet_ntop(f, a, text, sizeof(text)) == NULL)
				return 0;
			k = sprintf(out + n,
			    f == AF_INET ? "%sfor=%s" : "%sfor=\"[%s]\"",
			    n > 0 ? ", " : "", text);
			n += (size_t)k;
		}
		start = end + 1;
	}
	return n;
}

/* The client forwarded_client finds behind these fields, from 127.0.0.1. */
static int
client(const char *fields, size_t flen, uint8_t *family, uint8_t addr[16],
    int *parsed)
{
	static const char line[] = "GET / HTTP/1.1\r\nHost: a\r\n";
	struct http_request req;
	size_t n = sizeof(line) - 1 + flen + 2, scanned = 0;
	char *head = malloc(n);
	int rc;

	if (head == NULL)
		abort();
	memcpy(head, line, sizeof(line) - 1);
	memcpy(head + sizeof(line) - 1, fields, flen);
	memcpy(head + n - 2, "\r\n", 2);
	rc = http_parse_head(&req, head, n, &scanned, &limits, join,
	    sizeof(join));
	*parsed = rc == 0;
	rc = rc == 0 &&
	    forwarded_client(nets, 3, AF_INET, peer, head, req.head_len, family,
		addr);
	free(head);
	return rc;
}

/* name: value CRLF, the value cut in two lines at cut (or not: NULL). */
static size_t
field(char *out, const char *name, const char *v, size_t len, const char *cut)
{
	size_t n = (size_t)sprintf(out, "%s: ", name), k;

	k = cut != NULL ? (size_t)(cut - v) : len;
	memcpy(out + n, v, k);
	n += k;
	if (cut != NULL) {
		n += (size_t)sprintf(out + n, "\r\n%s: ", name);
		memcpy(out + n, cut + 1, len - k - 1);
		n += len - k - 1;
	}
	memcpy(out + n, "\r\n", 2);
	return n + 2;
}

/* These fields, if the parser takes them, name the same client. */
static void
same_client(const char *fields, size_t flen, int got, uint8_t fam,
    const uint8_t addr[16])
{
	uint8_t fam2 = 0, addr2[16];
	int parsed, got2;

	got2 = client(fields, flen, &fam2, addr2, &parsed);
	if (!parsed)
		return;
	FUZZ_CHECK(got2 == got);
	if (got)
		FUZZ_CHECK(fam2 == fam && memcmp(addr2, addr, 16) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *in, *fields, *fwd;
	const char *cut;
	size_t vlen, flen, i;
	uint8_t fam = 0, addr[16], mfam = 0, maddr[16];
	int got, want, parsed;

	if (!ready) {
		for (i = 0; i < 3; i++)
			if (allow_parse(words[i], &nets[i]) == -1)
				abort();
		ready = 1;
	}
	if (size < 1 || size > 600)
		return 0;
	in = fuzz_dup(data + 1, size - 1);
	vlen = size - 1;
	fields = malloc(64 * (vlen + 1) + 64);
	fwd = malloc(64 * (vlen + 1) + 64);
	if (fields == NULL || fwd == NULL)
		abort();
	if (!(data[0] & 1)) {
		flen = field(fields, "Forwarded", in, vlen, NULL);
		got = client(fields, flen, &fam, addr, &parsed);
		if (got)
			FUZZ_CHECK(fam == AF_INET || fam == AF_INET6);
		goto out;
	}
	flen = field(fields, "X-Forwarded-For", in, vlen, NULL);
	got = client(fields, flen, &fam, addr, &parsed);
	/* a CR or LF ends the value where the model does not look */
	if (!parsed || memchr(in, '\n', vlen) != NULL ||
	    memchr(in, '\r', vlen) != NULL)
		goto out;
	want = model_xff(in, vlen, &mfam, maddr);
	FUZZ_CHECK(got == want);
	if (got) {
		FUZZ_CHECK(fam == mfam);
		FUZZ_CHECK(memcmp(addr, maddr, fam == AF_INET ? 4 : 16) == 0);
	}
	/* cut in two lines at the first comma: the same list */
	if ((cut = memchr(in, ',', vlen)) != NULL) {
		flen = field(fields, "X-Forwarded-For", in, vlen, cut);
		same_client(fields, flen, got, fam, addr);
	}
	/* the same addresses as Forwarded elements */
	if ((i = as_forwarded(in, vlen, fwd)) > 0) {
		flen = field(fields, "Forwarded", fwd, i, NULL);
		same_client(fields, flen, got, fam, addr);
	}
out:
	free(fields);
	free(fwd);
	free(in);
	return 0;
}
