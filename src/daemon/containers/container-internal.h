/* container-internal: the structures shared by the files of the container
 * manager (manager.c, store.c, lifecycle.c, monitor.c, inspect.c, list.c,
 * exec.c).  Not for the API handlers: they use manager.h.
 * Lock order: manager lock, then a container's lock, then the store lock;
 * no lock is held across a blocking shim call (wait, stop timeout). */
#ifndef BERTH_DAEMON_CONTAINERS_INTERNAL_H
#define BERTH_DAEMON_CONTAINERS_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/digest.h"
#include "common/error.h"
#include "daemon/containers/manager.h"
#include "daemon/containers/spec.h"

struct daemon;
struct sqlite3;

enum container_state {
	CONTAINER_CREATED,
	CONTAINER_RUNNING,
	CONTAINER_PAUSED,
	CONTAINER_RESTARTING,
	CONTAINER_EXITED,
	CONTAINER_DEAD,
	CONTAINER_REMOVING, /* removal started; finished at the next open when berthd dies */
};

const char *container_state_name(enum container_state s);
int container_state_parse(const char *s, enum container_state *ret);

enum watch_mask {
	WATCH_EXIT = 1 << 0,   /* the container stopped (or was removed) */
	WATCH_CHANGE = 1 << 1, /* any state change */
};

struct watcher {
	int fd; /* eventfd, owned by the watcher's creator */
	unsigned mask;
	struct watcher *next;
};

struct container {
	/* immutable after create */
	char id[DIGEST_HEX_LEN + 1];
	char *image_ref;                /* as the user gave it */
	char image_id[DIGEST_STR_SIZE]; /* sha256:... */
	struct digest *chain_ids;       /* the image's layers, base first */
	size_t n_chain_ids;
	int64_t created_ns;
	char *dir;       /* <data_root>/containers/<id>: bundle, etc files, log */
	char *state_dir; /* <exec_root>/containers/<id>: the shim's */
	char *log_path;
	unsigned refs; /* atomic */

	pthread_mutex_t lock; /* everything below */
	char *name;           /* without '/' */
	json_t *config;       /* merged Config */
	json_t *host_config;  /* HostConfig ({} when none) */
	json_t *net_config;   /* NetworkingConfig */
	enum container_state state;
	pid_t pid;
	int exit_code;
	int64_t started_ns, finished_ns;
	bool oom_killed;
	char *error;
	unsigned restart_count;
	bool manually_stopped; /* docker stop/kill: unless-stopped does not restart */
	bool stop_requested;   /* docker stop: no restart policy applies */
	bool has_been_started;
	bool monitor_active;   /* a monitor thread owns the running container */
	bool mounted;          /* the rootfs is mounted by us */
	unsigned rootfs_users; /* container_rootfs_get on a stopped container */
	bool shim_ready;       /* start has created the process: attach may connect */
	unsigned attach_waiting;
	uint64_t exit_gen; /* bumped at every exit (wait next-exit) */
	bool removed;
	json_t *health;       /* State.Health or NULL */
	json_t *mounts;       /* mount points (mounts.c); NULL until mounts_get loads them */
	bool volumes_active;  /* its volumes are acquired (from start to stop) */
	bool remove_volumes;  /* rm -v: container_destroy removes its anonymous volumes */
	json_t *net_settings; /* NetworkSettings of the running container (network.c), NULL when
			       * stopped; saved in <dir>/network.json */
	bool net_active;      /* network_activate succeeded: deactivate owes the teardown */
	json_t *net_extra;    /* network.c's own state of the run (NULL when stopped):
			       * {NetnsPath, Hosts, Gateway, DNS, Ifaces {network id: ethN},
			       * PortsNetwork}; spec_input strings point into it */
	pthread_cond_t cond;  /* restart backoff, attach hand-off */
	struct watcher *watchers;
	struct container_manager *m; /* not owned */
};

struct container_manager {
	struct daemon *d;     /* not owned */
	pthread_mutex_t lock; /* the table below, names, the exec table */
	struct container **v;
	size_t n, alloc;
	struct exec_table *execs;
	pthread_mutex_t store_lock;
	struct sqlite3 *db;
	bool closing;
};

/* ---- store.c ---------------------------------------------------------------- */
int store_open(struct container_manager *m, const char *path, berth_error_t **err);
void store_close(struct container_manager *m);
/* Write the container's whole row (call with c->lock held) */
int store_save(struct container_manager *m, struct container *c, berth_error_t **err);
int store_delete(struct container_manager *m, const char *id, berth_error_t **err);
/* Load every row as new containers (refs 1) appended to m's table */
int store_load_all(struct container_manager *m, berth_error_t **err);

