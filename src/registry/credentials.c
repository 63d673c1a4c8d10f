/* credentials: docker-compatible config.json and credential helpers (see
 * credentials.h).  Helpers are spawned without a shell, with the input on
 * a pipe, their stdout read up to a cap and their stderr discarded, as
 * docker's credential-helpers client does. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "registry/credentials.h"

extern char **environ;

#define HELPER_NOT_FOUND "credentials not found in native keychain"

char *credentials_config_dir(berth_error_t **err)
{
	const char *d = getenv("DOCKER_CONFIG");
	if (d && *d)
		return xstrdup(d);
	const char *home = getenv("HOME");
	if (!home || !*home)
		return berth_error_fail(err, ENOENT, "neither DOCKER_CONFIG nor HOME is set"), NULL;
	return xasprintf("%s/.docker", home);
}

static bool is_docker_io(const char *host)
{
	return strcmp(host, "docker.io") == 0 || strcmp(host, "index.docker.io") == 0 ||
	       strcmp(host, "registry-1.docker.io") == 0 ||
	       strcmp(host, CREDENTIALS_DOCKER_IO_KEY) == 0;
}

char *credentials_server_key(const char *host)
{
	return xstrdup(is_docker_io(host) ? CREDENTIALS_DOCKER_IO_KEY : host);
}

/* docker's ConvertToHostname: drop a scheme and any path */
static char *key_hostname(const char *key)
{
	if (strncmp(key, "http://", 7) == 0)
		key += 7;
	else if (strncmp(key, "https://", 8) == 0)
		key += 8;
	return xstrndup(key, strcspn(key, "/"));
}

static char *config_path(const char *config_dir, berth_error_t **err)
{
	cleanup_free char *dir = config_dir ? xstrdup(config_dir) : credentials_config_dir(err);
	if (!dir)
		return NULL;
	return xasprintf("%s/config.json", dir);
}

/* config.json as an object; a missing file is an empty object */
static int config_load(const char *path, json_t **ret, berth_error_t **err)
{
	json_t *j = NULL;
	int r = bjson_load_file(path, CREDENTIALS_MAX_CONFIG, 0, &j, err);
	if (r == -ENOENT) {
		berth_error_release(err);
		*ret = json_object();
		return 0;
	}
	if (r < 0)
		return r;
	if (!json_is_object(j)) {
		json_decref(j);
		return berth_error_fail(err, EINVAL, "'%s': expected an object", path);
	}
	*ret = j;
	return 0;
}

static int config_save(const char *path, const json_t *j, berth_error_t **err)
{
	cleanup_free char *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir '%s'", dir);
	cleanup_free char *text = json_dumps(j, JSON_INDENT(8) | JSON_PRESERVE_ORDER);
	if (!text)
		return berth_error_fail(err, EINVAL, "serialise '%s'", path);
	cleanup_free char *data = xasprintf("%s\n", text);
	return atomic_write_file(path, data, strlen(data), 0600, err);
}

/* The helper for key: credHelpers[key or its hostname], else credsStore */
static const char *config_helper(const json_t *cfg, const char *key)
{
	json_t *helpers = json_object_get(cfg, "credHelpers");
	cleanup_free char *hn = key_hostname(key);
	const char *h = json_string_value(json_object_get(helpers, key));
	if (!h)
		h = json_string_value(json_object_get(helpers, hn));
	if (!h)
		h = json_string_value(json_object_get(cfg, "credsStore"));
	return h && *h ? h : NULL;
}

/* Run docker-credential-<helper> <action> with input on stdin; *ret_out
 * gets stdout (trimmed).  Returns the exit status (0 success). */
