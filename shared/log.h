#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_WARN = 0, LOG_LVL_INFO = 1, LOG_LVL_DEBUG = 2 };

/* Foreground logs to stderr, otherwise to syslog under NAME. */
void	log_init(const char *name, int foreground, int level);
void	log_setlevel(int);
int	log_getlevel(void);
int	log_parse_level(const char *, int *);
void	log_warn(const char *, ...) __attribute__((__format__(__printf__, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((__format__(__printf__, 1, 2)));
void	log_info(const char *, ...) __attribute__((__format__(__printf__, 1, 2)));
void	log_debug(const char *, ...) __attribute__((__format__(__printf__, 1, 2)));
void	vlog(int, const char *, va_list) __attribute__((__format__(__printf__, 2, 0)));
__attribute__((__noreturn__)) void fatal(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
__attribute__((__noreturn__)) void fatalx(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));

#endif
