/* metadata: the SQLite image database.  Statements are prepared once and
 * kept (SQLITE_PREPARE_PERSISTENT), reset after every use; digests are
 * stored as their "sha256:<hex>" strings.  Invariant: the schema is
 * created and migrated in one BEGIN IMMEDIATE transaction, so a crash
 * during a migration leaves the previous version intact. */
#include "image/metadata.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"

#include "common/banned.h"

/* How long a writer waits for another process's transaction */
#define BUSY_TIMEOUT_MS 30000

/* Migrations: migrations[i] takes the schema from version i to i + 1.
 * Never edit a released entry; append a new one. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE images ("
	"  id TEXT PRIMARY KEY NOT NULL," /* config digest */
	"  manifest_digest TEXT,"         /* manifest blob as pulled/loaded */
	"  manifest_media_type TEXT,"
	"  parent_id TEXT,"           /* commit/build parent; no FK: may be gone */
	"  created INTEGER NOT NULL," /* unix seconds, from the config */
	"  size INTEGER NOT NULL,"    /* sum of layer sizes */
	"  added_ns INTEGER NOT NULL,"
	"  last_tag_time_ns INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX images_parent ON images(parent_id);"
	"CREATE TABLE layers ("
	"  chain_id TEXT PRIMARY KEY NOT NULL,"
	"  parent_chain_id TEXT REFERENCES layers(chain_id) DEFERRABLE INITIALLY DEFERRED,"
	"  diff_id TEXT NOT NULL,"
	"  size INTEGER NOT NULL" /* bytes of regular files */
	");"
	"CREATE INDEX layers_parent ON layers(parent_chain_id);"
	"CREATE TABLE image_layers ("
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  chain_id TEXT NOT NULL REFERENCES layers(chain_id) DEFERRABLE INITIALLY DEFERRED,"
	"  diff_id TEXT NOT NULL,"
	"  blob_digest TEXT,"
	"  blob_size INTEGER,"
	"  blob_media_type TEXT,"
	"  PRIMARY KEY (image_id, position)"
	");"
	"CREATE INDEX image_layers_chain ON image_layers(chain_id);"
	"CREATE TABLE tags ("
	"  ref TEXT PRIMARY KEY NOT NULL," /* docker.io/library/busybox:latest */
	"  repo TEXT NOT NULL,"            /* docker.io/library/busybox */
	"  image_id TEXT NOT NULL REFERENCES images(id),"
	"  created_ns INTEGER NOT NULL"
	");"
	"CREATE INDEX tags_image ON tags(image_id);"
	"CREATE TABLE digests ("
	"  ref TEXT PRIMARY KEY NOT NULL," /* docker.io/library/busybox@sha256:... */
	"  repo TEXT NOT NULL,"
	"  image_id TEXT NOT NULL REFERENCES images(id),"
	"  created_ns INTEGER NOT NULL"
	");"
	"CREATE INDEX digests_image ON digests(image_id);"
	"CREATE TABLE containers ("
	"  id TEXT PRIMARY KEY NOT NULL,"
	"  image_id TEXT NOT NULL," /* no FK: rmi --force may remove it */
	"  top_chain_id TEXT REFERENCES layers(chain_id),"
	"  running INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX containers_image ON containers(image_id);",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == METADATA_SCHEMA_VERSION,
	       "one migration per schema version");

/* The chain IDs in use: every image's layers, and every container's top
 * layer with all its ancestors */
#define LIVE_LAYERS_CTE                                                                   \
	"WITH RECURSIVE live(c) AS ("                                                     \
	"  SELECT chain_id FROM image_layers"                                             \
	"  UNION SELECT top_chain_id FROM containers WHERE top_chain_id IS NOT NULL"      \
	"  UNION SELECT l.parent_chain_id FROM layers l JOIN live ON l.chain_id = live.c" \
	"    WHERE l.parent_chain_id IS NOT NULL) "

