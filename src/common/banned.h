/* banned: functions that must not be used in berth, after git's banned.h.
 * Each is replaced by a safer one: strbuf / xasprintf instead of strcpy,
 * strcat, sprintf; parse_* instead of atoi and unchecked strto*; mkstemp or
 * O_TMPFILE instead of mktemp/tmpnam; strtok_r is still fine, strtok is not. */
#ifndef BERTH_COMMON_BANNED_H
#define BERTH_COMMON_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atoll
#define atoll(x) BANNED(atoll)
#undef mktemp
#define mktemp(x) BANNED(mktemp)
#undef tmpnam
#define tmpnam(x) BANNED(tmpnam)
#undef gets
#define gets(x) BANNED(gets)

#endif
