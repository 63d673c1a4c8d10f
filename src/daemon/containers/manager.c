/* manager: the table of containers (lookup by ID, name, prefix), their
 * creation and removal, watchers (eventfds woken on state changes, for
 * wait, logs -f, stop timeouts) and opening/closing the whole manager.
 * Invariant: a container is in the table iff its row is in the store
 * (removal deletes the row last, so a crash part way finishes at open). */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"
#include "daemon/containers/spec.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "image/image-store.h"
#include "image/overlay.h"
#include "net/netns.h"

#define CREATE_MAX_NAME_TRIES 64

static const char *const state_names[] = {
	[CONTAINER_CREATED] = "created",   [CONTAINER_RUNNING] = "running",
	[CONTAINER_PAUSED] = "paused",     [CONTAINER_RESTARTING] = "restarting",
	[CONTAINER_EXITED] = "exited",     [CONTAINER_DEAD] = "dead",
	[CONTAINER_REMOVING] = "removing",
};

const char *container_state_name(enum container_state s)
{
	return state_names[s];
}

int container_state_parse(const char *s, enum container_state *ret)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*ret = (enum container_state)i;
			return 0;
		}
	}
	return -1;
}

int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int signal_parse(const char *s, int *ret, berth_error_t **err)
{
	int64_t n;
	if (parse_int_range(s, 1, SIGRTMAX, &n, NULL) == 0) {
		*ret = (int)n;
		return 0;
	}
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && strcasecmp(abbrev, name) == 0) {
			*ret = sig;
			return 0;
		}
	}
	if (strncasecmp(name, "RTMIN+", 6) == 0 &&
	    parse_int_range(name + 6, 0, SIGRTMAX - SIGRTMIN, &n, NULL) == 0) {
		*ret = SIGRTMIN + (int)n;
		return 0;
	}
	return berth_error_fail(err, EINVAL, "Invalid signal: %s", s);
}

/* ---- containers and references -------------------------------------------- */

struct container *container_new(struct container_manager *m, const char *id)
{
	struct container *c = xzalloc(sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->refs = 1;
	c->m = m;
	c->dir = xasprintf("%s/containers/%s", m->d->cfg.data_root, id);
	c->state_dir = xasprintf("%s/containers/%s", m->d->cfg.exec_root, id);
	c->log_path = xasprintf("%s/%s-json.log", c->dir, id);
	c->config = json_object();
	c->host_config = json_object();
	c->net_config = json_object();
	c->state = CONTAINER_CREATED;
	pthread_mutex_init(&c->lock, NULL);
	/* every timed wait on cond computes its deadline on CLOCK_MONOTONIC */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &ca);
	pthread_condattr_destroy(&ca);
	return c;
}

void container_ref(struct container *c)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_SEQ_CST);
}

static void container_free(struct container *c)
{
	free(c->image_ref);
	free(c->chain_ids);
	free(c->dir);
	free(c->state_dir);
	free(c->log_path);
	free(c->name);
	free(c->error);
	json_decref(c->config);
	json_decref(c->host_config);
	json_decref(c->net_config);
	json_decref(c->health);
	json_decref(c->mounts);
	json_decref(c->net_settings);
	json_decref(c->net_extra);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

void container_put(struct container *c)
{
	if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_SEQ_CST) == 0)
		container_free(c);
}

const char *container_id(const struct container *c)
{
	return c->id;
}

bool container_tty(const struct container *c)
{
	return json_is_true(json_object_get(c->config, "Tty"));
}

/* Under m->lock.  Names are compared without the leading '/' */
static struct container *find_by_name_locked(struct container_manager *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		pthread_mutex_lock(&m->v[i]->lock);
		bool eq = strcmp(m->v[i]->name, name) == 0;
		pthread_mutex_unlock(&m->v[i]->lock);
		if (eq)
			return m->v[i];
	}
	return NULL;
}