enum stmt_id {
	ST_IMAGE_INSERT,
	ST_LAYER_INSERT,
	ST_IMAGE_LAYER_INSERT,
	ST_IMAGE_EXISTS,
	ST_IMAGE_GET,
	ST_IMAGE_LAYERS,
	ST_IMAGE_TAGS,
	ST_IMAGE_DIGESTS,
	ST_IMAGE_DELETE,
	ST_IMAGE_LIST,
	ST_IMAGE_PREFIX,
	ST_IMAGE_CHILDREN,
	ST_IMAGE_TOUCH,
	ST_TAG_GET,
	ST_TAG_SET,
	ST_TAG_DELETE,
	ST_DIGEST_GET,
	ST_DIGEST_SET,
	ST_DIGEST_DELETE,
	ST_CONTAINER_SET,
	ST_CONTAINER_RUNNING,
	ST_CONTAINER_DELETE,
	ST_CONTAINER_USING,
	ST_CONTAINER_ANY,
	ST_LAYER_SIZE,
	ST_LAYERS_UNUSED,
	ST_LAYERS_DELETE_UNUSED,
	ST_LAYERS_ALL,
	ST_BLOBS_LIVE,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST__COUNT,
};

static const char *const stmt_sql[ST__COUNT] = {
	[ST_IMAGE_INSERT] =
		"INSERT INTO images (id, manifest_digest, manifest_media_type, "
		"parent_id, created, size, added_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_LAYER_INSERT] =
		"INSERT OR IGNORE INTO layers (chain_id, parent_chain_id, diff_id, size) "
		"VALUES (?1, ?2, ?3, ?4)",
	[ST_IMAGE_LAYER_INSERT] =
		"INSERT INTO image_layers (image_id, position, chain_id, diff_id, "
		"blob_digest, blob_size, blob_media_type) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_IMAGE_EXISTS] = "SELECT 1 FROM images WHERE id = ?1",
	[ST_IMAGE_GET] = "SELECT manifest_digest, manifest_media_type, parent_id, created, size, "
			 "last_tag_time_ns FROM images WHERE id = ?1",
	[ST_IMAGE_LAYERS] =
		"SELECT il.chain_id, il.diff_id, l.size, il.blob_digest, il.blob_size, "
		"il.blob_media_type FROM image_layers il JOIN layers l "
		"ON l.chain_id = il.chain_id WHERE il.image_id = ?1 ORDER BY il.position",
	[ST_IMAGE_TAGS] = "SELECT ref FROM tags WHERE image_id = ?1 ORDER BY ref",
	[ST_IMAGE_DIGESTS] = "SELECT ref FROM digests WHERE image_id = ?1 ORDER BY ref",
	[ST_IMAGE_DELETE] = "DELETE FROM images WHERE id = ?1",
	[ST_IMAGE_LIST] = "SELECT id FROM images ORDER BY created DESC, added_ns DESC, id",
	[ST_IMAGE_PREFIX] = "SELECT id FROM images WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 2",
	[ST_IMAGE_CHILDREN] = "SELECT count(*) FROM images WHERE parent_id = ?1",
	[ST_IMAGE_TOUCH] = "UPDATE images SET last_tag_time_ns = ?2 WHERE id = ?1",
	[ST_TAG_GET] = "SELECT image_id FROM tags WHERE ref = ?1",
	[ST_TAG_SET] = "INSERT INTO tags (ref, repo, image_id, created_ns) VALUES (?1, ?2, ?3, ?4) "
		       "ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id, "
		       "created_ns = excluded.created_ns",
	[ST_TAG_DELETE] = "DELETE FROM tags WHERE ref = ?1",
	[ST_DIGEST_GET] = "SELECT image_id FROM digests WHERE ref = ?1",
	[ST_DIGEST_SET] = "INSERT INTO digests (ref, repo, image_id, created_ns) "
			  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(ref) DO UPDATE SET "
			  "image_id = excluded.image_id, created_ns = excluded.created_ns",
	[ST_DIGEST_DELETE] = "DELETE FROM digests WHERE ref = ?1",
	[ST_CONTAINER_SET] = "INSERT INTO containers (id, image_id, top_chain_id, running) "
			     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET "
			     "image_id = excluded.image_id, top_chain_id = excluded.top_chain_id, "
			     "running = excluded.running",
	[ST_CONTAINER_RUNNING] = "UPDATE containers SET running = ?2 WHERE id = ?1",
	[ST_CONTAINER_DELETE] = "DELETE FROM containers WHERE id = ?1",
	[ST_CONTAINER_USING] = "SELECT id FROM containers WHERE image_id = ?1 AND running = ?2 "
			       "ORDER BY id LIMIT 1",
	[ST_CONTAINER_ANY] = "SELECT 1 FROM containers WHERE image_id = ?1 LIMIT 1",
	[ST_LAYER_SIZE] = "SELECT size FROM layers WHERE chain_id = ?1",
	[ST_LAYERS_UNUSED] = LIVE_LAYERS_CTE
	"SELECT chain_id, size FROM layers WHERE chain_id NOT IN (SELECT c FROM live)",
	[ST_LAYERS_DELETE_UNUSED] = LIVE_LAYERS_CTE
	"DELETE FROM layers WHERE chain_id NOT IN (SELECT c FROM live)",
	[ST_LAYERS_ALL] = "SELECT chain_id, size FROM layers",
	[ST_BLOBS_LIVE] = "SELECT id FROM images UNION SELECT manifest_digest FROM images "
			  "WHERE manifest_digest IS NOT NULL UNION SELECT blob_digest FROM "
			  "image_layers WHERE blob_digest IS NOT NULL",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

struct metadata {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmts[ST__COUNT];
};

/* errnum for an SQLite result code: busy and locked are conflicts the
 * caller may retry, constraint violations are EEXIST-like conflicts, the
 * rest are I/O trouble */
static int sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EBUSY;
	case SQLITE_CONSTRAINT:
		return EEXIST;
	case SQLITE_FULL:
		return ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return EROFS;
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_CANTOPEN:
		return ENOENT;
	default:
		return EIO;
	}
}

