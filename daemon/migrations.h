#ifndef MIGRATIONS_H
#define MIGRATIONS_H

#include <stddef.h>

/* Schema migrations compiled in from data/migrations (mk/sql2c.sh). */
struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

extern const struct migration	migrations[];
extern const size_t		nmigrations;

#endif
