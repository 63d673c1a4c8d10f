/* sync: the parent/child protocol of container creation over a
 * SOCK_SEQPACKET socketpair.  Each message is one datagram: a fixed header
 * plus an optional text payload and at most one fd (SCM_RIGHTS).  Both ends
 * are O_CLOEXEC, so a successful execve in the child reads as EOF. */
#ifndef BERTH_RUNTIME_SYNC_H
#define BERTH_RUNTIME_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Payloads are capped: the largest is the state JSON with annotations */
#define SYNC_MAX_PAYLOAD (128u << 10)

enum sync_type {
	SYNC_EOF = 0,      /* not sent: the peer closed its end */
	SYNC_GO,           /* parent -> child: cgroup entered (and maps written) */
	SYNC_USERMAP_REQ,  /* child -> parent: write uid/gid maps for value (pid) */
	SYNC_USERMAP_DONE, /* parent -> child */
	SYNC_INIT_PID,     /* intermediate -> parent: value is the init's pid */
	SYNC_HOOKS_REQ,    /* child -> parent: run prestart and createRuntime hooks */
	SYNC_HOOKS_DONE,   /* parent -> child: payload is the state JSON for hooks */
	SYNC_PTY_MASTER,   /* child -> parent: the pty master as the fd */
	SYNC_WARNING,      /* child -> parent: payload is a warning */
	SYNC_CREATED,      /* child -> parent: about to wait on the exec fifo */
	SYNC_ERROR,        /* either way: payload is the message, value the errno */
	SYNC_EXEC_FAILED,  /* from berth-dmz: value the errno, payload the path;
			      the number is fixed, dmz/berth-dmz.c writes it */
};

struct sync_msg {
	enum sync_type type;
	int32_t value;
	char *payload; /* owned; NUL-terminated; NULL when none */
	int fd;        /* owned; -1 when none */
};

/* A connected SOCK_SEQPACKET|SOCK_CLOEXEC pair; fds[0] parent, fds[1] child */
int sync_pair(int fds[2], berth_error_t **err);

/* Send one message; payload may be NULL, fd may be -1 (borrowed) */
int sync_send(int sock, enum sync_type type, int32_t value, const char *payload, int fd,
	      berth_error_t **err);
/* Send SYNC_ERROR carrying e's message and errno; best effort, never fails */
void sync_send_error(int sock, const berth_error_t *e);

/* Receive one message (EINTR retried).  EOF gives type SYNC_EOF.  The
 * caller releases *ret with sync_msg_release. */
int sync_recv(int sock, struct sync_msg *ret, berth_error_t **err);
void sync_msg_release(struct sync_msg *m);

/* Receive and require `type`; a SYNC_ERROR becomes *err with the peer's
 * message, EOF becomes "what: peer exited" */
int sync_expect(int sock, enum sync_type type, const char *what, struct sync_msg *ret,
		berth_error_t **err);

#endif