static int db_fail(struct metadata *md, int rc, berth_error_t **err, const char *op)
{
	return berth_error_fail(err, sqlite_errno(rc), "metadata: %s: %s", op,
				md->db ? sqlite3_errmsg(md->db) : sqlite3_errstr(rc));
}

static int exec_sql(struct metadata *md, const char *sql, const char *op, berth_error_t **err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(md->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int r = berth_error_fail(err, sqlite_errno(rc), "metadata: %s: %s", op,
					 msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return r;
	}
	return 0;
}

/* The prepared statement id, reset and unbound, ready to bind */
static int stmt(struct metadata *md, enum stmt_id id, sqlite3_stmt **ret, berth_error_t **err)
{
	if (!md->stmts[id]) {
		int rc = sqlite3_prepare_v3(md->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					    &md->stmts[id], NULL);
		if (rc != SQLITE_OK)
			return db_fail(md, rc, err, "prepare");
	}
	*ret = md->stmts[id];
	return 0;
}

static void stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Step st, which yields at most one row: 1 with that row to read (the
 * caller calls stmt_done after), 0 when there is none, < 0 on error (st is
 * done in both) */
static int step_row(struct metadata *md, sqlite3_stmt *st, const char *op, berth_error_t **err)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	stmt_done(st);
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(md, rc, err, op);
}

static void bind_digest(sqlite3_stmt *st, int i, const struct digest *d)
{
	if (!d) {
		sqlite3_bind_null(st, i);
		return;
	}
	char s[DIGEST_STR_SIZE];
	digest_format(d, s);
	sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Read a digest column; a NULL column gives 0, a malformed one an error
 * (the database was edited by hand or is corrupt) */
static int column_digest(sqlite3_stmt *st, int col, struct digest *ret, berth_error_t **err)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	if (!s)
		return 0;
	if (digest_parse(s, ret, err) < 0)
		return berth_error_wrap(err, "metadata: column %s", sqlite3_column_name(st, col));
	return 1;
}

