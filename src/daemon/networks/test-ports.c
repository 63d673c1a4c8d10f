/* Unit tests for published ports: PortBindings/ExposedPorts parsing (pure),
 * and publish/republish/unpublish against a store of one bridge network
 * with stubs for networks.c (the ports are really bound on 127.0.0.1, so
 * the "port is already allocated" collisions are the kernel's). */
#include "common/unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>

#include "daemon/networks/ports.c" /* NOLINT(bugprone-suspicious-include): stubs below replace the store */

/* ---- stubs for networks.c and endpoints.c ---- */
static int sync_calls;
static bool sync_fail;
static size_t sync_last_n;

struct network *network_find_id(struct network_store *ns, const char *id)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i]->id, id) == 0)
			return ns->v[i];
	return NULL;
}

struct network *network_find(struct network_store *ns, const char *ref)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i]->name, ref) == 0)
			return ns->v[i];
	return network_find_id(ns, ref);
}

int network_rules_sync(struct network_store *ns, berth_error_t **err)
{
	sync_calls++;
	if (sync_fail)
		return berth_error_fail(err, EIO, "nft says no");
	free(ports_rules(ns, &sync_last_n));
	return 0;
}

struct endpoint *endpoint_find(struct network *n, const char *container_id)
{
	for (struct endpoint *e = n->endpoints; e; e = e->next)
		if (strcmp(e->container_id, container_id) == 0)
			return e;
	return NULL;
}

/* ---- helpers ---- */
static json_t *load(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);
	if (!j)
		fail_msg("bad test JSON '%s': %s", s, je.text);
	return j;
}

