/* daemon: a berthd's shared state coming up and going down.  The data root
 * holds what must survive (images, containers, the daemon ID); the exec
 * root holds what dies with the machine (sockets, shim state).  Both are
 * created with docker's modes.  Reload swaps the few reloadable fields;
 * the old values are kept until exit because connection threads may
 * still read them (daemon.h: fields are read without a lock). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/config.h"
#include "daemon/daemon-internal.h"
#include "daemon/events.h"
#include "daemon/networks/networks.h"
#include "image/image-store.h"
#ifdef HAVE_CONTAINER_MANAGER
#include "daemon/containers/manager.h"
#include "daemon/volumes/volumes.h"
#endif

static int make_dir(const char *path, mode_t mode, berth_error_t **err)
{
	cleanup_free char *copy = xstrdup(path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			return berth_error_set(err, errno, "create '%s'", copy);
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "create '%s'", path);
	/* an existing dir gets docker's mode too: a wider one from an old
	 * install must not stay */
	if (chmod(path, mode) < 0)
		return berth_error_set(err, errno, "chmod '%s'", path);
	return 0;
}

static bool id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 8 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF-", s[i]))
			return false;
	return true;
}

/* The daemon ID: a UUID made once and kept in <data_root>/engine-id
 * (docker keeps its ID in /var/lib/docker/engine-id too) */
static int load_id(const char *data_root, char **ret, berth_error_t **err)
{
	cleanup_free char *path = xasprintf("%s/engine-id", data_root);
	char buf[160];
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			if (id_valid(buf)) {
				*ret = xstrdup(buf);
				return 0;
			}
		}
		log_warn("'%s' does not hold a valid ID, making a new one", path);
	} else if (errno != ENOENT) {
		return berth_error_set(err, errno, "open '%s'", path);
	}
	unsigned char r[16];
	cleanup_close int ufd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (ufd < 0 || read(ufd, r, sizeof(r)) != (ssize_t)sizeof(r))
		return berth_error_set(err, errno, "read /dev/urandom");
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(buf, sizeof(buf),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
		 r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
		 r[15]);
	cleanup_free char *content = xasprintf("%s\n", buf);
	if (atomic_write_file(path, content, strlen(content), 0600, err) < 0)
		return berth_error_wrap(err, "save the daemon ID");
	*ret = xstrdup(buf);
	return 0;
}

char *daemon_hostname(void)
{
	char buf[256];
	if (gethostname(buf, sizeof(buf)) < 0)
		return xstrdup("localhost");
	buf[sizeof(buf) - 1] = '\0';
	return xstrdup(buf);
}

int daemon_open(struct daemon *d, struct daemon_config *cfg, berth_error_t **err)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	d->started_at = time(NULL);
	pthread_mutex_init(&d->images_lock, NULL);
	d->events = events_new();
	if (make_dir(d->cfg.data_root, 0700, err) < 0 || make_dir(d->cfg.exec_root, 0711, err) < 0)
		return -1;
	if (load_id(d->cfg.data_root, &d->id, err) < 0)
		return -1;
	/* tests may skip syncs (like image-tool without IMAGE_TOOL_SYNC) */
	enum image_store_flags flags = getenv("BERTHD_NO_SYNC") ? IMAGE_STORE_NO_SYNC : 0;
	if (image_store_open(d->cfg.data_root, flags, &d->images, err) < 0)
		return berth_error_wrap(err, "open the image store in '%s'", d->cfg.data_root);
	/* before the containers: re-adopted running containers take their volumes */
	if (volume_store_open(d->cfg.data_root, &d->volumes, err) < 0)
		return berth_error_wrap(err, "open the volumes in '%s'", d->cfg.data_root);
	/* before the containers too: re-adopted containers take their endpoints */
	struct network_config ncfg = { .bip = d->cfg.bip, .icc = d->cfg.icc, .mtu = d->cfg.mtu };
	if (network_store_open(d->cfg.data_root, &ncfg, &d->networks, err) < 0)
		return berth_error_wrap(err, "open the networks in '%s'", d->cfg.data_root);
#ifdef HAVE_CONTAINER_MANAGER
	if (container_manager_open(d, &d->containers, err) < 0) {
		/* no daemon_shutdown follows a failed open: the bridges go now */
		network_store_close(d->networks);
		d->networks = NULL;
		return berth_error_wrap(err, "open the containers");
	}
#endif
	return 0;
}

void daemon_shutdown(struct daemon *d)
{
#ifdef HAVE_CONTAINER_MANAGER
	if (d->containers)
		container_manager_close(d->containers);
	d->containers = NULL;
#endif
	/* after the containers: the bridges go only when no endpoint is left */
	network_store_close(d->networks);
	d->networks = NULL;
}

/* Old values replaced by a reload, freed never: a connection thread may
 * hold a pointer to them.  A reload is rare; the leak is bounded by it. */
struct graveyard {
	void *p;
	struct graveyard *next;
};
static struct graveyard *graves;

static void bury(void *p)
{
	struct graveyard *g = xmalloc(sizeof(*g));
	g->p = p;
	g->next = graves;
	graves = g;
}

static json_t *strv_json(char **v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

void daemon_reload(struct daemon *d, struct daemon_config *fresh)
{
	struct daemon_config *c = &d->cfg;
	bury(c->registry_mirrors);
	bury(c->insecure_registries);
	bury(c->default_ulimits); /* a json_t: never decref'd either */
	__atomic_store_n(&c->registry_mirrors, fresh->registry_mirrors, __ATOMIC_RELEASE);
	__atomic_store_n(&c->insecure_registries, fresh->insecure_registries, __ATOMIC_RELEASE);
	__atomic_store_n(&c->default_ulimits, fresh->default_ulimits, __ATOMIC_RELEASE);
	fresh->registry_mirrors = NULL;
	fresh->insecure_registries = NULL;
	fresh->default_ulimits = NULL;
	c->log_level = fresh->log_level;
	log_set_level((enum log_level)c->log_level);

	cleanup_free char *host = daemon_hostname();
	cleanup_json json_t *mirrors = strv_json(c->registry_mirrors);
	cleanup_json json_t *insecure = strv_json(c->insecure_registries);
	cleanup_free char *m = bjson_dump(mirrors);
	cleanup_free char *i = bjson_dump(insecure);
	cleanup_free char *u = bjson_dump(c->default_ulimits);
	json_t *attrs = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", host, "log-level",
				  log_level_name((enum log_level)c->log_level), "registry-mirrors",
				  m, "insecure-registries", i, "default-ulimits", u, "debug",
				  c->log_level == LOG_LEVEL_DEBUG ? "true" : "false");
	events_publish(d->events, "daemon", "reload", d->id, attrs);
	log_info("reloaded the configuration from '%s'", c->config_file ? c->config_file : "");
	daemon_config_release(fresh);
}
