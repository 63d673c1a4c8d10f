/* login: `berth login [SERVER]` as docker does it: the daemon checks the
 * credentials against the registry (POST /auth), then they are stored in
 * config_dir/config.json (or a credential helper) through src/registry's
 * credentials code, so docker and berth share one login.  Also builds the
 * X-Registry-Auth header that pull and push send from those credentials. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/progress.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "registry/credentials.h"

/* A username or password longer than this is not typed by a person */
#define LOGIN_MAX_SECRET 4096

static const struct cli_flag login_flags[] = {
	{ "username", 'u', CLI_STRING, NULL, NULL, "Username", 0, NULL },
	{ "password", 'p', CLI_STRING, NULL, NULL, "Password or Personal Access Token (PAT)", 0,
	  NULL },
	{ "password-stdin", 0, CLI_BOOL, NULL, NULL,
	  "Take the Password or Personal Access Token (PAT) from stdin", 0, NULL },
	CLI_FLAGS_END,
};

/* docker's rule for the registry of a reference: the first path component
 * is a host when it has a '.' or ':', is "localhost", or has upper case */
char *cli_reference_domain(const char *ref)
{
	const char *slash = strchr(ref, '/');
	if (!slash)
		return xstrdup("docker.io");
	size_t n = (size_t)(slash - ref);
	bool host = memchr(ref, '.', n) || memchr(ref, ':', n) ||
		    (n == 9 && strncmp(ref, "localhost", 9) == 0);
	for (size_t i = 0; i < n && !host; i++)
		host = ref[i] >= 'A' && ref[i] <= 'Z';
	return host ? xstrndup(ref, n) : xstrdup("docker.io");
}

/* base64url with padding, Go's base64.URLEncoding */
static char *base64url(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	for (char *c = out; *c; c++)
		if (*c == '+')
			*c = '-';
		else if (*c == '/')
			*c = '_';
	return out;
}

static char *auth_header_of(const struct auth_creds *c, const char *server)
{
	cleanup_json json_t *j = json_object();
	if (c->identity_token && *c->identity_token) {
		json_object_set_new(j, "identitytoken", json_string(c->identity_token));
	} else {
		json_object_set_new(j, "username", json_string(c->username ? c->username : ""));
		json_object_set_new(j, "password", json_string(c->password ? c->password : ""));
	}
	json_object_set_new(j, "serveraddress", json_string(server));
	cleanup_free char *text = json_dumps(j, JSON_COMPACT);
	cleanup_free char *b64 = base64url(text);
	return xasprintf("X-Registry-Auth: %s", b64);
}

int cli_registry_auth_header(struct cli *cli, const char *ref, char **ret, berth_error_t **err)
{
	cleanup_free char *domain = cli_reference_domain(ref);
	cleanup_free char *server = credentials_server_key(domain);
	struct auth_creds c = { 0 };
	int r = credentials_get(cli->config_dir, domain, &c, err);
	if (r < 0)
		return r;
	*ret = r > 0 ? auth_header_of(&c, server) : NULL;
	auth_creds_release(&c);
	return 0;
}

/* One line from fd without its newline, echo off when fd is a terminal */
static char *login_read_line(int fd, bool hide)
{
	struct termios old, raw;
	bool restore = hide && tcgetattr(fd, &old) == 0;
	if (restore) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSANOW, &raw);
	}
	struct strbuf sb = STRBUF_INIT;
	char ch;
	while (sb.len < LOGIN_MAX_SECRET) {
		ssize_t n = read(fd, &ch, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ch == '\n')
			break;
		strbuf_addch(&sb, ch);
	}
	if (restore) {
		tcsetattr(fd, TCSANOW, &old);
		fputc('\n', stderr);
	}
	if (sb.len > 0 && sb.buf[sb.len - 1] == '\r')
		strbuf_setlen(&sb, sb.len - 1);
	return strbuf_detach(&sb, NULL);
}