/* Step a statement that returns no rows */
static int step_done(struct metadata *md, sqlite3_stmt *st, const char *op, berth_error_t **err)
{
	int rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_fail(md, rc, err, op);
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- open and migrate --------------------------------------------------- */

static int read_version(struct metadata *md, int *ret, berth_error_t **err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(md->db, "SELECT version FROM schema_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(md, rc, err, "read schema version");
	rc = sqlite3_step(st);
	int v = 0;
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(md, rc, err, "read schema version");
	*ret = v;
	return 0;
}

static int migrate(struct metadata *md, berth_error_t **err)
{
	cleanup_free char *set = xasprintf("DELETE FROM schema_version; INSERT INTO "
					   "schema_version (version) VALUES (%d)",
					   METADATA_SCHEMA_VERSION);
	if (exec_sql(md, "BEGIN IMMEDIATE", "begin migration", err) < 0)
		return -1;
	int v;
	if (exec_sql(md, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
		     "create schema_version", err) < 0 ||
	    read_version(md, &v, err) < 0)
		goto fail;
	if (v > METADATA_SCHEMA_VERSION) {
		berth_error_fail(err, EPROTO,
				 "metadata: database schema version %d is newer than this berth "
				 "(%d)",
				 v, METADATA_SCHEMA_VERSION);
		goto fail;
	}
	if (v == METADATA_SCHEMA_VERSION) {
		exec_sql(md, "ROLLBACK", "end migration", NULL);
		return 0;
	}
	for (int i = v; i < METADATA_SCHEMA_VERSION; i++) {
		cleanup_free char *op = xasprintf("migrate schema to version %d", i + 1);
		if (exec_sql(md, migrations[i], op, err) < 0)
			goto fail;
	}
	if (exec_sql(md, set, "set schema version", err) < 0 ||
	    exec_sql(md, "COMMIT", "commit migration", err) < 0)
		goto fail;
	log_debug("metadata: migrated '%s' from schema %d to %d", md->path, v,
		  METADATA_SCHEMA_VERSION);
	return 0;
fail:
	exec_sql(md, "ROLLBACK", "roll back migration", NULL);
	return berth_error_codep(err);
}

int metadata_open(const char *path, enum metadata_flags flags, struct metadata **ret,
		  berth_error_t **err)
{
	struct metadata *md = xzalloc(sizeof(*md));
	md->path = xstrdup(path);
	int rc = sqlite3_open_v2(path, &md->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
					 SQLITE_OPEN_EXRESCODE,
				 NULL);
	if (rc != SQLITE_OK) {
		db_fail(md, rc, err, "open");
		metadata_free(md);
		return berth_error_wrap(err, "open '%s'", path);
	}
	sqlite3_busy_timeout(md->db, BUSY_TIMEOUT_MS);
	const char *sync = (flags & METADATA_NO_SYNC) ? "PRAGMA synchronous=OFF" :
							"PRAGMA synchronous=FULL";
	/* foreign_keys only takes effect outside a transaction, hence here */
	if (exec_sql(md, "PRAGMA journal_mode=WAL", "set WAL mode", err) < 0 ||
	    exec_sql(md, "PRAGMA foreign_keys=ON", "enable foreign keys", err) < 0 ||
	    exec_sql(md, sync, "set synchronous", err) < 0 || migrate(md, err) < 0) {
		metadata_free(md);
		return berth_error_wrap(err, "open '%s'", path);
	}
	*ret = md;
	return 0;
}

void metadata_free(struct metadata *md)
{
	if (!md)
		return;
	for (size_t i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(md->stmts[i]);
	if (md->db)
		sqlite3_close(md->db);
	free(md->path);
	free(md);
}

int metadata_schema_version(struct metadata *md, berth_error_t **err)
{
	int v;
	if (read_version(md, &v, err) < 0)
		return -1;
	return v;
}

/* ---- transactions ------------------------------------------------------- */

static int run_simple(struct metadata *md, enum stmt_id id, const char *op, berth_error_t **err)
{
	sqlite3_stmt *st = NULL; /* set by stmt() on success */
	if (stmt(md, id, &st, err) < 0)
		return -1;
	return step_done(md, st, op, err);
}

int metadata_begin(struct metadata *md, berth_error_t **err)
{
	return run_simple(md, ST_BEGIN, "begin transaction", err);
}

int metadata_commit(struct metadata *md, berth_error_t **err)
{
	metadata_crash_point("before-commit");
	if (run_simple(md, ST_COMMIT, "commit", err) < 0) {
		metadata_rollback(md);
		return -1;
	}
	metadata_crash_point("after-commit");
	return 0;
}

void metadata_rollback(struct metadata *md)
{
	if (sqlite3_get_autocommit(md->db))
		return;
	run_simple(md, ST_ROLLBACK, "roll back", NULL);
}

/* ---- images ------------------------------------------------------------- */

int metadata_image_insert(struct metadata *md, const struct metadata_image *img,
			  const struct image_layer *layers, size_t n_layers, berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_IMAGE_INSERT, &st, err) < 0)
		return -1;
	bind_digest(st, 1, &img->id);
	bind_digest(st, 2, img->has_manifest ? &img->manifest_digest : NULL);
	bind_text(st, 3, img->manifest_media_type);
	bind_digest(st, 4, img->has_parent ? &img->parent : NULL);
	sqlite3_bind_int64(st, 5, img->created);
	sqlite3_bind_int64(st, 6, img->size);
	sqlite3_bind_int64(st, 7, now_ns());
	if (step_done(md, st, "insert image", err) < 0)
		return -1;

	for (size_t i = 0; i < n_layers; i++) {
		const struct image_layer *l = &layers[i];
		if (stmt(md, ST_LAYER_INSERT, &st, err) < 0)
			return -1;
		bind_digest(st, 1, &l->chain_id);
		bind_digest(st, 2, i > 0 ? &layers[i - 1].chain_id : NULL);
		bind_digest(st, 3, &l->diff_id);
		sqlite3_bind_int64(st, 4, l->size < 0 ? 0 : l->size);
		if (step_done(md, st, "insert layer", err) < 0)
			return -1;

		if (stmt(md, ST_IMAGE_LAYER_INSERT, &st, err) < 0)
			return -1;
		bind_digest(st, 1, &img->id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		bind_digest(st, 3, &l->chain_id);
		bind_digest(st, 4, &l->diff_id);
		bind_digest(st, 5, l->has_blob ? &l->blob_digest : NULL);
		if (l->has_blob)
			sqlite3_bind_int64(st, 6, l->blob_size);
		else
			sqlite3_bind_null(st, 6);
		bind_text(st, 7, l->has_blob ? l->blob_media_type : NULL);
		if (step_done(md, st, "insert image layer", err) < 0)
			return -1;
	}
	return 0;
}

/* Run a "SELECT 1 ... WHERE x = ?1" statement bound to one digest */
static int exists_by_digest(struct metadata *md, enum stmt_id id, const struct digest *d,
			    const char *op, berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, id, &st, err) < 0)
		return -1;
	bind_digest(st, 1, d);
	int rc = sqlite3_step(st);
	stmt_done(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(md, rc, err, op);
}

int metadata_image_exists(struct metadata *md, const struct digest *id, berth_error_t **err)
{
	return exists_by_digest(md, ST_IMAGE_EXISTS, id, "look up image", err);
}

/* Collect a one-column text result into a NULL-terminated vector */
static int collect_strings(struct metadata *md, sqlite3_stmt *st, const char *op, char ***ret,
			   size_t *ret_n, berth_error_t **err)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0, alloc = 1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xgrow(v, &alloc, n + 2, sizeof(char *));
		v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
		v[n] = NULL;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		cleanup_strvp(&v);
		return db_fail(md, rc, err, op);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int image_get_layers(struct metadata *md, struct image_info *info, berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_IMAGE_LAYERS, &st, err) < 0)
		return -1;
	bind_digest(st, 1, &info->id);
	size_t alloc = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		info->layers =
			xgrow(info->layers, &alloc, info->n_layers + 1, sizeof(*info->layers));
		struct image_layer *l = &info->layers[info->n_layers++];
		memset(l, 0, sizeof(*l));
		if (column_digest(st, 0, &l->chain_id, err) < 0 ||
		    column_digest(st, 1, &l->diff_id, err) < 0) {
			stmt_done(st);
			return -1;
		}
		l->size = sqlite3_column_int64(st, 2);
		int r = column_digest(st, 3, &l->blob_digest, err);
		if (r < 0) {
			stmt_done(st);
			return -1;
		}
		l->has_blob = r > 0;
		l->blob_size = sqlite3_column_int64(st, 4);
		l->blob_media_type = xstrdup((const char *)sqlite3_column_text(st, 5));
	}
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_fail(md, rc, err, "read image layers");
	return 0;
}

