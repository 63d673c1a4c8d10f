/* names: docker's container name rules and its random "adjective_surname"
 * names.  A random name only has to be unlikely to clash: the manager
 * retries on a clash. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"

static const char *const adjectives[] = {
	"admiring",  "adoring",     "agitated",      "amazing",   "angry",         "awesome",
	"beautiful", "blissful",    "bold",          "boring",    "brave",         "busy",
	"charming",  "clever",      "compassionate", "competent", "condescending", "confident",
	"cool",      "cranky",      "crazy",         "dazzling",  "determined",    "distracted",
	"dreamy",    "eager",       "ecstatic",      "elastic",   "elated",        "elegant",
	"eloquent",  "epic",        "exciting",      "fervent",   "festive",       "flamboyant",
	"focused",   "friendly",    "frosty",        "funny",     "gallant",       "gifted",
	"goofy",     "gracious",    "great",         "happy",     "hardcore",      "heuristic",
	"hopeful",   "hungry",      "infallible",    "inspiring", "intelligent",   "interesting",
	"jolly",     "jovial",      "keen",          "kind",      "laughing",      "loving",
	"lucid",     "magical",     "modest",        "musing",    "mystifying",    "naughty",
	"nervous",   "nice",        "nifty",         "nostalgic", "objective",     "optimistic",
	"peaceful",  "pedantic",    "pensive",       "practical", "priceless",     "quirky",
	"quizzical", "recursing",   "relaxed",       "reverent",  "romantic",      "sad",
	"serene",    "sharp",       "silly",         "sleepy",    "stoic",         "strange",
	"stupefied", "suspicious",  "sweet",         "tender",    "thirsty",       "trusting",
	"unruffled", "upbeat",      "vibrant",       "vigilant",  "vigorous",      "wizardly",
	"wonderful", "xenodochial", "youthful",      "zealous",   "zen",
};

static const char *const surnames[] = {
	"agnesi",     "albattani",  "allen",      "almeida",    "archimedes",    "ardinghelli",
	"aryabhata",  "austin",     "babbage",    "banach",     "bardeen",       "bartik",
	"bassi",      "bell",       "bhabha",     "black",      "blackwell",     "bohr",
	"booth",      "borg",       "bose",       "boyd",       "brahmagupta",   "brattain",
	"brown",      "cannon",     "carson",     "cerf",       "chandrasekhar", "chaplygin",
	"chatelet",   "chebyshev",  "clarke",     "cohen",      "colden",        "cori",
	"cray",       "curie",      "darwin",     "davinci",    "dijkstra",      "dirac",
	"einstein",   "elion",      "engelbart",  "euclid",     "euler",         "faraday",
	"feistel",    "fermat",     "fermi",      "feynman",    "franklin",      "galileo",
	"gates",      "goldberg",   "goldstine",  "goodall",    "hamilton",      "hawking",
	"heisenberg", "hermann",    "hertz",      "hodgkin",    "hoover",        "hopper",
	"hugle",      "hypatia",    "jang",       "jennings",   "jepsen",        "johnson",
	"joliot",     "kalam",      "kepler",     "khorana",    "kilby",         "knuth",
	"lamarr",     "lamport",    "leakey",     "leavitt",    "lederberg",     "lovelace",
	"lumiere",    "mayer",      "mccarthy",   "mcclintock", "meitner",       "mendel",
	"merkle",     "mirzakhani", "montalcini", "moore",      "morse",         "napier",
	"nash",       "neumann",    "newton",     "nobel",      "noether",       "noyce",
	"pascal",     "pasteur",    "payne",      "perlman",    "pike",          "poincare",
	"ptolemy",    "raman",      "ramanujan",  "ride",       "ritchie",       "rosalind",
	"sammet",     "shannon",    "shockley",   "sinoussi",   "stallman",      "swartz",
	"tesla",      "thompson",   "torvalds",   "turing",     "varahamihira",  "visvesvaraya",
	"wiles",      "williams",   "wilson",     "wing",       "wozniak",       "wright",
	"yalow",      "yonath",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* docker's validContainerNamePattern: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool container_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len < 2 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

char *container_name_random(void)
{
	unsigned r[2] = { 0, 0 };
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		r[0] = (unsigned)random();
		r[1] = (unsigned)random();
	}
	return xasprintf("%s_%s", adjectives[r[0] % N(adjectives)], surnames[r[1] % N(surnames)]);
}
