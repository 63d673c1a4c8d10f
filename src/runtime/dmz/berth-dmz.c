/* berth-dmz: the last hop into a container.  A few hundred bytes, no libc:
 * the runtime runs it from a sealed memfd, and it execs the container's
 * program.  So the process that execve()s into the container's files is
 * never berth-runtime itself, and /proc/self/exe seen from the container
 * (CVE-2019-5736) is this sealed, unwritable copy, not the host binary.
 *
 * argv: berth-dmz MODE PATH ARG0 ARG1 ...  MODE is "f<fd>" for the exec
 * fifo, where a failure is the record "N<errno> <PATH>\0" for `start`, or
 * "s<fd>" for the sync socket, where it is one SYNC_EXEC_FAILED datagram
 * (sync.h).  Either is one write(2), made close-on-exec first. */
#if defined(__x86_64__)
__asm__(".text\n.global _start\n_start:\n\txor %rbp, %rbp\n\tmov %rsp, %rdi\n"
	"\tand $-16, %rsp\n\tcall dmz_main\n\thlt\n");
#define SYS_WRITE 1
#define SYS_FCNTL 72
#define SYS_EXECVE 59
#define SYS_EXIT 60
static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n_start:\n\tmov x0, sp\n\tbl dmz_main\n");
#define SYS_WRITE 64
#define SYS_FCNTL 25
#define SYS_EXECVE 221
#define SYS_EXIT 93
static long sys3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b,
			 x2 __asm__("x2") = c;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
}
#else
// cppcheck-suppress preprocessorErrorDirective
#error "berth-dmz supports x86_64 and aarch64"
#endif

#define F_SETFD 2
#define FD_CLOEXEC 1

void dmz_main(long *sp) __attribute__((noreturn, used));

static long parse_fd(const char *s)
{
	long v = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return v;
}

static unsigned long slen(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

/* Append the decimal digits of v to buf at *n */
static void put_num(char *buf, int *n, long v)
{
	char digits[20];
	int d = 0;
	do
		digits[d++] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && d < 19);
	while (d > 0)
		buf[(*n)++] = digits[--d];
}

#define SYNC_EXEC_FAILED 11 /* enum sync_type in ../sync.h */

void dmz_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	if (argc < 4)
		sys3(SYS_EXIT, 127, 0, 0);
	char mode = argv[1][0];
	long fd = parse_fd(argv[1] + 1);
	sys3(SYS_FCNTL, fd, F_SETFD, FD_CLOEXEC);
	long err = -sys3(SYS_EXECVE, (long)argv[2], (long)(argv + 3), (long)envp);
	/* the sync record's header is two native ints, as sync.c reads it:
	 * stored through the union (well-defined in C), not byte by byte */
	union {
		int hdr[2];
		char buf[4096];
	} out;
	char *buf = out.buf;
	int n = 0;
	if (mode == 's') {
		out.hdr[0] = SYNC_EXEC_FAILED;
		out.hdr[1] = (int)err;
		n = (int)sizeof(out.hdr);
	} else {
		buf[n++] = 'N';
		put_num(buf, &n, err);
		buf[n++] = ' ';
	}
	unsigned long len = slen(argv[2]);
	for (unsigned long i = 0; i < len && n < (int)sizeof(out.buf) - 1; i++)
		buf[n++] = argv[2][i];
	if (mode != 's')
		buf[n++] = '\0';
	sys3(SYS_WRITE, fd, (long)buf, n);
	sys3(SYS_EXIT, 127, 0, 0);
	__builtin_unreachable();
}
