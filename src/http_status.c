/* http_status.c: the names of methods and the reasons of statuses. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stddef.h>

#include "http.h"
#include "http_status.h"

const char *const http_method_names[HTTP_METHOD_COUNT] = {
	[HTTP_METHOD_GET] = "GET",
	[HTTP_METHOD_HEAD] = "HEAD",
	[HTTP_METHOD_POST] = "POST",
	[HTTP_METHOD_PUT] = "PUT",
	[HTTP_METHOD_DELETE] = "DELETE",
	[HTTP_METHOD_CONNECT] = "CONNECT",
	[HTTP_METHOD_OPTIONS] = "OPTIONS",
	[HTTP_METHOD_TRACE] = "TRACE",
	[HTTP_METHOD_PATCH] = "PATCH",
};

static const char *const reasons[HTTP_STATUS_COUNT] = {
	[HTTP_STATUS_CONTINUE] = "Continue",
	[HTTP_STATUS_OK] = "OK",
	[HTTP_STATUS_NO_CONTENT] = "No Content",
	[HTTP_STATUS_PARTIAL_CONTENT] = "Partial Content",
	[HTTP_STATUS_MOVED_PERMANENTLY] = "Moved Permanently",
	[HTTP_STATUS_FOUND] = "Found",
	[HTTP_STATUS_SEE_OTHER] = "See Other",
	[HTTP_STATUS_NOT_MODIFIED] = "Not Modified",
	[HTTP_STATUS_TEMPORARY_REDIRECT] = "Temporary Redirect",
	[HTTP_STATUS_PERMANENT_REDIRECT] = "Permanent Redirect",
	[HTTP_STATUS_BAD_REQUEST] = "Bad Request",
	[HTTP_STATUS_FORBIDDEN] = "Forbidden",
	[HTTP_STATUS_NOT_FOUND] = "Not Found",
	[HTTP_STATUS_METHOD_NOT_ALLOWED] = "Method Not Allowed",
	[HTTP_STATUS_REQUEST_TIMEOUT] = "Request Timeout",
	[HTTP_STATUS_LENGTH_REQUIRED] = "Length Required",
	[HTTP_STATUS_PRECONDITION_FAILED] = "Precondition Failed",
	[HTTP_STATUS_CONTENT_TOO_LARGE] = "Content Too Large",
	[HTTP_STATUS_URI_TOO_LONG] = "URI Too Long",
	[HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE] = "Unsupported Media Type",
	[HTTP_STATUS_RANGE_NOT_SATISFIABLE] = "Range Not Satisfiable",
	[HTTP_STATUS_EXPECTATION_FAILED] = "Expectation Failed",
	[HTTP_STATUS_MISDIRECTED_REQUEST] = "Misdirected Request",
	[HTTP_STATUS_HEADER_FIELDS_TOO_LARGE] =
	    "Request Header Fields Too Large",
	[HTTP_STATUS_INTERNAL_SERVER_ERROR] = "Internal Server Error",
	[HTTP_STATUS_NOT_IMPLEMENTED] = "Not Implemented",
	[HTTP_STATUS_SERVICE_UNAVAILABLE] = "Service Unavailable",
	[HTTP_STATUS_VERSION_NOT_SUPPORTED] = "HTTP Version Not Supported",
};

/* Returns the reason phrase of a status guad sends, or NULL. */
const char *
http_status_reason(int status)
{
	if (status < 0 || status >= HTTP_STATUS_COUNT)
		return NULL;
	return reasons[status];
}
