/* router: match a request's method and path against the route tables and
 * call the handler.  Patterns are split on '/'; "{x}" takes one segment,
 * "{x*}" one or more (backtracking, so "/images/{name*}/json" leaves the
 * last segment to "json").  Parameters are copied into the request. */
#include <string.h>

#include "common/xalloc.h"
#include "daemon/http/http-internal.h"
#include "daemon/router.h"

struct match {
	const char *start[HTTP_MAX_PARAMS];
	size_t len[HTTP_MAX_PARAMS];
	size_t n;
};

static size_t seg_len(const char *s)
{
	return strcspn(s, "/");
}

/* pat and path both point just past a '/' (or at their end) */
static bool match_from(const char *pat, const char *path, struct match *m)
{
	for (;;) {
		if (!*pat)
			return !*path;
		size_t pl = seg_len(pat);
		if (pat[0] == '{' && pl >= 2 && pat[pl - 1] == '}') {
			bool multi = pl >= 3 && pat[pl - 2] == '*';
			if (m->n >= HTTP_MAX_PARAMS)
				return false;
			size_t idx = m->n++;
			const char *pnext = pat + pl + (pat[pl] == '/');
			bool pat_more = pat[pl] == '/';
			/* try the shortest span first, then longer ones (multi only) */
			const char *end = path;
			for (;;) {
				size_t sl = seg_len(end);
				if (sl == 0) {
					break; /* an empty segment never matches a parameter */
				}
				end += sl;
				m->start[idx] = path;
				m->len[idx] = (size_t)(end - path);
				if (pat_more ? (*end == '/' && match_from(pnext, end + 1, m)) :
					       *end == '\0')
					return true;
				if (!multi || *end != '/')
					break;
				end++;
			}
			m->n = idx;
			return false;
		}
		size_t sl = seg_len(path);
		if (sl != pl || memcmp(pat, path, pl) != 0)
			return false;
		pat += pl;
		path += sl;
		if (*pat == '/' && *path == '/') {
			pat++;
			path++;
		} else if (*pat || *path) {
			return false;
		}
	}
}

static bool route_match(const char *pattern, const char *path, struct match *m)
{
	m->n = 0;
	if (pattern[0] != '/' || path[0] != '/')
		return false;
	return match_from(pattern + 1, path + 1, m);
}

static const struct route *find(const char *method, const char *path, struct match *m)
{
	for (size_t t = 0; router_tables[t]; t++) {
		const struct route_table *tab = router_tables[t];
		for (size_t i = 0; i < tab->n; i++)
			if (strcmp(tab->routes[i].method, method) == 0 &&
			    route_match(tab->routes[i].pattern, path, m))
				return &tab->routes[i];
	}
	return NULL;
}

void router_dispatch(struct daemon *d, struct http_ctx *h)
{
	struct match m = { 0 };
	const char *path = h->req.path;
	const struct route *r = find(h->req.method, path, &m);
	if (!r && strcmp(h->req.method, "HEAD") == 0)
		r = find("GET", path, &m);
	if (!r) {
		http_reply_errorf(h, 404, "page not found");
		return;
	}
	for (size_t i = 0; i < m.n; i++) {
		h->param_store[i] = xstrndup(m.start[i], m.len[i]);
		h->params[i] = h->param_store[i];
	}
	h->n_params = m.n;
	r->fn(d, h);
}