int metadata_image_get(struct metadata *md, const struct digest *id, struct image_info **ret,
		       berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_IMAGE_GET, &st, err) < 0)
		return -1;
	bind_digest(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		stmt_done(st);
		if (rc == SQLITE_DONE) {
			char s[DIGEST_STR_SIZE];
			digest_format(id, s);
			return berth_error_fail(err, ENOENT, "No such image: %s", s);
		}
		return db_fail(md, rc, err, "read image");
	}
	cleanup_image_info struct image_info *info = xzalloc(sizeof(*info));
	info->id = *id;
	int r1 = column_digest(st, 0, &info->manifest_digest, err);
	int r2 = r1 < 0 ? -1 : column_digest(st, 2, &info->parent, err);
	if (r1 < 0 || r2 < 0) {
		stmt_done(st);
		return -1;
	}
	info->has_manifest = r1 > 0;
	info->has_parent = r2 > 0;
	info->manifest_media_type = xstrdup((const char *)sqlite3_column_text(st, 1));
	info->created = sqlite3_column_int64(st, 3);
	info->size = sqlite3_column_int64(st, 4);
	info->last_tag_time_ns = sqlite3_column_int64(st, 5);
	stmt_done(st);

	if (image_get_layers(md, info, err) < 0)
		return -1;
	if (stmt(md, ST_IMAGE_TAGS, &st, err) < 0)
		return -1;
	bind_digest(st, 1, id);
	if (collect_strings(md, st, "read image tags", &info->repo_tags, &info->n_repo_tags, err) <
	    0)
		return -1;
	if (stmt(md, ST_IMAGE_DIGESTS, &st, err) < 0)
		return -1;
	bind_digest(st, 1, id);
	if (collect_strings(md, st, "read image digests", &info->repo_digests,
			    &info->n_repo_digests, err) < 0)
		return -1;
	*ret = steal_pointer(&info);
	return 0;
}