/* ---- manager.c ---------------------------------------------------------------- */
struct container *container_new(struct container_manager *m, const char *id);
void container_ref(struct container *c); /* atomic, any lock */
/* Notify watchers of mask (call with c->lock held) */
void container_notify(struct container *c, unsigned mask);
int container_watch(struct container *c, unsigned mask, berth_error_t **err);
/* Save, logging failure (c->lock held): state changes must not fail half way */
void container_save_or_log(struct container *c);
/* Take c out of the table and the store and remove its files */
int container_destroy(struct container_manager *m, struct container *c, berth_error_t **err);
/* Publish a container event with name and image (and labels) as attributes;
 * extra (may be NULL) is merged in and taken */
void container_event(struct container *c, const char *action, json_t *extra);
int64_t now_ns(void);
/* Parse "KILL", "SIGKILL", "9" */
int signal_parse(const char *s, int *ret, berth_error_t **err);

/* ---- lifecycle.c ------------------------------------------------------------ */
/* Start the container's process (mount, spec, shim); c->lock NOT held.
 * from_restart: called by the monitor for a restart policy */
int lifecycle_start(struct container_manager *m, struct container *c, bool from_restart,
		    berth_error_t **err);
/* Unmount the rootfs unless someone uses it (c->lock held) */
void lifecycle_unmount(struct container_manager *m, struct container *c);
int lifecycle_mount(struct container_manager *m, struct container *c, char **ret_rootfs,
		    berth_error_t **err);

/* ---- monitor.c ---------------------------------------------------------------- */
/* Start the monitor thread of a running container (c->lock held) */
int monitor_spawn(struct container_manager *m, struct container *c, berth_error_t **err);
/* At open: bring the container's state in line with its shim */
void monitor_adopt(struct container_manager *m, struct container *c);

/* ---- health.c ------------------------------------------------------------------ */
/* Start the healthcheck thread for the run that just started (c->lock held);
 * nothing without a Config.Healthcheck test */
void health_start(struct container *c);

/* ---- exec.c ------------------------------------------------------------------- */
void exec_table_free(struct exec_table *t);

/* ---- mounts.c ----------------------------------------------------------------- */
/* At create (c not yet in the table): resolve --volumes-from, Binds, Mounts
 * and the image's VOLUMEs into c->mounts, creating the volumes, and save
 * them in <dir>/mounts.json */
int mounts_resolve(struct container_manager *m, struct container *c, berth_error_t **err);
/* c->mounts, loaded on first use (c->lock held); borrowed */
json_t *mounts_get(struct container *c);
/* Inspect's Mounts (c->lock held); caller owns */
json_t *mounts_inspect(struct container *c);
bool mounts_use_volume(struct container *c, const char *name);
/* The names of c's anonymous volumes (c->lock held); caller owns */
json_t *mounts_anonymous(struct container *c);
/* At start, rootfs mounted (c->lock NOT held): acquire the volumes, copy-up */
int mounts_activate(struct container_manager *m, struct container *c, const char *rootfs,
		    berth_error_t **err);
/* When it stops (c->lock held): release what mounts_activate acquired */
void mounts_deactivate(struct container_manager *m, struct container *c);
/* A running container re-adopted at open (c->lock held) */
void mounts_adopt(struct container_manager *m, struct container *c);
/* After a removal: remove these volumes unless another container uses them */
void mounts_remove_anonymous(struct container_manager *m, const json_t *names);

/* ---- network.c ---------------------------------------------------------------- */
/* At create (c not yet in the table): NetworkMode and every network of
 * NetworkingConfig.EndpointsConfig must exist (ENOENT "network x not
 * found"); container:<x> must name a container; host/none cannot be mixed
 * with other networks.  Normalises "default" to "bridge". */
int network_check_create(struct container_manager *m, struct container *c, berth_error_t **err);
/* At start, before the bundle (c->lock NOT held): for bridge/user-defined/
 * macvlan networks create <exec_root>/netns/<id>, attach every network
 * (NetworkMode's first, as eth0, the default route), publish ports on the
 * first bridge network, serve DNS when a network has it; fills
 * c->net_settings and *ret_in's netns_path, hosts_extra, embedded_dns
 * (strings owned by c: valid until the next activate). */
int network_activate(struct container_manager *m, struct container *c, struct spec_input *ret_in,
		     berth_error_t **err);
/* When it stops (c->lock held): unpublish, detach, stop DNS, remove the
 * netns; what fails is logged; NetworkSettings keep the networks with
 * empty addresses as docker shows a stopped container */
void network_deactivate(struct container_manager *m, struct container *c);
/* A running container re-adopted at open (c->lock held): endpoints,
 * ports and DNS from <dir>/network.json.  (Not network_adopt: the
 * network store's networks.h has that name.) */
void network_readopt(struct container_manager *m, struct container *c);
/* NetworkSettings for inspect (c->lock held; caller owns) */
json_t *network_inspect_settings(struct container *c);
/* Ports for GET /containers/json (c->lock held; caller owns): [{IP,
 * PrivatePort, PublicPort, Type}] */
json_t *network_list_ports(struct container *c);

/* ---- names.c ------------------------------------------------------------------ */
bool container_name_valid(const char *name);
/* "adjective_surname" (caller frees) */
char *container_name_random(void);

#endif
