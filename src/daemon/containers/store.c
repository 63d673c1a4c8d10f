/* store: the containers of a data root in SQLite (<data_root>/containers.db,
 * WAL).  One row per container: the ID, the unique name and one JSON
 * document with everything else (the create request, image, state).  Every
 * state change rewrites the row in one statement, i.e. one transaction, so
 * a berthd killed at any point leaves the last whole state behind. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"

#define STORE_BUSY_MS 10000
#define STORE_DOC_MAX (16u << 20)

static int store_fail(struct container_manager *m, int rc, const char *what, berth_error_t **err)
{
	int errnum = (rc == SQLITE_CONSTRAINT) ? EEXIST : (rc == SQLITE_BUSY ? EBUSY : EIO);
	return berth_error_fail(err, errnum, "container store: %s: %s", what,
				m->db ? sqlite3_errmsg(m->db) : sqlite3_errstr(rc));
}

int store_open(struct container_manager *m, const char *path, berth_error_t **err)
{
	int rc = sqlite3_open_v2(path, &m->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		int r = store_fail(m, rc, "open", err);
		sqlite3_close(m->db);
		m->db = NULL;
		(void)r;
		return berth_error_wrap(err, "open '%s'", path);
	}
	sqlite3_busy_timeout(m->db, STORE_BUSY_MS);
	const char *schema = "PRAGMA journal_mode=WAL;"
			     "PRAGMA synchronous=NORMAL;"
			     "CREATE TABLE IF NOT EXISTS containers ("
			     "  id TEXT PRIMARY KEY NOT NULL,"
			     "  name TEXT UNIQUE NOT NULL,"
			     "  doc TEXT NOT NULL);";
	char *msg = NULL;
	rc = sqlite3_exec(m->db, schema, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		berth_error_fail(err, EIO, "container store '%s': schema: %s", path,
				 msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		sqlite3_close(m->db);
		m->db = NULL;
		return -EIO;
	}
	return 0;
}

void store_close(struct container_manager *m)
{
	pthread_mutex_lock(&m->store_lock);
	if (m->db)
		sqlite3_close(m->db);
	m->db = NULL;
	pthread_mutex_unlock(&m->store_lock);
}

static json_t *store_doc(const struct container *c)
{
	json_t *chain = json_array();
	for (size_t i = 0; i < c->n_chain_ids; i++) {
		char s[DIGEST_STR_SIZE];
		digest_format(&c->chain_ids[i], s);
		json_array_append_new(chain, json_string(s));
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:I, s:O, s:O, s:O, s:s, s:i, s:i, s:I, s:I,"
			 " s:b, s:s?, s:i, s:b, s:b, s:b, s:O?}",
			 "Name", c->name, "ImageRef", c->image_ref, "ImageID", c->image_id,
			 "ChainIDs", chain, "Created", (json_int_t)c->created_ns, "Config",
			 c->config, "HostConfig", c->host_config, "NetworkingConfig", c->net_config,
			 "State", container_state_name(c->state), "Pid", (int)c->pid, "ExitCode",
			 c->exit_code, "StartedAt", (json_int_t)c->started_ns, "FinishedAt",
			 (json_int_t)c->finished_ns, "OOMKilled", c->oom_killed, "Error", c->error,
			 "RestartCount", (int)c->restart_count, "ManuallyStopped",
			 c->manually_stopped, "StopRequested", c->stop_requested, "HasBeenStarted",
			 c->has_been_started, "Health", c->health);
}

int store_save(struct container_manager *m, struct container *c, berth_error_t **err)
{
	cleanup_json json_t *doc = store_doc(c);
	cleanup_free char *text = bjson_dump(doc);
	int r = 0;

	pthread_mutex_lock(&m->store_lock);
	if (!m->db) {
		pthread_mutex_unlock(&m->store_lock);
		return berth_error_fail(err, EIO, "container store is closed");
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(m->db,
				    "INSERT INTO containers (id, name, doc) VALUES (?1, ?2, ?3) "
				    "ON CONFLICT(id) DO UPDATE SET name = ?2, doc = ?3",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		r = store_fail(m, rc, "save", err);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&m->store_lock);
	return r;
}

int store_delete(struct container_manager *m, const char *id, berth_error_t **err)
{
	int r = 0;
	pthread_mutex_lock(&m->store_lock);
	if (!m->db) {
		pthread_mutex_unlock(&m->store_lock);
		return berth_error_fail(err, EIO, "container store is closed");
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(m->db, "DELETE FROM containers WHERE id = ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		r = store_fail(m, rc, "delete", err);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&m->store_lock);
	return r;
}

static json_t *obj_or_empty(json_t *doc, const char *key)
{
	json_t *v = json_object_get(doc, key);
	return json_is_object(v) ? json_incref(v) : json_object();
}

/* One row into a container; a row that does not parse is skipped with a
 * warning rather than keeping berthd from starting */