/* All of stdin, trailing newlines dropped (docker's --password-stdin) */
static char *login_read_stdin(void)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[512];
	ssize_t n;
	while (sb.len <= LOGIN_MAX_SECRET &&
	       ((n = read(0, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			strbuf_add(&sb, buf, (size_t)n);
	/* docker trims one "\n", then one "\r" */
	if (sb.len > 0 && sb.buf[sb.len - 1] == '\n')
		strbuf_setlen(&sb, sb.len - 1);
	if (sb.len > 0 && sb.buf[sb.len - 1] == '\r')
		strbuf_setlen(&sb, sb.len - 1);
	return strbuf_detach(&sb, NULL);
}

/* The registry host a SERVER argument names: scheme and path dropped
 * (docker's ConvertToHostname); "docker.io" for none */
static char *login_hostname(const char *server)
{
	if (!server || !*server)
		return xstrdup("docker.io");
	if (strncmp(server, "http://", 7) == 0)
		server += 7;
	else if (strncmp(server, "https://", 8) == 0)
		server += 8;
	return xstrndup(server, strcspn(server, "/"));
}

/* Whether config.json names no credential helper (credentials go into
 * the file itself) */
static bool login_plain_store(const struct cli *cli)
{
	cleanup_free char *dir = cli->config_dir ? xstrdup(cli->config_dir) :
						   credentials_config_dir(NULL);
	if (!dir)
		return true;
	cleanup_free char *path = xasprintf("%s/config.json", dir);
	json_error_t jerr;
	cleanup_json json_t *cfg = json_load_file(path, 0, &jerr);
	const char *store = json_string_value(json_object_get(cfg, "credsStore"));
	return !(store && *store) && json_object_size(json_object_get(cfg, "credHelpers")) == 0;
}

/* POST /auth, then store what worked; prints the daemon's status */
static int login_with(struct cli *cli, const char *host, const char *server, const char *user,
		      const char *pass, berth_error_t **err)
{
	cleanup_json json_t *body = json_pack("{s:s, s:s, s:s}", "username", user, "password", pass,
					      "serveraddress", server);
	cleanup_json json_t *resp = NULL;
	if (cli_post_json(cli, "/auth", body, &resp, err) < 0)
		return -1;
	const char *token = json_string_value(json_object_get(resp, "IdentityToken"));
	bool has_token = token && *token;
	struct auth_creds creds = {
		.username = (char *)user,
		.password = has_token ? (char *)"" : (char *)pass,
		.identity_token = has_token ? (char *)token : NULL,
	};
	/* docker warns about a plain-text store when it writes new credentials */
	struct auth_creds before = { 0 };
	cleanup_error berth_error_t *gerr = NULL;
	bool same = credentials_get(cli->config_dir, host, &before, &gerr) > 0 && before.username &&
		    strcmp(before.username, user) == 0 && before.password &&
		    strcmp(before.password, creds.password) == 0;
	auth_creds_release(&before);
	if (credentials_store(cli->config_dir, host, &creds, err) < 0)
		return berth_error_wrap(err, "Error saving credentials");
	if (!same && login_plain_store(cli)) {
		cleanup_free char *dir = cli->config_dir ? xstrdup(cli->config_dir) :
							   credentials_config_dir(NULL);
		fprintf(stderr,
			"\nWARNING! Your credentials are stored unencrypted in '%s/config.json'.\n"
			"Configure a credential helper to remove this warning. See\n"
			"https://docs.docker.com/go/credential-store/\n\n",
			dir ? dir : "~/.docker");
	}
	const char *status = json_string_value(json_object_get(resp, "Status"));
	if (status && *status)
		printf("%s\n", status);
	return 0;
}

static int login_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *user = cli_flag_string(args, "username");
	const char *pass = cli_flag_string(args, "password");
	/* what was read from stdin or typed owns its text here */
	cleanup_free char *read_user = NULL, *read_pass = NULL;
	if (!user)
		user = "";
	if (!pass)
		pass = "";

	if (*pass && cli_flag_bool(args, "password-stdin")) {
		fprintf(stderr,
			"conflicting options: cannot specify both --password and --password-stdin\n");
		return CLI_EXIT_ERROR;
	}
	if (*pass)
		fprintf(stderr,
			"WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
	if (cli_flag_bool(args, "password-stdin")) {
		if (!*user) {
			fprintf(stderr,
				"the --password-stdin option requires --username to be set\n");
			return CLI_EXIT_ERROR;
		}
		read_pass = login_read_stdin();
		pass = read_pass;
	}
	const char *arg = cli_nargs(args) > 0 ? cli_arg(args, 0) : NULL;
	cleanup_free char *host = login_hostname(arg && strcmp(arg, "docker.io") != 0 ? arg : NULL);
	/* what the daemon is told: docker.io's index URL, else the argument as given */
	cleanup_free char *server = strcmp(host, "docker.io") == 0 ? credentials_server_key(host) :
								     xstrdup(arg);

	/* no -u/-p: docker first tries what is stored */
	if (!*user && !*pass) {
		struct auth_creds stored = { 0 };
		cleanup_error berth_error_t *gerr = NULL;
		if (credentials_get(cli->config_dir, host, &stored, &gerr) > 0 && stored.username &&
		    *stored.username && stored.password && *stored.password) {
			fprintf(stderr,
				"Authenticating with existing credentials... [Username: %s]\n\n"
				" Info -> To login with a different account, run 'docker logout' followed by 'docker login'\n\n\n",
				stored.username);
			int r = login_with(cli, host, server, stored.username, stored.password,
					   &err);
			auth_creds_release(&stored);
			if (r >= 0)
				return 0;
			fprintf(stderr, "Login did not succeed, error: %s\n", err->msg);
			berth_error_release(&err);
		} else {
			auth_creds_release(&stored);
		}
	}

	if ((!*user || !*pass) && !cli->stdin_tty) {
		fprintf(stderr,
			"Error: Cannot perform an interactive login from a non TTY device\n");
		return CLI_EXIT_ERROR;
	}
	if (!*user) {
		printf("Username: ");
		fflush(stdout);
		read_user = login_read_line(0, false);
		user = read_user;
		if (!*user) {
			fprintf(stderr, "Error: Non-null Username Required\n");
			return CLI_EXIT_ERROR;
		}
	}
	if (!*pass) {
		printf("Password: ");
		fflush(stdout);
		free(read_pass);
		read_pass = login_read_line(0, true);
		pass = read_pass;
		if (!*pass) {
			fprintf(stderr, "Error: Password Required\n");
			return CLI_EXIT_ERROR;
		}
	}
	if (login_with(cli, host, server, user, pass, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_login = {
	.name = "login",
	.usage = "[OPTIONS] [SERVER]",
	.summary = "Authenticate to a registry",
	.description =
		"Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.",
	.flags = login_flags,
	.min_args = 0,
	.max_args = 1,
	.run = login_run,
};