int container_get(struct container_manager *m, const char *ref, struct container **ret,
		  berth_error_t **err)
{
	if (!ref || !*ref)
		return berth_error_fail(err, ENOENT, "No such container: %s", ref ? ref : "");
	pthread_mutex_lock(&m->lock);
	struct container *found = NULL;
	size_t len = strlen(ref);
	/* docker's order: full ID, then name, then unique ID prefix */
	for (size_t i = 0; i < m->n && !found; i++)
		if (strcmp(m->v[i]->id, ref) == 0)
			found = m->v[i];
	if (!found)
		found = find_by_name_locked(m, ref[0] == '/' ? ref + 1 : ref);
	if (!found) {
		size_t hits = 0;
		for (size_t i = 0; i < m->n; i++) {
			if (strncmp(m->v[i]->id, ref, len) == 0) {
				found = m->v[i];
				hits++;
			}
		}
		if (hits > 1) {
			pthread_mutex_unlock(&m->lock);
			return berth_error_fail(err, EINVAL,
						"multiple IDs found with provided prefix: %s", ref);
		}
	}
	if (found)
		container_ref(found);
	pthread_mutex_unlock(&m->lock);
	if (!found)
		return berth_error_fail(err, ENOENT, "No such container: %s", ref);
	*ret = found;
	return 0;
}

/* ---- watchers ---------------------------------------------------------------- */

int container_watch(struct container *c, unsigned mask, berth_error_t **err)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return berth_error_set(err, errno, "eventfd");
	struct watcher *w = xzalloc(sizeof(*w));
	w->fd = fd;
	w->mask = mask;
	pthread_mutex_lock(&c->lock);
	w->next = c->watchers;
	c->watchers = w;
	pthread_mutex_unlock(&c->lock);
	return fd;
}

