/* http_status.h: the names of methods and the reasons of statuses. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_HTTP_STATUS_H
#define GUAD_HTTP_STATUS_H

#include "http.h"

extern const char *const http_method_names[HTTP_METHOD_COUNT];

const char *http_status_reason(int status);

#endif
