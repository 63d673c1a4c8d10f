/* image-remove: `rmi` with docker's rules (moby daemon/images/
 * image_delete.go): references first, then the image and its untagged
 * parents, with docker's conflict checks in docker's order.  Invariant:
 * rows change in one transaction; layer dirs and blobs are removed only
 * after the commit that dropped their last reference. */
#include "image/image-store-internal.h"

#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"

#include "common/banned.h"

/* ---- removal --------------------------------------------------------------- */

void image_store_drop_layers(struct image_store *s, const struct metadata_chains *chains)
{
	for (size_t i = 0; i < chains->n; i++) {
		cleanup_error berth_error_t *e = NULL;
		if (layer_store_remove(s->layers, &chains->v[i], &e) < 0)
			log_debug("remove layer: %s, ignoring", e->msg);
	}
}

void image_store_drop_blobs(struct image_store *s, const struct metadata_chains *blobs)
{
	if (blobs->n == 0)
		return;
	struct metadata_chains live = { 0 };
	cleanup_error berth_error_t *e = NULL;
	if (metadata_blobs_live(s->md, &live, &e) < 0) {
		log_debug("list live blobs: %s, ignoring", e->msg);
		return;
	}
	for (size_t i = 0; i < blobs->n; i++) {
		if (metadata_chains_contains(&live, &blobs->v[i]))
			continue;
		if (content_delete(s->content, &blobs->v[i], &e) < 0) {
			log_debug("remove blob: %s, ignoring", e->msg);
			berth_error_release(&e);
		}
	}
	metadata_chains_release(&live);
}

static void add_record(json_t *records, const char *key, const char *value)
{
	json_array_append_new(records, json_pack("{s:s}", key, value));
}

static void add_chain(struct metadata_chains *c, const struct digest *d)
{
	size_t alloc = c->alloc;
	c->v = xgrow(c->v, &c->alloc, c->n + 1, sizeof(*c->v));
	c->sizes = xgrow(c->sizes, &alloc, c->n + 1, sizeof(*c->sizes));
	c->v[c->n] = *d;
	c->sizes[c->n] = 0;
	c->n++;
}

static void append_chains(struct metadata_chains *dst, const struct metadata_chains *src)
{
	for (size_t i = 0; i < src->n; i++) {
		add_chain(dst, &src->v[i]);
		dst->sizes[dst->n - 1] = src->sizes[i];
	}
}

/* Drop every tag and digest of the image, recording Untagged items */
static int remove_all_refs(struct image_store *s, const struct image_info *info, json_t *records,
			   berth_error_t **err)
{
	for (size_t i = 0; i < info->n_repo_tags; i++) {
		if (metadata_ref_delete(s->md, METADATA_REF_TAG, info->repo_tags[i], err) < 0)
			return -1;
		cleanup_free char *f = image_familiar(info->repo_tags[i]);
		add_record(records, "Untagged", f);
	}
	for (size_t i = 0; i < info->n_repo_digests; i++) {
		if (metadata_ref_delete(s->md, METADATA_REF_DIGEST, info->repo_digests[i], err) < 0)
			return -1;
		cleanup_free char *f = image_familiar(info->repo_digests[i]);
		add_record(records, "Untagged", f);
	}
	return 0;
}

enum conflict {
	CONFLICT_CHILD = 1 << 0,
	CONFLICT_RUNNING = 1 << 1,
	CONFLICT_REFERENCE = 1 << 2,
	CONFLICT_STOPPED = 1 << 3,
	CONFLICT_HARD = CONFLICT_CHILD | CONFLICT_RUNNING,
	CONFLICT_SOFT = CONFLICT_REFERENCE | CONFLICT_STOPPED,
};

/* docker's checkImageDeleteConflict, in its order: child images, a running
 * container, references, a stopped container.  1 and *ret_err filled when
 * there is a conflict in mask; *ret_used tells a container conflict. */
static int check_conflict(struct image_store *s, const struct image_info *info, unsigned mask,
			  bool *ret_used, berth_error_t **ret_err, berth_error_t **err)
{
	char sid[13];
	image_short_id(&info->id, sid);
	*ret_used = false;
	if (mask & CONFLICT_CHILD) {
		int n = metadata_image_children(s->md, &info->id, err);
		if (n < 0)
			return -1;
		if (n > 0) {
			berth_error_fail(ret_err, EBUSY,
					 "conflict: unable to delete %s (cannot be forced) - image "
					 "has dependent child images",
					 sid);
			return 1;
		}
	}
	cleanup_free char *cid = NULL;
	if (mask & CONFLICT_RUNNING) {
		int r = metadata_container_using(s->md, &info->id, true, &cid, err);
		if (r < 0)
			return -1;
		if (r > 0) {
			*ret_used = true;
			berth_error_fail(
				ret_err, EBUSY,
				"conflict: unable to delete %s (cannot be forced) - image is "
				"being used by running container %.12s",
				sid, cid);
			return 1;
		}
	}
	if ((mask & CONFLICT_REFERENCE) && info->n_repo_tags + info->n_repo_digests > 0) {
		berth_error_fail(ret_err, EBUSY,
				 "conflict: unable to delete %s (must be forced) - image is "
				 "referenced in multiple repositories",
				 sid);
		return 1;
	}
	if (mask & CONFLICT_STOPPED) {
		int r = metadata_container_using(s->md, &info->id, false, &cid, err);
		if (r < 0)
			return -1;
		if (r > 0) {
			*ret_used = true;
			berth_error_fail(ret_err, EBUSY,
					 "conflict: unable to delete %s (must be forced) - image is "
					 "being used by stopped container %.12s",
					 sid, cid);
			return 1;
		}
	}
	return 0;
}