int metadata_image_delete(struct metadata *md, const struct digest *id, berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_IMAGE_DELETE, &st, err) < 0)
		return -1;
	bind_digest(st, 1, id);
	return step_done(md, st, "delete image", err);
}

int metadata_image_list(struct metadata *md, struct digest **ret, size_t *ret_n,
			berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_IMAGE_LIST, &st, err) < 0)
		return -1;
	cleanup_free struct digest *v = NULL;
	size_t n = 0, alloc = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xgrow(v, &alloc, n + 1, sizeof(*v));
		if (column_digest(st, 0, &v[n], err) < 0) {
			stmt_done(st);
			return -1;
		}
		n++;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_fail(md, rc, err, "list images");
	*ret = steal_pointer(&v);
	*ret_n = n;
	return 0;
}

int metadata_image_find_prefix(struct metadata *md, const char *hex, struct digest *ret,
			       berth_error_t **err)
{
	size_t len = strlen(hex);
	if (len == 0 || len > DIGEST_HEX_LEN || strspn(hex, "0123456789abcdef") != len)
		return berth_error_fail(err, EINVAL, "invalid image ID prefix '%s'", hex);
	/* A range scan on the primary key: [sha256:<hex>, sha256:<hex>\x7f) */
	cleanup_free char *lo = xasprintf("sha256:%s", hex);
	cleanup_free char *hi = xasprintf("sha256:%s\x7f", hex);
	sqlite3_stmt *st;
	if (stmt(md, ST_IMAGE_PREFIX, &st, err) < 0)
		return -1;
	bind_text(st, 1, lo);
	bind_text(st, 2, hi);
	struct digest found[2];
	size_t n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 2) {
		if (column_digest(st, 0, &found[n], err) < 0) {
			stmt_done(st);
			return -1;
		}
		n++;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(md, rc, err, "look up image ID prefix");
	if (n > 1)
		return berth_error_fail(err, EINVAL,
					"image ID prefix '%s' is ambiguous: it matches more than "
					"one image",
					hex);
	if (n == 0)
		return 0;
	*ret = found[0];
	return 1;
}

int metadata_image_children(struct metadata *md, const struct digest *id, berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_IMAGE_CHILDREN, &st, err) < 0)
		return -1;
	bind_digest(st, 1, id);
	int rc = sqlite3_step(st);
	int n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	stmt_done(st);
	if (rc != SQLITE_ROW)
		return db_fail(md, rc, err, "count child images");
	return n;
}

int metadata_image_touch_tag_time(struct metadata *md, const struct digest *id, berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_IMAGE_TOUCH, &st, err) < 0)
		return -1;
	bind_digest(st, 1, id);
	sqlite3_bind_int64(st, 2, now_ns());
	return step_done(md, st, "set last tag time", err);
}

