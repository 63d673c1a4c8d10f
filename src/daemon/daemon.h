/* daemon: the state of one berthd, shared by every connection thread.
 * Fields are set at start and read-only afterwards, except through the
 * objects' own locked APIs (events, containers) and images_lock. */
#ifndef BERTH_DAEMON_DAEMON_H
#define BERTH_DAEMON_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

struct image_store;
struct events;
struct container_manager;
struct volume_store;
struct network_store;

struct daemon_config {
	char *data_root; /* --data-root, default /var/lib/berth */
	char *exec_root; /* --exec-root, default /run/berth */
	char **hosts;    /* --host/-H, unix:///run/berth/berth.sock by default; NULL-terminated */
	char *runtime;   /* path of the OCI runtime: berth-runtime (next to berthd) by default;
			    "runc"/"crun" resolved through PATH */
	char *runtime_root;         /* the runtime's --root: <exec_root>/runtime */
	char *shim;                 /* path of berth-shim (next to berthd by default) */
	char *config_file;          /* --config-file, /etc/berth/daemon.json */
	int log_level;              /* --log-level */
	json_t *default_ulimits;    /* daemon.json "default-ulimits": {"nofile":
				       {"Name","Soft","Hard"}} */
	char **registry_mirrors;    /* daemon.json "registry-mirrors"; NULL-terminated */
	char **insecure_registries; /* daemon.json "insecure-registries"; NULL-terminated */
	char *cgroup_parent;        /* "berth" by default */
	char *bip;                  /* daemon.json "bip" / --bip: the default bridge's
				       gateway/prefix ("172.17.0.1/16"); NULL: a default pool */
	bool icc;                   /* daemon.json "icc" / --icc, default true */
	unsigned mtu;               /* daemon.json "mtu" / --mtu, 0: 1500 */
};

struct daemon {
	struct daemon_config cfg;
	/* image_store is not thread-safe: hold images_lock around every call
	 * (long pulls/pushes use their own image_store_open on the same root) */
	struct image_store *images;
	pthread_mutex_t images_lock;
	struct events *events;
	struct container_manager *containers;
	struct volume_store *volumes;   /* thread-safe; open for the daemon's whole life */
	struct network_store *networks; /* thread-safe; opened before the containers (adoption) */
	time_t started_at;
	char *id; /* daemon ID (info.ID), persistent in <data_root>/engine-id */
};

#endif
