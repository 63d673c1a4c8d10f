/* state: parse and serialise the runtime-spec state object (plus runc's
 * rootfs, created and owner).  Invariant: a parsed state has a known
 * status, an absolute bundle, a pid for the statuses that have a process,
 * and a created time in RFC 3339 when one is given. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/config-internal.h"
#include "oci/state.h"

#include "common/banned.h"

static const char *const status_names[] = {
	[OCI_STATUS_CREATING] = "creating", [OCI_STATUS_CREATED] = "created",
	[OCI_STATUS_RUNNING] = "running",   [OCI_STATUS_PAUSED] = "paused",
	[OCI_STATUS_STOPPED] = "stopped",
};

const char *oci_status_name(enum oci_status s)
{
	if ((unsigned)s > OCI_STATUS_STOPPED)
		return NULL;
	return status_names[s];
}

int oci_status_parse(const char *s, enum oci_status *ret)
{
	for (int i = 0; i <= OCI_STATUS_STOPPED; i++) {
		if (strcmp(status_names[i], s) == 0) {
			*ret = (enum oci_status)i;
			return 0;
		}
	}
	return -1;
}

json_t *oci_state_to_json(const struct oci_state *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(s->oci_version ? s->oci_version : ""));
	json_object_set_new(o, "id", json_string(s->id ? s->id : ""));
	json_object_set_new(o, "pid", json_integer(s->pid));
	json_object_set_new(o, "status", json_string(oci_status_name(s->status)));
	json_object_set_new(o, "bundle", json_string(s->bundle ? s->bundle : ""));
	if (s->rootfs)
		json_object_set_new(o, "rootfs", json_string(s->rootfs));
	if (s->created)
		json_object_set_new(o, "created", json_string(s->created));
	if (s->n_annotations)
		json_object_set_new(o, "annotations",
				    oci_kv_to_json(s->annotations, s->n_annotations));
	json_object_set_new(o, "owner", json_string(s->owner ? s->owner : ""));
	return o;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM); T and Z in either case */
bool oci_state_time_valid(const char *s)
{
	if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return false;
	s += 19;
	if (*s == '.') {
		size_t n = strspn(s + 1, "0123456789");
		if (n == 0)
			return false;
		s += 1 + n;
	}
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0')
		return true;
	return (*s == '+' || *s == '-') && digits(s + 1, 2) && s[3] == ':' && digits(s + 4, 2) &&
	       s[6] == '\0';
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * civil_from_days).  By hand rather than gmtime_r: glibc's gmtime_r runs
 * tzset once, which reads /etc/localtime, and UTC needs no zone data. */
static void civil_from_days(long long z, long long *ret_y, int *ret_m, int *ret_d)
{
	/* eras of 400 years from 0000-03-01, so that leap days end a year */
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153; /* month from March, 0..11 */
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*ret_y = yoe + era * 400 + (m <= 2);
	*ret_m = m;
	*ret_d = (int)(doy - (153 * mp + 2) / 5 + 1);
}

char *oci_state_format_time(const struct timespec *ts)
{
	long long days = (long long)ts->tv_sec / 86400, secs = (long long)ts->tv_sec % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	long long year;
	int month, day;
	civil_from_days(days, &year, &month, &day);
	char date[64];
	snprintf(date, sizeof(date), "%lld-%02d-%02dT%02d:%02d:%02d", year, month, day,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	if (ts->tv_nsec == 0)
		return xasprintf("%sZ", date);
	char frac[16];
	snprintf(frac, sizeof(frac), "%09ld", (long)ts->tv_nsec);
	size_t n = strlen(frac);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	return xasprintf("%s.%sZ", date, frac);
}

static int parse_fields(const json_t *obj, const char *where, struct oci_state *s,
			berth_error_t **err)
{
	const char *status = NULL;
	int64_t pid = 0;
	if (oci_get_str(obj, where, "ociVersion", OCI_REQ, &s->oci_version, err) < 0 ||
	    oci_get_str(obj, where, "id", OCI_REQ, &s->id, err) < 0 ||
	    bjson_get_string(obj, where, "status", OCI_REQ, &status, err) < 0 ||
	    bjson_get_int_range(obj, where, "pid", OCI_OPT, 0, INT32_MAX, &pid, err) < 0 ||
	    oci_get_str(obj, where, "bundle", OCI_REQ, &s->bundle, err) < 0 ||
	    oci_get_kv(NULL, obj, where, "annotations", &s->annotations, &s->n_annotations, err) <
		    0 ||
	    oci_get_str(obj, where, "rootfs", OCI_OPT, &s->rootfs, err) < 0 ||
	    oci_get_str(obj, where, "created", OCI_OPT, &s->created, err) < 0 ||
	    oci_get_str(obj, where, "owner", OCI_OPT, &s->owner, err) < 0)
		return -1;
	s->pid = (int)pid;
	cleanup_free char *spath = bjson_path_key(where, "status");
	if (oci_status_parse(status, &s->status) < 0)
		return berth_error_fail(err, EINVAL, "%s: unknown status '%.*s'", spath,
					OCI_QUOTE_MAX, status);
	return 0;
}

static int validate(const struct oci_state *s, const char *where, berth_error_t **err)
{
	/* where is never empty here (oci_state_from_json defaults it) */
	if (s->id[0] == '\0')
		return berth_error_fail(err, EINVAL, "%s.id: must not be empty", where);
	if (s->bundle[0] != '/')
		return berth_error_fail(err, EINVAL, "%s.bundle: '%.*s' is not an absolute path",
					where, OCI_QUOTE_MAX, s->bundle);
	bool has_process = s->status == OCI_STATUS_CREATED || s->status == OCI_STATUS_RUNNING ||
			   s->status == OCI_STATUS_PAUSED;
	if (has_process && s->pid <= 0)
		return berth_error_fail(err, EINVAL, "%s.pid: required when the status is '%s'",
					where, oci_status_name(s->status));
	if (s->created && !oci_state_time_valid(s->created))
		return berth_error_fail(err, EINVAL, "%s.created: '%.*s' is not an RFC 3339 time",
					where, OCI_QUOTE_MAX, s->created);
	return 0;
}

int oci_state_from_json(const json_t *obj, const char *where, struct oci_state *ret,
			berth_error_t **err)
{
	struct oci_state s = { 0 };
	if (where == NULL || *where == '\0')
		where = "state";
	if (!json_is_object(obj))
		return berth_error_fail(err, EINVAL, "%s: expected an object, got %s", where,
					bjson_type_name(obj));
	if (parse_fields(obj, where, &s, err) < 0 || validate(&s, where, err) < 0) {
		oci_state_release(&s);
		return -1;
	}
	*ret = s;
	return 0;
}

int oci_state_parse(const char *buf, size_t len, struct oci_state *ret, berth_error_t **err)
{
	cleanup_json json_t *root = NULL;
	if (bjson_load(buf, len, "state", OCI_CONFIG_MAX_SIZE, OCI_CONFIG_MAX_DEPTH, &root, err) <
	    0)
		return -1;
	return oci_state_from_json(root, "state", ret, err);
}

void oci_state_release(struct oci_state *s)
{
	if (s == NULL)
		return;
	free(s->oci_version);
	free(s->id);
	free(s->bundle);
	oci_kv_free(s->annotations, s->n_annotations);
	free(s->rootfs);
	free(s->created);
	free(s->owner);
	memset(s, 0, sizeof(*s));
}