/* ---- tags and digests --------------------------------------------------- */

int metadata_ref_get(struct metadata *md, enum metadata_ref_kind kind, const char *ref,
		     struct digest *ret, berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, kind == METADATA_REF_TAG ? ST_TAG_GET : ST_DIGEST_GET, &st, err) < 0)
		return -1;
	bind_text(st, 1, ref);
	int r = step_row(md, st, "look up reference", err);
	if (r <= 0)
		return r;
	struct digest d;
	r = column_digest(st, 0, &d, err);
	stmt_done(st);
	if (r < 0)
		return -1;
	if (ret)
		*ret = d;
	return 1;
}

int metadata_ref_set(struct metadata *md, enum metadata_ref_kind kind, const char *ref,
		     const char *repo, const struct digest *id, struct digest *ret_old,
		     berth_error_t **err)
{
	struct digest old;
	int had = metadata_ref_get(md, kind, ref, &old, err);
	if (had < 0)
		return -1;
	sqlite3_stmt *st;
	if (stmt(md, kind == METADATA_REF_TAG ? ST_TAG_SET : ST_DIGEST_SET, &st, err) < 0)
		return -1;
	bind_text(st, 1, ref);
	bind_text(st, 2, repo);
	bind_digest(st, 3, id);
	sqlite3_bind_int64(st, 4, now_ns());
	if (step_done(md, st, kind == METADATA_REF_TAG ? "set tag" : "set repo digest", err) < 0)
		return -1;
	if (had && !digest_equal(&old, id)) {
		if (ret_old)
			*ret_old = old;
		return 1;
	}
	return 0;
}

int metadata_ref_delete(struct metadata *md, enum metadata_ref_kind kind, const char *ref,
			berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, kind == METADATA_REF_TAG ? ST_TAG_DELETE : ST_DIGEST_DELETE, &st, err) < 0)
		return -1;
	bind_text(st, 1, ref);
	if (step_done(md, st, "delete reference", err) < 0)
		return -1;
	return sqlite3_changes(md->db) > 0 ? 1 : 0;
}

/* ---- containers --------------------------------------------------------- */

int metadata_container_set(struct metadata *md, const char *container_id,
			   const struct digest *image_id, const struct digest *top_chain,
			   bool running, berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_CONTAINER_SET, &st, err) < 0)
		return -1;
	bind_text(st, 1, container_id);
	bind_digest(st, 2, image_id);
	bind_digest(st, 3, top_chain);
	sqlite3_bind_int(st, 4, running ? 1 : 0);
	return step_done(md, st, "record container", err);
}

int metadata_container_set_running(struct metadata *md, const char *container_id, bool running,
				   berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_CONTAINER_RUNNING, &st, err) < 0)
		return -1;
	bind_text(st, 1, container_id);
	sqlite3_bind_int(st, 2, running ? 1 : 0);
	if (step_done(md, st, "update container", err) < 0)
		return -1;
	if (sqlite3_changes(md->db) == 0)
		return berth_error_fail(err, ENOENT, "metadata: no container '%s'", container_id);
	return 0;
}

int metadata_container_delete(struct metadata *md, const char *container_id, berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_CONTAINER_DELETE, &st, err) < 0)
		return -1;
	bind_text(st, 1, container_id);
	if (step_done(md, st, "delete container", err) < 0)
		return -1;
	return sqlite3_changes(md->db) > 0 ? 1 : 0;
}

int metadata_container_using(struct metadata *md, const struct digest *id, bool running, char **ret,
			     berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_CONTAINER_USING, &st, err) < 0)
		return -1;
	bind_digest(st, 1, id);
	sqlite3_bind_int(st, 2, running ? 1 : 0);
	int r = step_row(md, st, "look up containers using image", err);
	if (r <= 0)
		return r;
	*ret = xstrdup((const char *)sqlite3_column_text(st, 0));
	stmt_done(st);
	return 1;
}

int metadata_image_in_use(struct metadata *md, const struct digest *id, berth_error_t **err)
{
	return exists_by_digest(md, ST_CONTAINER_ANY, id, "look up containers using image", err);
}