/* Hand a conflict error to the caller's err */
static int pass_error(berth_error_t **cerr, berth_error_t **err)
{
	int code = berth_error_code(*cerr);
	if (err) {
		berth_error_release(err);
		*err = steal_pointer(cerr);
	}
	return code;
}

int image_store_delete_helper(struct image_store *s, const struct digest *id, bool force,
			      bool prune, bool quiet, json_t *records,
			      struct metadata_chains *dropped_layers, struct metadata_chains *blobs,
			      berth_error_t **err)
{
	struct digest cur = *id;
	bool first = true;
	for (;;) {
		cleanup_image_info struct image_info *info = NULL;
		if (metadata_image_get(s->md, &cur, &info, err) < 0)
			return -1;
		unsigned mask = CONFLICT_HARD | (force ? 0 : CONFLICT_SOFT);
		bool used;
		cleanup_error berth_error_t *cerr = NULL;
		int c = check_conflict(s, info, mask, &used, &cerr, err);
		if (c < 0)
			return -1;
		if (c > 0) {
			int children = metadata_image_children(s->md, &info->id, err);
			if (children < 0)
				return -1;
			bool dangling = info->n_repo_tags + info->n_repo_digests == 0 &&
					children == 0;
			if (quiet && (!dangling || used))
				return first ? 0 : 1;
			return pass_error(&cerr, err);
		}
		if (remove_all_refs(s, info, records, err) < 0)
			return -1;
		add_chain(blobs, &info->id);
		if (info->has_manifest)
			add_chain(blobs, &info->manifest_digest);
		for (size_t i = 0; i < info->n_layers; i++)
			if (info->layers[i].has_blob)
				add_chain(blobs, &info->layers[i].blob_digest);
		if (metadata_image_delete(s->md, &info->id, err) < 0)
			return -1;
		char sid[DIGEST_STR_SIZE];
		digest_format(&info->id, sid);
		add_record(records, "Deleted", sid);
		struct metadata_chains dropped = { 0 };
		if (metadata_layers_delete_unused(s->md, &dropped, err) < 0)
			return -1;
		for (size_t i = 0; i < dropped.n; i++) {
			char ch[DIGEST_STR_SIZE];
			digest_format(&dropped.v[i], ch);
			add_record(records, "Deleted", ch);
		}
		append_chains(dropped_layers, &dropped);
		metadata_chains_release(&dropped);

		/* docker removes untagged parents too, quietly, unless noprune */
		if (!prune || !info->has_parent)
			return 1;
		int exists = metadata_image_exists(s->md, &info->parent, err);
		if (exists <= 0)
			return exists < 0 ? -1 : 1;
		cur = info->parent;
		force = false;
		quiet = true;
		first = false;
	}
}

/* docker's isSingleReference: at most one tag, and every digest reference
 * in that tag's repository (or all references in one repository) */
static bool is_single_reference(const struct image_info *info)
{
	size_t n = info->n_repo_tags + info->n_repo_digests;
	if (n <= 1)
		return n == 1;
	if (info->n_repo_tags > 1)
		return false;
	cleanup_image_ref struct image_ref *single = NULL;
	const char *first = info->n_repo_tags ? info->repo_tags[0] : info->repo_digests[0];
	if (image_ref_parse_strict(first, &single, NULL) < 0)
		return false;
	for (size_t i = 0; i < info->n_repo_digests; i++) {
		cleanup_image_ref struct image_ref *r = NULL;
		if (image_ref_parse_strict(info->repo_digests[i], &r, NULL) < 0 ||
		    !image_ref_same_name(r, single))
			return false;
	}
	return true;
}

static bool is_id_prefix(const struct digest *id, const char *name)
{
	char s[DIGEST_STR_SIZE];
	digest_format(id, s);
	size_t n = strlen(name);
	return (n <= strlen(s) && strncmp(s, name, n) == 0) ||
	       (n <= DIGEST_HEX_LEN && strncmp(s + 7, name, n) == 0);
}

