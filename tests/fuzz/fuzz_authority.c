/*
 * fuzz_authority.c: host [":" port], as Host and absolute-form carry it.
 *
 * The input is one authority for authority_parse. A host it accepts is
 * held against the C library's own parsers (inet_pton for IPv4 and
 * IPv6) and a plain model of reg-name; the pieces put back together are
 * the input. Then the same bytes go in a Host field and in an
 * absolute-form target through http_parse_head, which must refuse them
 * exactly when authority_parse does.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <arpa/inet.h>

#include "authority.h"
#include "fuzz.h"
#include "http.h"

static const struct http_limits limits = {
	.request_line = 256,
	.header_size = 1024,
	.header_fields = 16,
	.body_size = 4096,
};

static char join[1024 + 1];

/* A NUL-terminated copy of p[0..len), for inet_pton. */
static int
pton(int af, const char *p, size_t len)
{
	unsigned char out[16];
	char *s = malloc(len + 1);
	int rc;

	if (s == NULL)
		abort();
	memcpy(s, p, len);
	s[len] = '\0';
	rc = memchr(p, '\0', len) == NULL && inet_pton(af, s, out) == 1;
	free(s);
	return rc;
}

/* reg-name, written apart from authority.c */
static int
model_reg_name(const char *p, size_t len)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				 "-._~!$&'()*+,;=";
	static const char hex[] = "0123456789abcdefABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '%') {
			if (i + 2 >= len || p[i + 1] == '\0' ||
			    p[i + 2] == '\0' || strchr(hex, p[i + 1]) == NULL ||
			    strchr(hex, p[i + 2]) == NULL)
				return 0;
			i += 2;
		} else if (p[i] == '\0' || strchr(ok, p[i]) == NULL)
			return 0;
	}
	return 1;
}

/* Is every byte visible ASCII, none that ends a target or a field? */
static int
plain_bytes(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

static int
parse_request(const char *fmt1, const char *in, size_t len, const char *fmt2,
    struct http_request *req)
{
	size_t n1 = strlen(fmt1), n2 = strlen(fmt2), scanned = 0;
	char *buf = malloc(n1 + len + n2);
	int rc;

	if (buf == NULL)
		abort();
	memcpy(buf, fmt1, n1);
	memcpy(buf + n1, in, len);
	memcpy(buf + n1 + len, fmt2, n2);
	rc = http_parse_head(req, buf, n1 + len + n2, &scanned, &limits, join,
	    sizeof(join));
	free(buf);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_dup(data, size);
	struct authority a;
	struct http_request req;
	const char *inner;
	size_t ilen;
	int rc, hrc;

	rc = authority_parse(in, size, &a);
	/* the check without the kind answers the same */
	FUZZ_CHECK(authority_valid(in, size) == (rc == 0));
	if (rc == 0) {
		FUZZ_CHECK(a.kind < AUTHORITY_KIND_COUNT);
		FUZZ_CHECK(a.host.p == in);
		FUZZ_CHECK(fuzz_within(a.host.p, a.host.len, in, size));
		if (a.port.p == NULL)
			FUZZ_CHECK(a.host.len == size && a.port_number == 0);
		else {
			/* host ":" port is the whole input */
			FUZZ_CHECK(a.port.p == in + a.host.len + 1);
			FUZZ_CHECK(in[a.host.len] == ':');
			FUZZ_CHECK(a.host.len + 1 + a.port.len == size);
			FUZZ_CHECK(a.host.len > 0);
			FUZZ_CHECK(a.port_number <= 65535);
			FUZZ_CHECK(a.port.len > 0 || a.port_number == 0);
		}
		inner = a.host.p + 1;
		ilen = a.host.len >= 2 ? a.host.len - 2 : 0;
		switch (a.kind) {
		case AUTHORITY_REG_NAME:
			FUZZ_CHECK(model_reg_name(a.host.p, a.host.len));
			FUZZ_CHECK(!pton(AF_INET, a.host.p, a.host.len));
			break;
		case AUTHORITY_IPV4:
			FUZZ_CHECK(pton(AF_INET, a.host.p, a.host.len));
			break;
		case AUTHORITY_IPV6:
			FUZZ_CHECK(a.host.p[0] == '[' &&
			    a.host.p[a.host.len - 1] == ']');
			FUZZ_CHECK(pton(AF_INET6, inner, ilen));
			break;
		case AUTHORITY_IPV_FUTURE:
			FUZZ_CHECK(a.host.p[0] == '[' &&
			    a.host.p[a.host.len - 1] == ']');
			FUZZ_CHECK(inner[0] == 'v' || inner[0] == 'V');
			break;
		case AUTHORITY_KIND_COUNT:
			break;
		}
	} else {
		/* what the C library reads as an address is a valid host */
		FUZZ_CHECK(!pton(AF_INET, in, size));
		if (size >= 2 && in[0] == '[' && in[size - 1] == ']')
			FUZZ_CHECK(!pton(AF_INET6, in + 1, size - 2));
		if (size > 0 && memchr(in, ':', size) == NULL && in[0] != '[')
			FUZZ_CHECK(!model_reg_name(in, size));
	}

	/* the parser of requests agrees, in the field and in the target */
	if (size > 0 && size <= 200 && plain_bytes(in, size)) {
		hrc = parse_request("GET / HTTP/1.1\r\nHost: ", in, size,
		    "\r\n\r\n", &req);
		FUZZ_CHECK((hrc == 0) == (rc == 0));
		if (hrc != 0)
			FUZZ_CHECK(hrc == HTTP_STATUS_BAD_REQUEST);
		if (memchr(in, '/', size) == NULL &&
		    memchr(in, '?', size) == NULL &&
		    memchr(in, '#', size) == NULL &&
		    memchr(in, '@', size) == NULL) {
			hrc = parse_request("GET http://", in, size,
			    "/ HTTP/1.1\r\nHost: a\r\n\r\n", &req);
			FUZZ_CHECK((hrc == 0) == (rc == 0));
			if (hrc == 0)
				FUZZ_CHECK(req.host.len == size);
		}
	}
	free(in);
	return 0;
}
