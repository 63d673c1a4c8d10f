/* progress: docker's jsonmessage display for pull, push, load, import and
 * build streams.  On a terminal each layer id keeps its own line, updated
 * in place with a progress bar ("a3ed95caeb02: Downloading [=====>   ]
 * 12.3MB/45.6MB"); otherwise plain lines, progress updates dropped, as
 * docker prints them.  An errorDetail/error message in the stream ends the
 * display with that error. */
#ifndef BERTH_CLI_PROGRESS_H
#define BERTH_CLI_PROGRESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "common/error.h"

struct progress;

/* out: where to draw; tty: whether out is a terminal (width from it) */
struct progress *progress_new(FILE *out, bool tty);
/* A chunk of the response body (JSON lines); < 0 with the stream's own
 * error message when it reports one */
int progress_feed(struct progress *p, const char *data, size_t len, berth_error_t **err);
/* The end of the stream: a partial line is an error */
int progress_finish(struct progress *p, berth_error_t **err);
/* The last "aux" object seen (push digest, build image ID), borrowed; NULL.
 * (Not progress_aux: src/registry/progress.h exports that name.) */
const json_t *progress_last_aux(const struct progress *p);
void progress_free(struct progress *p);

/* For the tests: the terminal width (docker's bar needs more than 110
 * columns; narrower terminals get a shorter bar, none under 72) and the
 * clock that time-left estimates read (NULL: time()) */
void progress_set_width(struct progress *p, int width);
void progress_set_clock(struct progress *p, time_t (*now)(void));

/* Run a streamed request and display its body: POST/GET path with
 * optional headers and body fd; the display goes to out (tty: out is a
 * terminal).  The last aux object is returned in *ret_aux when asked
 * (a new reference). */
struct cli;
int progress_request(struct cli *cli, const char *method, const char *path,
		     const char *const *headers, int body_fd, const char *content_type, FILE *out,
		     bool tty, json_t **ret_aux, berth_error_t **err);

/* Registry credentials for pull and push (defined in system/login.c, next
 * to the login that stores them).  The registry host of an image
 * reference, docker's rule ("busybox" -> "docker.io",
 * "127.0.0.1:5000/x" -> "127.0.0.1:5000"); caller frees. */
char *cli_reference_domain(const char *ref);
/* "X-Registry-Auth: <base64url JSON>" from the stored credentials of ref's
 * registry, or *ret = NULL when there are none; caller frees */
int cli_registry_auth_header(struct cli *cli, const char *ref, char **ret, berth_error_t **err);

#endif