static int helper_run(const char *helper, const char *action, const char *input, char **ret_out,
		      berth_error_t **err)
{
	cleanup_free char *prog = xasprintf("docker-credential-%s", helper);
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r;

	if (strchr(helper, '/'))
		return berth_error_fail(err, EINVAL, "invalid credential helper name '%s'", helper);
	if (pipe2(in, O_CLOEXEC) < 0)
		return berth_error_set(err, errno, "pipe");
	if (pipe2(out, O_CLOEXEC) < 0) {
		r = berth_error_set(err, errno, "pipe");
		close(in[0]);
		close(in[1]);
		return r;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	char *argv[] = { prog, (char *)action, NULL };
	r = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	cleanup_close int wfd = in[1];
	cleanup_close int rfd = out[0];
	if (r != 0)
		return berth_error_set(err, r, "run '%s'", prog);

	/* the input is small (a URL or one JSON object): well under a pipe
	 * buffer, so writing it all before reading cannot deadlock; a helper
	 * that exits without reading gives EPIPE, which we ignore */
	size_t len = strlen(input), off = 0;
	while (off < len) {
		ssize_t n = write(wfd, input + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	cleanup_closep(&wfd);

	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	bool overflow = false;
	for (;;) {
		char buf[4096];
		ssize_t n = read(rfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (sb.len + (size_t)n > CREDENTIALS_MAX_HELPER_OUTPUT)
			overflow = true;
		else
			strbuf_add(&sb, buf, (size_t)n);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return berth_error_set(err, errno, "wait for '%s'", prog);
	}
	if (overflow)
		return berth_error_fail(err, EMSGSIZE, "'%s %s': output exceeds %u bytes", prog,
					action, CREDENTIALS_MAX_HELPER_OUTPUT);
	strbuf_rtrim(&sb);
	*ret_out = strbuf_detach(&sb, NULL);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int helper_get(const char *helper, const char *key, struct auth_creds *ret,
		      berth_error_t **err)
{
	cleanup_free char *out = NULL;
	int st = helper_run(helper, "get", key, &out, err);
	if (st < 0)
		return st;
	if (st != 0) {
		if (strstr(out, HELPER_NOT_FOUND))
			return 0;
		return berth_error_fail(err, EIO,
					"docker-credential-%s get: exit status %d: %.200s", helper,
					st, out);
	}
	cleanup_json json_t *j = NULL;
	const char *user = NULL, *secret = NULL;
	if (bjson_load(out, strlen(out), "credential helper output", CREDENTIALS_MAX_HELPER_OUTPUT,
		       8, &j, err) < 0 ||
	    bjson_get_string(j, NULL, "Username", 0, &user, err) < 0 ||
	    bjson_get_string(j, NULL, "Secret", BJSON_REQUIRED, &secret, err) < 0)
		return berth_error_wrap(err, "docker-credential-%s get", helper);
	memset(ret, 0, sizeof(*ret));
	if (user && strcmp(user, "<token>") == 0) {
		ret->identity_token = xstrdup(secret);
	} else {
		ret->username = xstrdup(user ? user : "");
		ret->password = xstrdup(secret);
	}
	return 1;
}

/* The auths entry for key: the exact key, else one whose hostname matches */
static json_t *auths_find(json_t *auths, const char *key, const char **ret_key)
{
	json_t *e = json_object_get(auths, key);
	if (e) {
		*ret_key = key;
		return e;
	}
	cleanup_free char *want = key_hostname(key);
	const char *k;
	json_t *v;
	json_object_foreach(auths, k, v)
	{
		cleanup_free char *hn = key_hostname(k);
		if (strcasecmp(hn, want) == 0) {
			*ret_key = k;
			return v;
		}
	}
	return NULL;
}

int credentials_get(const char *config_dir, const char *host, struct auth_creds *ret,
		    berth_error_t **err)
{
	cleanup_free char *path = config_path(config_dir, err);
	cleanup_free char *key = credentials_server_key(host);
	cleanup_json json_t *cfg = NULL;

	if (!path || config_load(path, &cfg, err) < 0)
		return berth_error_wrap(err, "credentials for '%s'", host);
	const char *helper = config_helper(cfg, key);
	if (helper) {
		int r = helper_get(helper, key, ret, err);
		if (r < 0)
			return berth_error_wrap(err, "credentials for '%s'", host);
		return r;
	}
	json_t *auths = json_object_get(cfg, "auths");
	const char *found_key = NULL;
	json_t *e = auths_find(auths, key, &found_key);
	if (!e)
		return 0;
	cleanup_free char *where = bjson_path_key("auths", found_key);
	const char *auth = NULL, *idtoken = NULL, *user = NULL, *pass = NULL;
	if (bjson_get_string(e, where, "auth", 0, &auth, err) < 0 ||
	    bjson_get_string(e, where, "identitytoken", 0, &idtoken, err) < 0 ||
	    bjson_get_string(e, where, "username", 0, &user, err) < 0 ||
	    bjson_get_string(e, where, "password", 0, &pass, err) < 0)
		return berth_error_wrap(err, "'%s'", path);
	struct auth_creds c = { 0 };
	if (auth && *auth) {
		if (auth_basic_decode(auth, &c.username, &c.password, err) < 0)
			return berth_error_wrap(err, "'%s': %s.auth", path, where);
	} else if (user && pass) {
		c.username = xstrdup(user);
		c.password = xstrdup(pass);
	}
	if (idtoken && *idtoken)
		c.identity_token = xstrdup(idtoken);
	if (!c.username && !c.identity_token) {
		auth_creds_release(&c);
		return 0;
	}
	*ret = c;
	return 1;
}

int credentials_store(const char *config_dir, const char *host, const struct auth_creds *creds,
		      berth_error_t **err)
{
	cleanup_free char *path = config_path(config_dir, err);
	cleanup_free char *key = credentials_server_key(host);
	cleanup_json json_t *cfg = NULL;

	if (!path || config_load(path, &cfg, err) < 0)
		return berth_error_wrap(err, "store credentials for '%s'", host);
	json_t *auths = json_object_get(cfg, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(cfg, "auths", auths);
	}
	json_t *entry = json_object();
	const char *helper = config_helper(cfg, key);
	if (helper) {
		cleanup_json json_t *in = json_object();
		bool token = creds->identity_token != NULL;
		json_object_set_new(in, "ServerURL", json_string(key));
		json_object_set_new(in, "Username",
				    json_string(token           ? "<token>" :
						creds->username ? creds->username :
								  ""));
		json_object_set_new(in, "Secret",
				    json_string(token           ? creds->identity_token :
						creds->password ? creds->password :
								  ""));
		cleanup_free char *input = bjson_dump(in);
		cleanup_free char *out = NULL;
		int st = helper_run(helper, "store", input, &out, err);
		if (st < 0) {
			json_decref(entry);
			return berth_error_wrap(err, "store credentials for '%s'", host);
		}
		if (st != 0) {
			json_decref(entry);
			return berth_error_fail(
				err, EIO,
				"store credentials for '%s': docker-credential-%s store: exit status %d: %.200s",
				host, helper, st, out);
		}
	} else {
		if (creds->username) {
			cleanup_free char *b = auth_basic_encode(creds->username, creds->password);
			json_object_set_new(entry, "auth", json_string(b));
		}
		if (creds->identity_token)
			json_object_set_new(entry, "identitytoken",
					    json_string(creds->identity_token));
	}
	json_object_set_new(auths, key, entry);
	if (config_save(path, cfg, err) < 0)
		return berth_error_wrap(err, "store credentials for '%s'", host);
	return 0;
}

int credentials_erase(const char *config_dir, const char *host, berth_error_t **err)
{
	cleanup_free char *path = config_path(config_dir, err);
	cleanup_free char *key = credentials_server_key(host);
	cleanup_json json_t *cfg = NULL;
	int removed = 0;

	if (!path || config_load(path, &cfg, err) < 0)
		return berth_error_wrap(err, "erase credentials for '%s'", host);
	const char *helper = config_helper(cfg, key);
	if (helper) {
		cleanup_free char *out = NULL;
		int st = helper_run(helper, "erase", key, &out, err);
		if (st < 0)
			return berth_error_wrap(err, "erase credentials for '%s'", host);
		if (st == 0)
			removed = 1;
		else if (!strstr(out, HELPER_NOT_FOUND))
			return berth_error_fail(
				err, EIO,
				"erase credentials for '%s': docker-credential-%s erase: exit status %d: %.200s",
				host, helper, st, out);
	}
	/* the entry credentials_get would use, whatever form its key has
	 * ("https://host/v1/"), so that no credentials outlive a logout */
	json_t *auths = json_object_get(cfg, "auths");
	const char *found = NULL;
	if (json_is_object(auths) && auths_find(auths, key, &found)) {
		cleanup_free char *k = xstrdup(found);
		json_object_del(auths, k);
		removed = 1;
		if (config_save(path, cfg, err) < 0)
			return berth_error_wrap(err, "erase credentials for '%s'", host);
	}
	return removed;
}