static struct container *store_row(struct container_manager *m, const char *id, const char *text,
				   berth_error_t **err)
{
	cleanup_json json_t *doc = NULL;
	if (bjson_load(text, strlen(text), "container row", STORE_DOC_MAX, 0, &doc, err) < 0)
		return NULL;
	const char *name = json_string_value(json_object_get(doc, "Name"));
	const char *image_id = json_string_value(json_object_get(doc, "ImageID"));
	const char *state = json_string_value(json_object_get(doc, "State"));
	enum container_state st;
	if (!name || !image_id || !state || container_state_parse(state, &st) < 0 ||
	    strlen(image_id) >= DIGEST_STR_SIZE) {
		berth_error_fail(err, EINVAL, "container row %s: missing or bad fields", id);
		return NULL;
	}
	struct container *c = container_new(m, id);
	c->name = xstrdup(name);
	c->image_ref = xstrdup(json_string_value(json_object_get(doc, "ImageRef")));
	if (!c->image_ref)
		c->image_ref = xstrdup(image_id);
	snprintf(c->image_id, sizeof(c->image_id), "%s", image_id); /* length checked above */
	json_t *chain = json_object_get(doc, "ChainIDs");
	c->n_chain_ids = json_array_size(chain);
	c->chain_ids = xcalloc(c->n_chain_ids ? c->n_chain_ids : 1, sizeof(*c->chain_ids));
	for (size_t i = 0; i < c->n_chain_ids; i++) {
		if (digest_parse(json_string_value(json_array_get(chain, i)) ?: "",
				 &c->chain_ids[i], err) < 0) {
			container_put(c);
			return NULL;
		}
	}
	c->created_ns = json_integer_value(json_object_get(doc, "Created"));
	json_decref(c->config);
	c->config = obj_or_empty(doc, "Config");
	json_decref(c->host_config);
	c->host_config = obj_or_empty(doc, "HostConfig");
	json_decref(c->net_config);
	c->net_config = obj_or_empty(doc, "NetworkingConfig");
	c->state = st;
	c->pid = (pid_t)json_integer_value(json_object_get(doc, "Pid"));
	c->exit_code = (int)json_integer_value(json_object_get(doc, "ExitCode"));
	c->started_ns = json_integer_value(json_object_get(doc, "StartedAt"));
	c->finished_ns = json_integer_value(json_object_get(doc, "FinishedAt"));
	c->oom_killed = json_is_true(json_object_get(doc, "OOMKilled"));
	c->error = xstrdup(json_string_value(json_object_get(doc, "Error")));
	c->restart_count = (unsigned)json_integer_value(json_object_get(doc, "RestartCount"));
	c->manually_stopped = json_is_true(json_object_get(doc, "ManuallyStopped"));
	c->stop_requested = json_is_true(json_object_get(doc, "StopRequested"));
	c->has_been_started = json_is_true(json_object_get(doc, "HasBeenStarted"));
	json_t *health = json_object_get(doc, "Health");
	if (json_is_object(health))
		c->health = json_incref(health);
	return c;
}

int store_load_all(struct container_manager *m, berth_error_t **err)
{
	pthread_mutex_lock(&m->store_lock);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(m->db, "SELECT id, doc FROM containers ORDER BY rowid", -1, &st,
				    NULL);
	if (rc != SQLITE_OK) {
		int r = store_fail(m, rc, "load", err);
		pthread_mutex_unlock(&m->store_lock);
		return r;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 1);
		cleanup_error berth_error_t *e = NULL;
		struct container *c = (id && text && strlen(id) == DIGEST_HEX_LEN) ?
					      store_row(m, id, text, &e) :
					      NULL;
		if (!c) {
			log_warn("container store: skipping row '%s': %s", id ? id : "?",
				 e ? e->msg : "bad id");
			continue;
		}
		m->v = xgrow(m->v, &m->alloc, m->n + 1, sizeof(struct container *));
		m->v[m->n++] = c;
	}
	int r = 0;
	if (rc != SQLITE_DONE)
		r = store_fail(m, rc, "load", err);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&m->store_lock);
	return r;
}