/* ---- layers ------------------------------------------------------------- */

int metadata_layer_size(struct metadata *md, const struct digest *chain_id, int64_t *ret,
			berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, ST_LAYER_SIZE, &st, err) < 0)
		return -1;
	bind_digest(st, 1, chain_id);
	int r = step_row(md, st, "look up layer", err);
	if (r <= 0)
		return r;
	*ret = sqlite3_column_int64(st, 0);
	stmt_done(st);
	return 1;
}

void metadata_chains_release(struct metadata_chains *c)
{
	free(c->v);
	free(c->sizes);
	memset(c, 0, sizeof(*c));
}

bool metadata_chains_contains(const struct metadata_chains *c, const struct digest *d)
{
	for (size_t i = 0; i < c->n; i++)
		if (digest_equal(&c->v[i], d))
			return true;
	return false;
}

static void chains_add(struct metadata_chains *c, const struct digest *d, int64_t size)
{
	size_t alloc = c->alloc;
	c->v = xgrow(c->v, &c->alloc, c->n + 1, sizeof(*c->v));
	c->sizes = xgrow(c->sizes, &alloc, c->n + 1, sizeof(*c->sizes));
	c->v[c->n] = *d;
	c->sizes[c->n] = size;
	c->n++;
}

/* Collect (digest, optional size) rows of a statement into ret */
static int collect_chains(struct metadata *md, enum stmt_id id, const char *op,
			  struct metadata_chains *ret, berth_error_t **err)
{
	sqlite3_stmt *st;
	if (stmt(md, id, &st, err) < 0)
		return -1;
	struct metadata_chains c = { 0 };
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct digest d;
		int r = column_digest(st, 0, &d, err);
		if (r < 0) {
			stmt_done(st);
			metadata_chains_release(&c);
			return -1;
		}
		if (r == 0)
			continue;
		int64_t size = sqlite3_column_count(st) > 1 ? sqlite3_column_int64(st, 1) : 0;
		chains_add(&c, &d, size);
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		metadata_chains_release(&c);
		return db_fail(md, rc, err, op);
	}
	*ret = c;
	return 0;
}

int metadata_layers_delete_unused(struct metadata *md, struct metadata_chains *ret,
				  berth_error_t **err)
{
	struct metadata_chains c;
	if (collect_chains(md, ST_LAYERS_UNUSED, "find unused layers", &c, err) < 0)
		return -1;
	if (c.n > 0 && run_simple(md, ST_LAYERS_DELETE_UNUSED, "delete unused layers", err) < 0) {
		metadata_chains_release(&c);
		return -1;
	}
	*ret = c;
	return 0;
}

int metadata_layers_all(struct metadata *md, struct metadata_chains *ret, berth_error_t **err)
{
	return collect_chains(md, ST_LAYERS_ALL, "list layers", ret, err);
}

int metadata_blobs_live(struct metadata *md, struct metadata_chains *ret, berth_error_t **err)
{
	return collect_chains(md, ST_BLOBS_LIVE, "list referenced blobs", ret, err);
}

int metadata_integrity_check(struct metadata *md, berth_error_t **err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(md->db, "PRAGMA integrity_check", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(md, rc, err, "integrity check");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(md, rc, err, "integrity check");
	}
	const char *res = (const char *)sqlite3_column_text(st, 0);
	if (!res || strcmp(res, "ok") != 0) {
		int r = berth_error_fail(err, EIO, "metadata: integrity check: %s",
					 res ? res : "(null)");
		sqlite3_finalize(st);
		return r;
	}
	sqlite3_finalize(st);

	rc = sqlite3_prepare_v2(md->db, "PRAGMA foreign_key_check", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(md, rc, err, "foreign key check");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int r = berth_error_fail(err, EIO,
					 "metadata: foreign key check: a row of '%s' points at a "
					 "missing row of '%s'",
					 (const char *)sqlite3_column_text(st, 0),
					 (const char *)sqlite3_column_text(st, 2));
		sqlite3_finalize(st);
		return r;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(md, rc, err, "foreign key check");
	return 0;
}

const char *metadata_test_crash_at;

void metadata_crash_point(const char *point)
{
	if (metadata_test_crash_at && strcmp(metadata_test_crash_at, point) == 0)
		raise(SIGKILL);
}