/* A port free on 127.0.0.1 for both tcp and udp right now */
static unsigned free_port(void)
{
	for (int tries = 0; tries < 50; tries++) {
		cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(sa);
		assert_true(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		assert_true(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
		unsigned p = ntohs(sa.sin_port);
		cleanup_close int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (p < 65535 && bind(u, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return p;
	}
	fail_msg("no free port");
	return 0;
}

struct fixture {
	struct network_store ns;
	struct network net;
	struct network *v[1];
	struct endpoint a, b;
};

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	pthread_mutex_init(&f->ns.lock, NULL);
	snprintf(f->net.id, sizeof(f->net.id), "%064d", 7);
	f->net.name = (char *)"net1";
	f->net.driver = (char *)"bridge";
	f->v[0] = &f->net;
	f->ns.v = f->v;
	f->ns.n = 1;
	snprintf(f->a.container_id, sizeof(f->a.container_id), "%064d", 1);
	snprintf(f->b.container_id, sizeof(f->b.container_id), "%064d", 2);
	inet_pton(AF_INET, "172.18.0.2", &f->a.ip);
	inet_pton(AF_INET, "172.18.0.3", &f->b.ip);
	f->a.next = &f->b;
	f->net.endpoints = &f->a;
	sync_calls = 0;
	sync_fail = false;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	ports_free_all(&f->ns);
	pthread_mutex_destroy(&f->ns.lock);
	free(f);
	return 0;
}

static size_t count_ports(const struct network_store *ns)
{
	size_t n = 0;
	free(ports_rules(ns, &n));
	return n;
}

/* ---- parsing ---- */
static void test_parse(void **state)
{
	(void)state;
	cleanup_json json_t *b =
		load("{\"80/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"8080\"},"
		     "             {\"HostIp\": \"::\", \"HostPort\": \"8080\"}],"
		     " \"53/udp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"\"}],"
		     " \"81\": [{\"HostPort\": \"8000-8010\"}],"
		     " \"82/tcp\": null}");
	cleanup_json json_t *x = load("{\"80/tcp\": {}, \"9000/tcp\": {}, \"9001/udp\": {}}");
	cleanup_free struct port_req *r = NULL;
	size_t n = 0;
	cleanup_json json_t *ports = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(ports_parse(b, x, false, &r, &n, &ports, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(r[0].key, "80/tcp");
	assert_int_equal(r[0].proto, IPPROTO_TCP);
	assert_int_equal(r[0].ctr_port, 80);
	assert_int_equal(r[0].host_ip.s_addr, INADDR_ANY);
	assert_int_equal(r[0].host_lo, 8080);
	assert_int_equal(r[0].host_hi, 8080);
	assert_string_equal(r[1].key, "53/udp");
	assert_int_equal(r[1].proto, IPPROTO_UDP);
	assert_int_equal(r[1].host_ip.s_addr, htonl(INADDR_LOOPBACK));
	assert_int_equal(r[1].host_lo, 0);
	assert_string_equal(r[2].key, "81/tcp");
	assert_int_equal(r[2].host_lo, 8000);
	assert_int_equal(r[2].host_hi, 8010);
	/* every key, exposed or bound, null until published */
	assert_int_equal(json_object_size(ports), 6);
	assert_true(json_is_null(json_object_get(ports, "82/tcp")));
	assert_true(json_is_null(json_object_get(ports, "9001/udp")));

	/* -P: the exposed ports nobody bound get a random port each */
	free(steal_pointer(&r));
	json_decref(steal_pointer(&ports));
	assert_int_equal(ports_parse(b, x, true, &r, &n, &ports, &err), 0);
	assert_int_equal(n, 5);
	assert_string_equal(r[3].key, "9000/tcp");
	assert_int_equal(r[3].host_lo, 0);
	assert_string_equal(r[4].key, "9001/udp");

	/* nothing at all */
	free(steal_pointer(&r));
	json_decref(steal_pointer(&ports));
	assert_int_equal(ports_parse(NULL, NULL, true, &r, &n, &ports, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(json_object_size(ports), 0);
}

static void check_bad(const char *bindings, const char *needle)
{
	cleanup_json json_t *b = load(bindings);
	cleanup_free struct port_req *r = NULL;
	size_t n = 0;
	cleanup_json json_t *ports = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_true(ports_parse(b, NULL, false, &r, &n, &ports, &err) < 0);
	assert_int_equal(err->errnum, EINVAL);
	assert_error_contains(err, needle);
	assert_null(r);
	assert_null(ports);
}

static void test_parse_errors(void **state)
{
	(void)state;
	check_bad("{\"abc/tcp\": []}", "invalid port 'abc/tcp'");
	check_bad("{\"0/tcp\": []}", "invalid port '0/tcp'");
	check_bad("{\"80/sctp\": []}", "protocol 'sctp' is not supported");
	check_bad("{\"80/tcp\": [{\"HostPort\": \"70000\"}]}", "invalid host port '70000'");
	check_bad("{\"80/tcp\": [{\"HostPort\": \"10-5\"}]}", "invalid host port range '10-5'");
	check_bad("{\"80/tcp\": [{\"HostIp\": \"1.2.3\", \"HostPort\": \"1\"}]}",
		  "invalid host IP address '1.2.3'");
	check_bad("{\"80/tcp\": {}}", "expected an array");
	check_bad("[]", "PortBindings: expected an object");
}

/* ---- publishing ---- */
static void test_publish(void **state)
{
	struct fixture *f = *state;
	unsigned p = free_port();
	cleanup_free char *bj = xasprintf("{\"80/tcp\": [{\"HostIp\": \"127.0.0.1\", "
					  "\"HostPort\": \"%u\"}],"
					  " \"53/udp\": [{\"HostIp\": \"127.0.0.1\"}]}",
					  p);
	cleanup_json json_t *b = load(bj);
	cleanup_json json_t *x = load("{\"443/tcp\": {}}");
	cleanup_json json_t *ports = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (network_publish(&f->ns, f->a.container_id, "net1", b, x, false, &ports, &err) < 0)
		fail_msg("publish: %s", err->msg);
	assert_int_equal(sync_calls, 1);
	assert_int_equal(sync_last_n, 2);
	cleanup_free char *dump = json_dumps(ports, JSON_SORT_KEYS | JSON_COMPACT);
	cleanup_free char *want =
		xasprintf("{\"443/tcp\":null,\"53/udp\":[{\"HostIp\":\"127.0.0.1\","
			  "\"HostPort\":\"");
	assert_true(strncmp(dump, want, strlen(want)) == 0);
	cleanup_free char *want80 =
		xasprintf("\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"%u\"}]}", p);
	assert_non_null(strstr(dump, want80));

	/* the rules carry the endpoint's address */
	size_t n = 0;
	cleanup_free struct nft_port *rules = ports_rules(&f->ns, &n);
	assert_int_equal(n, 2);
	assert_int_equal(rules[0].ctr_ip.s_addr, f->a.ip.s_addr);
	assert_int_equal(rules[0].ctr_port, 80);
	assert_int_equal(rules[0].host_port, p);
	assert_int_equal(rules[1].proto, IPPROTO_UDP);
	assert_true(rules[1].host_port >= 1024);

	/* the same host port for b: taken, nothing of b's is kept */
	cleanup_json json_t *ports_b = NULL;
	cleanup_free char *bj2 = xasprintf("{\"8080/tcp\": [{\"HostIp\": \"127.0.0.1\"}],"
					   " \"81/tcp\": [{\"HostIp\": \"127.0.0.1\", "
					   "\"HostPort\": \"%u\"}]}",
					   p);
	cleanup_json json_t *b2 = load(bj2);
	assert_true(network_publish(&f->ns, f->b.container_id, "net1", b2, NULL, false, &ports_b,
				    &err) < 0);
	assert_int_equal(err->errnum, EADDRINUSE);
	cleanup_free char *msg =
		xasprintf("Bind for 127.0.0.1:%u failed: port is already allocated", p);
	assert_string_equal(err->msg, msg);
	assert_null(ports_b);
	assert_int_equal(count_ports(&f->ns), 2);
	berth_error_release(&err);

	/* a range starting at the taken port: the next one */
	cleanup_free char *bj3 = xasprintf("{\"81/tcp\": [{\"HostIp\": \"127.0.0.1\", "
					   "\"HostPort\": \"%u-%u\"}]}",
					   p, p + 1);
	cleanup_json json_t *b3 = load(bj3);
	if (network_publish(&f->ns, f->b.container_id, "net1", b3, NULL, false, &ports_b, &err) < 0)
		fail_msg("publish a range: %s", err->msg);
	json_t *hp =
		json_object_get(json_array_get(json_object_get(ports_b, "81/tcp"), 0), "HostPort");
	assert_int_equal(json_object_size(ports_b), 1);
	assert_int_equal(json_array_size(json_object_get(ports_b, "81/tcp")), 1);
	cleanup_free char *next = xasprintf("%u", p + 1);
	assert_string_equal(json_string_value(hp), next);
	assert_int_equal(count_ports(&f->ns), 3);

	/* unpublish a: its ports are free again, b's stay */
	network_unpublish(&f->ns, f->a.container_id);
	assert_int_equal(count_ports(&f->ns), 1);
	network_unpublish(&f->ns, f->a.container_id); /* no-op */
	int calls = sync_calls;
	int fd = port_bind(IPPROTO_TCP, (struct in_addr){ htonl(INADDR_LOOPBACK) }, (uint16_t)p);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sync_calls, calls);

	/* republish a from its saved Ports: the same ports */
	if (network_republish(&f->ns, f->a.container_id, f->net.id, ports, &err) < 0)
		fail_msg("republish: %s", err->msg);
	assert_int_equal(count_ports(&f->ns), 3);
	/* and publishing again replaces instead of colliding with itself */
	if (network_republish(&f->ns, f->a.container_id, f->net.id, ports, &err) < 0)
		fail_msg("republish again: %s", err->msg);
	assert_int_equal(count_ports(&f->ns), 3);
}

static void test_publish_undo(void **state)
{
	struct fixture *f = *state;
	unsigned p = free_port();
	cleanup_free char *bj = xasprintf("{\"80/tcp\": [{\"HostIp\": \"127.0.0.1\", "
					  "\"HostPort\": \"%u\"}]}",
					  p);
	cleanup_json json_t *b = load(bj);
	cleanup_json json_t *ports = NULL;
	cleanup_error berth_error_t *err = NULL;
	sync_fail = true;
	assert_true(network_publish(&f->ns, f->a.container_id, "net1", b, NULL, false, &ports,
				    &err) < 0);
	assert_non_null(strstr(err ? err->msg : "", "nft says no"));
	assert_int_equal(count_ports(&f->ns), 0);
	/* the port was let go */
	int fd = port_bind(IPPROTO_TCP, (struct in_addr){ htonl(INADDR_LOOPBACK) }, (uint16_t)p);
	assert_true(fd >= 0);
	close(fd);
	berth_error_release(&err);

	/* not on the network; an unknown network */
	sync_fail = false;
	char other[65];
	snprintf(other, sizeof(other), "%064d", 9);
	assert_true(network_publish(&f->ns, other, "net1", b, NULL, false, &ports, &err) < 0);
	assert_int_equal(err->errnum, ENOENT);
	berth_error_release(&err);
	assert_true(network_publish(&f->ns, f->a.container_id, "nope", b, NULL, false, &ports,
				    &err) < 0);
	assert_string_equal(err->msg, "network nope not found");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test_setup_teardown(test_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_undo, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