void container_unwatch(struct container *c, int fd)
{
	if (fd < 0)
		return;
	pthread_mutex_lock(&c->lock);
	for (struct watcher **p = &c->watchers; *p; p = &(*p)->next) {
		if ((*p)->fd == fd) {
			struct watcher *w = *p;
			*p = w->next;
			free(w);
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	close(fd);
}

void container_notify(struct container *c, unsigned mask)
{
	pthread_cond_broadcast(&c->cond); /* health threads and backoffs re-check */
	for (struct watcher *w = c->watchers; w; w = w->next) {
		if (w->mask & mask) {
			uint64_t one = 1;
			if (write(w->fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
				log_debug("notify watcher: %s, ignoring", strerror(errno));
		}
	}
}

void container_save_or_log(struct container *c)
{
	cleanup_error berth_error_t *e = NULL;
	if (store_save(c->m, c, &e) < 0)
		log_error("container %.12s: %s", c->id, e->msg);
}

void container_event(struct container *c, const char *action, json_t *extra)
{
	pthread_mutex_lock(&c->lock);
	json_t *attrs = json_pack("{s:s, s:s}", "image", c->image_ref, "name", c->name);
	json_t *labels = json_object_get(c->config, "Labels");
	const char *k;
	json_t *v;
	if (json_is_object(labels))
		json_object_foreach(labels, k,
				    v) if (json_is_string(v) && !json_object_get(attrs, k))
			json_object_set(attrs, k, v);
	pthread_mutex_unlock(&c->lock);
	if (extra) {
		json_object_update(attrs, extra);
		json_decref(extra);
	}
	events_publish(c->m->d->events, "container", action, c->id, attrs);
}

void container_publish(struct container *c, const char *action)
{
	container_event(c, action, NULL);
}

static void rm_rf(const char *path);

/* ---- create ------------------------------------------------------------------- */

/* The image, its layers and its config's "config" object */
struct create_image {
	struct digest id;
	struct digest *chain_ids;
	size_t n_chain_ids;
	json_t *config; /* the image's "config" ({} when none) */
};

static int create_resolve_image(struct container_manager *m, const char *ref,
				struct create_image *ret, berth_error_t **err)
{
	struct daemon *d = m->d;
	cleanup_image_info struct image_info *info = NULL;
	cleanup_oci_image_config struct oci_image_config *cfg = NULL;
	struct digest id;

	pthread_mutex_lock(&d->images_lock);
	int r = image_store_resolve(d->images, ref, &id, err);
	if (r >= 0)
		r = image_store_get(d->images, &id, &info, err);
	if (r >= 0)
		r = image_store_read_config(d->images, &id, &cfg, err);
	pthread_mutex_unlock(&d->images_lock);
	if (r < 0) {
		if ((*err)->errnum == ENOENT)
			return berth_error_fail(err, ENOENT, "No such image: %s", ref);
		return r;
	}
	ret->id = id;
	ret->n_chain_ids = info->n_layers;
	ret->chain_ids = xcalloc(info->n_layers ? info->n_layers : 1, sizeof(struct digest));
	for (size_t i = 0; i < info->n_layers; i++)
		ret->chain_ids[i] = info->layers[i].chain_id;
	cleanup_json json_t *full = oci_image_config_to_json(cfg);
	json_t *inner = json_object_get(full, "config");
	ret->config = json_is_object(inner) ? json_incref(inner) : json_object();
	return 0;
}

static bool json_strv_empty(const json_t *v)
{
	return !json_is_array(v) || json_array_size(v) == 0;
}

/* Config and HostConfig of the request, merged with the image and checked */
static int create_configs(const json_t *body, const json_t *image_config, json_t **ret_config,
			  json_t **ret_host, json_t **ret_net, berth_error_t **err)
{
	cleanup_json json_t *config = NULL;
	cleanup_json json_t *request = json_deep_copy(body);
	json_t *host = json_object_get(request, "HostConfig");
	json_t *net = json_object_get(request, "NetworkingConfig");
	if (host && !json_is_object(host) && !json_is_null(host))
		return berth_error_fail(err, EINVAL, "HostConfig: want an object, got %s",
					bjson_type_name(host));
	if (net && !json_is_object(net) && !json_is_null(net))
		return berth_error_fail(err, EINVAL, "NetworkingConfig: want an object, got %s",
					bjson_type_name(net));
	json_t *host_copy = json_is_object(host) ? json_incref(host) : json_object();
	json_t *net_copy = json_is_object(net) ? json_incref(net) : json_object();
	json_object_del(request, "HostConfig");
	json_object_del(request, "NetworkingConfig");
	if (spec_merge_config(request, image_config, &config, err) < 0 ||
	    spec_check_host_config(host_copy, err) < 0) {
		json_decref(host_copy);
		json_decref(net_copy);
		return -1;
	}
	if (json_strv_empty(json_object_get(config, "Cmd")) &&
	    json_strv_empty(json_object_get(config, "Entrypoint"))) {
		json_decref(host_copy);
		json_decref(net_copy);
		return berth_error_fail(err, EINVAL, "no command specified");
	}
	*ret_config = steal_pointer(&config);
	*ret_host = host_copy;
	*ret_net = net_copy;
	return 0;
}

/* Under m->lock: the name to use, or EEXIST with docker's message */
static int create_pick_name(struct container_manager *m, const char *name, char **ret,
			    berth_error_t **err)
{
	if (name) {
		struct container *other = find_by_name_locked(m, name);
		if (other)
			return berth_error_fail(
				err, EEXIST,
				"Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.",
				name, other->id);
		*ret = xstrdup(name);
		return 0;
	}
	for (int i = 0; i < CREATE_MAX_NAME_TRIES; i++) {
		char *n = container_name_random();
		if (!find_by_name_locked(m, n)) {
			*ret = n;
			return 0;
		}
		free(n);
	}
	return berth_error_fail(err, EEXIST, "could not find a free random container name");
}

int container_create(struct container_manager *m, const char *name, const json_t *body,
		     char **ret_id, json_t **ret_warnings, berth_error_t **err)
{
	struct daemon *d = m->d;
	if (!json_is_object(body))
		return berth_error_fail(err, EINVAL,
					"config cannot be empty in order to create a container");
	if (name && *name == '/')
		name++;
	if (name && *name && !container_name_valid(name))
		return berth_error_fail(
			err, EINVAL,
			"Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
			name);
	if (name && !*name)
		name = NULL;
	const char *image = json_string_value(json_object_get(body, "Image"));
	if (!image || !*image)
		return berth_error_fail(err, EINVAL, "Config.Image: no image specified");

	struct create_image img = { 0 };
	if (create_resolve_image(m, image, &img, err) < 0)
		return -1;
	cleanup_free struct digest *chain_ids = img.chain_ids;
	cleanup_json json_t *image_config = img.config;
	json_t *config = NULL, *host = NULL, *net = NULL;
	if (create_configs(body, image_config, &config, &host, &net, err) < 0)
		return -1;
	json_object_set_new(config, "Image", json_string(image));

	char id[DIGEST_HEX_LEN + 1];
	digest_random_hex(id);
	struct container *c = container_new(m, id);
	c->image_ref = xstrdup(image);
	digest_format(&img.id, c->image_id);
	c->chain_ids = steal_pointer(&chain_ids);
	c->n_chain_ids = img.n_chain_ids;
	c->created_ns = now_ns();
	json_decref(c->config);
	c->config = config;
	json_decref(c->host_config);
	c->host_config = host;
	json_decref(c->net_config);
	c->net_config = net;

	if (mkdir(c->dir, 0710) < 0 && errno != EEXIST) {
		int r = berth_error_set(err, errno, "mkdir '%s'", c->dir);
		container_put(c);
		return r;
	}
	if (network_check_create(m, c, err) < 0 || mounts_resolve(m, c, err) < 0) {
		rm_rf(c->dir);
		container_put(c);
		return -1;
	}
	pthread_mutex_lock(&m->lock);
	int r = create_pick_name(m, name, &c->name, err);
	if (r >= 0)
		r = store_save(m, c, err);
	if (r >= 0) {
		m->v = xgrow(m->v, &m->alloc, m->n + 1, sizeof(struct container *));
		m->v[m->n++] = c;
		container_ref(c); /* the table's, besides ours */
	}
	pthread_mutex_unlock(&m->lock);
	if (r < 0) {
		/* the anonymous volumes made for it go too (its name was taken...) */
		cleanup_json json_t *anon = mounts_anonymous(c);
		mounts_remove_anonymous(m, anon);
		rm_rf(c->dir);
		container_put(c);
		return r;
	}

	/* After the row: a crash here is repaired at open, which re-adds the record */
	pthread_mutex_lock(&d->images_lock);
	cleanup_error berth_error_t *e = NULL;
	if (image_store_container_add(d->images, c->id, &img.id,
				      c->n_chain_ids ? &c->chain_ids[c->n_chain_ids - 1] : NULL,
				      false, &e) < 0)
		log_warn("container %.12s: record image use: %s, ignoring", c->id, e->msg);
	pthread_mutex_unlock(&d->images_lock);

	container_event(c, "create", NULL);
	*ret_id = xstrdup(c->id);
	*ret_warnings = json_array();
	container_put(c);
	return 0;
}

/* ---- remove ------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		log_debug("remove '%s': %s, ignoring", path, strerror(errno));
	return 0;
}

/* Remove a tree without crossing mount points (a still-mounted rootfs
 * must never be emptied through us) */
static void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int container_destroy(struct container_manager *m, struct container *c, berth_error_t **err)
{
	struct daemon *d = m->d;
	cleanup_error berth_error_t *e = NULL;

	pthread_mutex_lock(&c->lock);
	c->state = CONTAINER_REMOVING;
	container_save_or_log(c);
	/* rm -v and --rm take the anonymous volumes along, as docker */
	bool vols = c->remove_volumes ||
		    json_is_true(json_object_get(c->host_config, "AutoRemove"));
	cleanup_json json_t *anon = vols ? mounts_anonymous(c) : NULL;
	pthread_mutex_unlock(&c->lock);

	pthread_mutex_lock(&d->images_lock);
	struct layer_store *ls = image_store_layers(d->images);
	int r = overlay_remove(ls, c->id, &e);
	pthread_mutex_unlock(&d->images_lock);
	if (r < 0) {
		berth_error_fail(err, e->errnum, "remove rootfs of %s: %s", c->id, e->msg);
		pthread_mutex_lock(&c->lock);
		c->state = CONTAINER_DEAD;
		container_save_or_log(c);
		pthread_mutex_unlock(&c->lock);
		return -1;
	}
	/* its network namespace went at stop; one left by a crash goes now */
	cleanup_free char *netns = xasprintf("%s/netns/%s", d->cfg.exec_root, c->id);
	if (netns_remove(netns, &e) < 0) {
		log_warn("container %.12s: %s, ignoring", c->id, e->msg);
		berth_error_release(&e);
	}
	rm_rf(c->state_dir);
	rm_rf(c->dir);
	pthread_mutex_lock(&d->images_lock);
	if (image_store_container_remove(d->images, c->id, &e) < 0)
		log_warn("container %.12s: drop image use: %s, ignoring", c->id, e->msg);
	pthread_mutex_unlock(&d->images_lock);

	pthread_mutex_lock(&m->lock);
	if (store_delete(m, c->id, err) < 0) {
		pthread_mutex_unlock(&m->lock);
		return -1;
	}
	bool in_table = false;
	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i] == c) {
			memmove(&m->v[i], &m->v[i + 1],
				(m->n - i - 1) * sizeof(struct container *));
			m->n--;
			in_table = true;
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);

	pthread_mutex_lock(&c->lock);
	c->removed = true;
	pthread_cond_broadcast(&c->cond);
	container_notify(c, WATCH_EXIT | WATCH_CHANGE);
	pthread_mutex_unlock(&c->lock);
	container_event(c, "destroy", NULL);
	if (anon)
		mounts_remove_anonymous(m, anon);
	if (in_table)
		container_put(c); /* the table's reference */
	return 0;
}

static bool container_active(const struct container *c)
{
	return c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED ||
	       c->state == CONTAINER_RESTARTING || c->monitor_active;
}

int container_remove(struct container_manager *m, struct container *c, bool force, bool volumes,
		     berth_error_t **err)
{
	pthread_mutex_lock(&c->lock);
	if (c->removed || c->state == CONTAINER_REMOVING) {
		pthread_mutex_unlock(&c->lock);
		return berth_error_fail(err, EBUSY,
					"removal of container %s is already in progress", c->id);
	}
	bool running = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED ||
		       c->state == CONTAINER_RESTARTING;
	bool active = container_active(c);
	const char *st = container_state_name(c->state);
	pthread_mutex_unlock(&c->lock);
	if (active && !running) {
		/* it exited and its monitor is finishing (unmount, events): a
		 * `docker start -a; docker rm` must not see it busy */
		int status;
		if (container_wait(m, c, CONTAINER_WAIT_NOT_RUNNING, -1, &status, err) < 0)
			return -1;
		pthread_mutex_lock(&c->lock);
		active = container_active(c);
		st = container_state_name(c->state);
		pthread_mutex_unlock(&c->lock);
	}
	if (active && !force)
		return berth_error_fail(
			err, EBUSY,
			"cannot remove container \"/%s\": container is %s: stop the container before removing or force remove",
			c->name, st);
	if (active) {
		/* stop with no grace period: SIGKILL at once, and no restart */
		if (container_stop(m, c, "SIGKILL", 0, err) < 0)
			return -1;
	}
	pthread_mutex_lock(&c->lock);
	bool again = c->removed || c->state == CONTAINER_REMOVING || container_active(c);
	if (!again) {
		c->state = CONTAINER_REMOVING; /* ours now: AutoRemove and others back off */
		c->remove_volumes = volumes;
	}
	pthread_mutex_unlock(&c->lock);
	if (again)
		return berth_error_fail(err, EBUSY, "container %s is busy, try again", c->id);
	return container_destroy(m, c, err);
}

/* ---- rename ------------------------------------------------------------------- */

int container_rename(struct container_manager *m, struct container *c, const char *new_name,
		     berth_error_t **err)
{
	if (!new_name || !*new_name)
		return berth_error_fail(err, EINVAL, "Neither old nor new names may be empty");
	if (*new_name == '/')
		new_name++;
	if (!container_name_valid(new_name))
		return berth_error_fail(
			err, EINVAL,
			"Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
			new_name);
	pthread_mutex_lock(&m->lock);
	struct container *other = find_by_name_locked(m, new_name);
	if (other) {
		pthread_mutex_unlock(&m->lock);
		if (other == c)
			return berth_error_fail(
				err, EINVAL,
				"Renaming a container with the same name as its current name");
		return berth_error_fail(
			err, EEXIST,
			"Error when allocating new name: Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.",
			new_name, other->id);
	}
	pthread_mutex_lock(&c->lock);
	char *old = c->name;
	c->name = xstrdup(new_name);
	int r = store_save(m, c, err);
	if (r < 0) {
		free(c->name);
		c->name = old;
	} else {
		free(old);
	}
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_unlock(&m->lock);
	if (r < 0)
		return r;
	container_event(c, "rename", NULL);
	return 0;
}

/* ---- open / close ---------------------------------------------------------------- */

int container_manager_open(struct daemon *d, struct container_manager **ret, berth_error_t **err)
{
	struct container_manager *m = xzalloc(sizeof(*m));
	m->d = d;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->store_lock, NULL);
	cleanup_free char *cdir = xasprintf("%s/containers", d->cfg.data_root);
	cleanup_free char *sdir = xasprintf("%s/containers", d->cfg.exec_root);
	cleanup_free char *db = xasprintf("%s/containers.db", d->cfg.data_root);
	if ((mkdir(cdir, 0710) < 0 && errno != EEXIST) ||
	    (mkdir(sdir, 0700) < 0 && errno != EEXIST)) {
		berth_error_set(err, errno, "mkdir '%s'", errno ? cdir : sdir);
		free(m);
		return -1;
	}
	if (store_open(m, db, err) < 0 || store_load_all(m, err) < 0) {
		store_close(m);
		free(m);
		return -1;
	}
	/* adoption may remove containers from the table: walk a copy */
	size_t n = m->n;
	struct container **all = xcalloc(n + 1, sizeof(struct container *));
	if (n)
		memcpy(all, m->v, n * sizeof(struct container *));
	for (size_t i = 0; i < n; i++)
		container_ref(all[i]);
	for (size_t i = 0; i < n; i++) {
		monitor_adopt(m, all[i]);
		container_put(all[i]);
	}
	free(all);
	*ret = m;
	return 0;
}

void container_manager_close(struct container_manager *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->closing = true;
	struct container **v = m->v;
	size_t n = m->n;
	m->v = NULL;
	m->n = m->alloc = 0;
	bool monitors = false;
	for (size_t i = 0; i < n; i++)
		monitors |= v[i]->monitor_active;
	pthread_mutex_unlock(&m->lock);
	/* Containers keep running (SIGTERM leaves them to their shims).
	 * Monitor threads still hold their references; they see `closing`
	 * and leave without touching the store, which closes now. */
	for (size_t i = 0; i < n; i++)
		container_put(v[i]);
	free(v);
	store_close(m);
	/* the netns directory's private mount goes with the last namespace
	 * (running containers keep theirs, and the mount, for the next berthd) */
	cleanup_free char *netns_dir = xasprintf("%s/netns", m->d->cfg.exec_root);
	struct stat st;
	cleanup_error berth_error_t *e = NULL;
	if (stat(netns_dir, &st) == 0 && netns_dir_release(netns_dir, &e) < 0 && e->errnum != EBUSY)
		log_warn("release '%s': %s, ignoring", netns_dir, e->msg);
	exec_table_free(m->execs);
	m->execs = NULL;
	if (!monitors) {
		pthread_mutex_destroy(&m->lock);
		pthread_mutex_destroy(&m->store_lock);
		free(m);
	}
}