/* The by-reference branch of docker's ImageDelete; 1 when the untag
 * finished the job (other references remain) */
static int remove_by_ref(struct image_store *s, const char *name, struct image_info *info,
			 bool force, json_t *records, berth_error_t **err)
{
	if (!force && is_single_reference(info)) {
		cleanup_free char *cid = NULL;
		int r = metadata_container_using(s->md, &info->id, true, &cid, err);
		if (r == 0)
			r = metadata_container_using(s->md, &info->id, false, &cid, err);
		if (r < 0)
			return -1;
		if (r > 0) {
			char sid[13];
			image_short_id(&info->id, sid);
			return berth_error_fail(err, EBUSY,
						"conflict: unable to remove repository reference "
						"\"%s\" (must force) - container %.12s is using its "
						"referenced image %s",
						name, cid, sid);
		}
	}
	cleanup_free char *full = NULL, *repo = NULL;
	enum metadata_ref_kind kind;
	if (image_normalise_ref(name, &full, &repo, &kind, err) < 0)
		return -1;
	int r = metadata_ref_delete(s->md, kind, full, err);
	if (r < 0)
		return -1;
	cleanup_free char *f = image_familiar(full);
	add_record(records, "Untagged", f);

	/* A removed tag takes the digest references of its repository along
	 * when no other tag of that repository is left */
	if (kind == METADATA_REF_TAG) {
		bool other_tag = false;
		for (size_t i = 0; i < info->n_repo_tags; i++) {
			cleanup_image_ref struct image_ref *t = NULL;
			if (strcmp(info->repo_tags[i], full) == 0 ||
			    image_ref_parse_strict(info->repo_tags[i], &t, NULL) < 0)
				continue;
			cleanup_free char *tn = image_ref_name(t);
			if (strcmp(tn, repo) == 0)
				other_tag = true;
		}
		for (size_t i = 0; !other_tag && i < info->n_repo_digests; i++) {
			cleanup_image_ref struct image_ref *d = NULL;
			if (image_ref_parse_strict(info->repo_digests[i], &d, NULL) < 0)
				continue;
			cleanup_free char *dn = image_ref_name(d);
			if (strcmp(dn, repo) != 0)
				continue;
			if (metadata_ref_delete(s->md, METADATA_REF_DIGEST, info->repo_digests[i],
						err) < 0)
				return -1;
			cleanup_free char *df = image_familiar(info->repo_digests[i]);
			add_record(records, "Untagged", df);
		}
	}
	/* re-read: the references left decide */
	struct digest id = info->id;
	cleanup_image_info struct image_info *now = NULL;
	if (metadata_image_get(s->md, &id, &now, err) < 0)
		return -1;
	return now->n_repo_tags + now->n_repo_digests > 0 ? 1 : 0;
}

int image_store_remove(struct image_store *s, const char *name, enum image_remove_flags flags,
		       json_t **ret, berth_error_t **err)
{
	bool force = flags & IMAGE_REMOVE_FORCE, prune = !(flags & IMAGE_REMOVE_NO_PRUNE);
	struct digest id;
	if (image_store_resolve(s, name, &id, err) < 0)
		return -1;
	cleanup_json json_t *records = json_array();
	struct metadata_chains dropped = { 0 }, blobs = { 0 };
	if (metadata_begin(s->md, err) < 0)
		return berth_error_wrap(err, "remove image '%s'", name);
	cleanup_image_info struct image_info *info = NULL;
	if (metadata_image_get(s->md, &id, &info, err) < 0)
		goto fail;
	bool quiet = false;
	if (!is_id_prefix(&id, name)) {
		int r = remove_by_ref(s, name, info, force, records, err);
		if (r < 0)
			goto fail;
		if (r > 0)
			goto commit;
		quiet = true;
	} else if (is_single_reference(info)) {
		unsigned mask = CONFLICT_HARD | (force ? 0 : CONFLICT_STOPPED);
		bool used;
		cleanup_error berth_error_t *cerr = NULL;
		int c = check_conflict(s, info, mask, &used, &cerr, err);
		if (c > 0)
			pass_error(&cerr, err);
		if (c != 0)
			goto fail;
		if (remove_all_refs(s, info, records, err) < 0)
			goto fail;
	}
	/* by ID: the helper sees the remaining references */
	if (image_store_delete_helper(s, &id, force, prune, quiet, records, &dropped, &blobs, err) <
	    0)
		goto fail;
commit:
	if (metadata_commit(s->md, err) < 0)
		goto fail;
	image_store_drop_layers(s, &dropped);
	image_store_drop_blobs(s, &blobs);
	metadata_chains_release(&dropped);
	metadata_chains_release(&blobs);
	*ret = steal_pointer(&records);
	return 0;
fail:
	metadata_rollback(s->md);
	metadata_chains_release(&dropped);
	metadata_chains_release(&blobs);
	return -1;
}
