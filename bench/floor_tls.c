/*
 * floor_tls: the least an HTTPS/1.1 server on epoll and OpenSSL can do per
 * request, as the yardstick of bench/tls.sh, as bench/floor.c is for plain
 * HTTP. One SSL_CTX made at start (the certificate and key read once, TLS
 * 1.3 only, stateless session tickets with OpenSSL's own key, record
 * buffers released when idle); per connection accept4, SSL_new,
 * SSL_set_fd, and non-blocking SSL_read; every request head is answered
 * with the same bytes (a response saved from guad) in one SSL_write. It
 * parses nothing and opens nothing: what it costs is what the kernel and
 * the cryptography cost, the floor under any server here.
 *
 *   floor_tls PORT CERT KEY RESPONSE
 *
 * A request is everything up to a blank line. A request that says
 * HTTP/1.0 (openssl s_time's) or "Connection: close" is answered, then
 * the connection gets a close_notify and is closed, as the servers do.
 * Listens on 127.0.0.1:PORT, runs until killed.
 */
/* SPDX-License-Identifier: ISC */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXCONN 65536

static SSL *conns[MAXCONN];
static char resp[65536];
static size_t resp_len;

/* The response: one read of a small file. */
static void
load(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd == -1 || (n = read(fd, resp, sizeof(resp))) <= 0) {
		perror(path);
		exit(1);
	}
	resp_len = (size_t)n;
	close(fd);
}

static void
drop(int fd, int goodbye)
{
	SSL *ssl = conns[fd];

	if (goodbye)
		(void)SSL_shutdown(ssl);
	SSL_free(ssl);
	ERR_clear_error();
	conns[fd] = NULL;
	close(fd);
}

/* Reads what the connection has; answers each request head in it. */
static void
serve(int fd)
{
	SSL *ssl = conns[fd];
	char buf[16384];
	const char *p, *end;
	size_t n, w;
	int closing = 0;

	for (;;) {
		if (SSL_read_ex(ssl, buf, sizeof(buf), &n) != 1) {
			if (SSL_get_error(ssl, 0) == SSL_ERROR_WANT_READ)
				return;
			drop(fd, 0);
			return;
		}
		for (p = buf, end = buf + n; p < end;) {
			const char *h = memmem(p, (size_t)(end - p), "\r\n\r\n",
			    4);

			if (h == NULL)
				break;
			if (memmem(p, (size_t)(h - p), "HTTP/1.0", 8) != NULL ||
			    memmem(p, (size_t)(h - p), "Connection: close",
				17) != NULL)
				closing = 1;
			if (SSL_write_ex(ssl, resp, resp_len, &w) != 1) {
				drop(fd, 0);
				return;
			}
			p = h + 4;
		}
		if (closing) {
			drop(fd, 1);
			return;
		}
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	struct epoll_event ev, evs[256];
	SSL_CTX *ctx;
	int lfd, ep, fd, i, n, one = 1;

	if (argc != 5) {
		fprintf(stderr, "usage: floor_tls PORT CERT KEY RESPONSE\n");
		return 2;
	}
	load(argv[4]);
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
		-1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, SOMAXCONN) == -1 || (ep = epoll_create1(0)) == -1) {
		perror("floor_tls");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd != lfd) {
				if (conns[evs[i].data.fd] != NULL)
					serve(evs[i].data.fd);
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) !=
			    -1) {
				if (fd >= MAXCONN ||
				    (conns[fd] = SSL_new(ctx)) == NULL ||
				    SSL_set_fd(conns[fd], fd) != 1) {
					close(fd);
					continue;
				}
				SSL_set_accept_state(conns[fd]);
				ev.events = EPOLLIN | EPOLLET;
				ev.data.fd = fd;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				serve(fd);
			}
		}
	}
}
