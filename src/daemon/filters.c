/* filters: docker's filters argument, the parts shared by the list
 * endpoints.  Values arrive as {"key": ["v", ...]} (or {"key": {"v":
 * true}} from old clients); label filters want every label given. */
#include "daemon/filters.h"

#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

#include "common/banned.h"

json_t *filters_values(const json_t *filters, const char *key)
{
	json_t *v = json_object_get(filters, key);
	if (json_is_array(v))
		return json_incref(v);
	json_t *arr = json_array();
	const char *k;
	json_t *x;
	if (json_is_object(v))
		json_object_foreach(v, k, x) json_array_append_new(arr, json_string(k));
	return arr;
}

int filters_check_keys(const json_t *filters, const char *const *known, berth_error_t **err)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)filters, k, v)
	{
		bool ok = false;
		for (size_t i = 0; known[i]; i++)
			ok |= strcmp(known[i], k) == 0;
		if (!ok)
			return berth_error_fail(err, EINVAL, "invalid filter '%s'", k);
	}
	return 0;
}

bool filters_label_match(const json_t *labels, const char *want)
{
	if (!want)
		return false;
	const char *eq = strchr(want, '=');
	cleanup_free char *key = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
	json_t *v = json_object_get(labels, key);
	if (!v)
		return false;
	return !eq || (json_is_string(v) && strcmp(json_string_value(v), eq + 1) == 0);
}

bool filters_labels_ok(const json_t *filters, const json_t *labels)
{
	cleanup_json json_t *want = filters_values(filters, "label");
	cleanup_json json_t *not = filters_values(filters, "label!");
	size_t i;
	json_t *v;
	json_array_foreach(want, i, v)
	{
		if (!filters_label_match(labels, json_string_value(v)))
			return false;
	}
	json_array_foreach(not, i, v)
	{
		if (filters_label_match(labels, json_string_value(v)))
			return false;
	}
	return true;
}
