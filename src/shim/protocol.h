/* protocol: what berth-shim and its client (client.c) say to each other.
 * Two channels:
 *
 * The ready pipe (fd 3 of a freshly spawned shim): the shim writes one JSON
 * line and closes it: {"pid": N} once `runtime create` succeeded and
 * shim.sock listens, or {"error": "...", "errno": N} when it failed (the
 * runtime's own message).  EOF without a line means the shim died.
 *
 * shim.sock (a unix stream socket, mode 0600, one request per connection):
 * the client sends one JSON object and "\n" (at most SHIM_MAX_REQUEST
 * bytes); the shim answers with one JSON line: {"ok": true, ...} or
 * {"error": "message", "errno": N}.  Requests ("op"):
 *   start                                   -> {}
 *   kill {signal, all}                      -> {}
 *   status                                  -> status object (below)
 *   wait                                    -> status object, once the init exited
 *   attach {stdin, stdout, stderr}          -> {} then the stream
 *   resize {exec_id|null, height, width}    -> {}
 *   exec {exec_id, process, terminal, stdin, stdout, stderr, detach}
 *                                           -> {pid} then the stream (not when detach)
 *   exec_status {exec_id}                   -> {running, pid, exit_code}
 *   exec_kill {exec_id, signal}             -> {} (ESRCH once it exited)
 * A status object: {state: "created"|"running"|"paused"|"stopped", pid,
 * exit_code, oom_killed, started_at, finished_at (ns since the epoch)}.
 * After an attach or exec answer the connection carries the process's
 * stdio: bytes from the client go to its stdin, shutdown(SHUT_WR) ends that
 * input; the shim writes the output raw (terminal) or as stdcopy frames,
 * and closes the connection once the process exited and its output drained
 * (a client that asked for stdin alone: once its input ended).
 * Unknown ops and unknown fields are refused. */
#ifndef BERTH_SHIM_PROTOCOL_H
#define BERTH_SHIM_PROTOCOL_H

#define SHIM_SOCK_NAME "shim.sock"
#define SHIM_PID_NAME "shim.pid"
#define SHIM_EXIT_NAME "exit.json"

/* the fd number of the ready pipe in a freshly executed berth-shim */
#define SHIM_READY_FD 3

/* caps: a request line (an exec's process object included), an answer line */
#define SHIM_MAX_REQUEST (1u << 20)
#define SHIM_MAX_ANSWER (64u << 10)
/* an exec id: [A-Za-z0-9_.-], at most this long */
#define SHIM_MAX_EXEC_ID 128

#endif
