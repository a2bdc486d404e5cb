# wacamp: a plain GNU Makefile.  `make V=1` shows the commands.
#
# Paths are read when building and when installing: `make install
# PREFIX=/usr` after a plain `make` rebuilds what embeds one (every
# object depends on $(B)/gen/flags, which changes when a path or a flag
# does). CPPFLAGS, CFLAGS and LDFLAGS from the environment are honoured
# (dpkg-buildflags' hardening).

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DATADIR	?= $(PREFIX)/share/wacamp
DOCDIR	?= $(PREFIX)/share/doc/wacamp
LOCALEDIR ?= $(PREFIX)/share/locale
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
RUNSTATEDIR ?= /run
STATEDIR = $(LOCALSTATEDIR)/lib/wacamp
UNITDIR	?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd \
	    2>/dev/null),/lib/systemd/system)
SYSUSERSDIR ?= $(or $(shell pkg-config --variable=sysusersdir systemd \
	    2>/dev/null),/usr/lib/sysusers.d)
TMPFILESDIR ?= $(or $(shell pkg-config --variable=tmpfilesdir systemd \
	    2>/dev/null),/usr/lib/tmpfiles.d)
COMPLETIONSDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR	?=

B	?= build
CC	?= cc
VERSION	:= 0.1.0

LIBS_PKG := libevent jansson libcurl sqlite3 ncursesw libcrypt libmd
PKG_CFLAGS := $(shell pkg-config --cflags $(LIBS_PKG) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(LIBS_PKG) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
# The client alone draws PDF reports.
TUI_PKG := pangocairo cairo-pdf
TUI_CFLAGS := $(shell pkg-config --cflags $(TUI_PKG) 2>/dev/null)
TUI_LIBS := $(shell pkg-config --libs $(TUI_PKG) 2>/dev/null)

WARN	= -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	  -Wmissing-prototypes -Wno-unused-parameter
ifneq ($(CI),)
WERROR	= -Werror
endif
WERROR	?=
OPT	?= -O2 -g
SAN	?=
PATH_DEFS = -DLOCALEDIR='"$(LOCALEDIR)"' -DWACAMP_STATEDIR='"$(STATEDIR)"' \
	  -DWACAMP_RUNDIR='"$(RUNSTATEDIR)"'
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(WERROR) $(SAN) \
	  -DWACAMP_VERSION='"$(VERSION)"' $(PATH_DEFS) \
	  -Ishared -Idaemon -Itui -I$(B)/gen $(PKG_CFLAGS) -MMD -MP \
	  $(CPPFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)
# Everything a built file depends on besides its sources.
FLAGS	:= $(B)/gen/flags

ifeq ($(V),1)
Q =
else
Q = @
endif

SHARED_SRCS := $(wildcard shared/*.c)
DAEMON_SRCS := $(filter-out daemon/wacampd.c,$(wildcard daemon/*.c))
TUI_SRCS := $(filter-out tui/wacamp.c,$(wildcard tui/*.c))
MIGRATIONS := $(sort $(wildcard data/migrations/*.sql))

SHARED_OBJS := $(SHARED_SRCS:%.c=$(B)/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(B)/%.o) $(B)/gen/migrations.o
TUI_OBJS := $(TUI_SRCS:%.c=$(B)/%.o)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
INTEG_SRCS := $(wildcard tests/integration/test_*.c)
INTEG_BINS := $(INTEG_SRCS:tests/integration/%.c=$(B)/tests/%)
TUI_TEST_SRCS := $(wildcard tests/tui/test_*.c)
TUI_TEST_BINS := $(TUI_TEST_SRCS:tests/tui/%.c=$(B)/tests/%)
HARNESS_OBJS := $(B)/tests/harness.o $(B)/tests/kit.o
FAKEWASS := $(if $(wildcard tests/fakewass.c),$(B)/tests/fakewass)

UNITS_IN := $(wildcard data/*.service.in)
UNITS	:= $(UNITS_IN:data/%.in=$(B)/data/%) $(B)/data/wacampd-backup.timer
SYSTEM_FILES := $(UNITS) $(B)/data/sysusers.conf $(B)/data/tmpfiles.conf

all: $(B)/wacampd $(B)/wacamp $(B)/locale/fr/LC_MESSAGES/wacamp.mo \
    $(SYSTEM_FILES)

# Rewritten only when it changes, so that a new path or flag rebuilds.
$(FLAGS): FORCE | $(B)/gen
	$(file >$@.new,$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) $(SBINDIR) \
	    $(SYSCONFDIR) $(LOCALSTATEDIR) $(RUNSTATEDIR))
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

$(B)/gen:
	@mkdir -p $@

# The units, sysusers.d and tmpfiles.d files, with the paths of this build.
SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    -e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g' -e 's|@STATEDIR@|$(STATEDIR)|g' \
	    -e 's|@RUNSTATEDIR@|$(RUNSTATEDIR)|g' \
	    -e '/@HARDENING@/{r data/hardening.conf' -e 'd;}'

$(B)/data/%: data/%.in data/hardening.conf $(FLAGS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(SUBST) $< > $@

$(B)/data/wacampd-backup.timer: data/wacampd-backup.timer
	@mkdir -p $(@D)
	$(Q)cp $< $@

# The French catalogue, found by the uninstalled client beside its binary.
$(B)/locale/fr/LC_MESSAGES/wacamp.mo: po/fr.po
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MSGFMT  $@")
	$(Q)msgfmt -c -o $@ po/fr.po

# The catalogue's template, from every source that shows words: the
# interface's _() and N_(), and the daemon's errors, which clients
# translate from their key (ctl_error's format, an import row's reason).
POT_SRCS := $(sort $(wildcard tui/*.c shared/*.c daemon/*.c))
XGETTEXT = xgettext --from-code=UTF-8 --no-location --sort-output \
	-k_ -kN_ -kC_:1c,2 -kctl_error:3 -kreject:3 -ki18n_snprintf:3 \
	--flag=ctl_error:3:c-format --flag=reject:3:c-format \
	--flag=i18n_snprintf:3:c-format \
	--package-name=wacamp --package-version=$(VERSION)

# Refresh the template after changing messages, and merge it into
# po/fr.po (then translate what msgfmt --statistics calls untranslated).
pot:
	$(XGETTEXT) -o po/wacamp.pot $(POT_SRCS)
po: pot
	msgmerge --quiet --update --backup=none --no-fuzzy-matching \
	    po/fr.po po/wacamp.pot

# Every message of a freshly extracted template is translated in
# po/fr.po, none fuzzy: the French stays complete (issue 18).
pocheck:
	@mkdir -p $(B)/po
	@$(XGETTEXT) -o $(B)/po/wacamp.pot $(POT_SRCS)
	@msgmerge --quiet --no-fuzzy-matching -o $(B)/po/fr.po po/fr.po \
	    $(B)/po/wacamp.pot
	@ok=1; out=$$(LC_ALL=C msgfmt --check --statistics -o /dev/null \
	    $(B)/po/fr.po 2>&1) || ok=0; echo "po/fr.po: $$out"; \
	[ $$ok = 1 ] || exit 1; \
	case "$$out" in *untranslated*|*fuzzy*) \
	    echo "po/fr.po is behind the sources: make po, then translate"; \
	    exit 1;; esac

$(B)/tui/report.o: tui/report.c $(FLAGS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) $(TUI_CFLAGS) -c -o $@ $<

$(B)/%.o: %.c $(FLAGS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(B)/gen/migrations.c: $(MIGRATIONS) mk/sql2c.sh
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)sh mk/sql2c.sh $@ $(MIGRATIONS)

$(B)/gen/migrations.o: $(B)/gen/migrations.c $(FLAGS)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(B)/shared/libshared.a: $(SHARED_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/daemon/libdaemon.a: $(DAEMON_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/tui/libclient.a: $(TUI_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/wacampd: $(B)/daemon/wacampd.o $(B)/daemon/libdaemon.a $(B)/shared/libshared.a \
    $(FLAGS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(filter-out $(FLAGS),$^) $(PKG_LIBS) -lm

$(B)/wacamp: $(B)/tui/wacamp.o $(B)/tui/libclient.a $(B)/shared/libshared.a $(FLAGS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(filter-out $(FLAGS),$^) $(PKG_LIBS) $(TUI_LIBS) -lm

$(B)/tests/harness.o: tests/harness.c $(FLAGS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -Itests -c -o $@ $<

$(B)/tests/%.o: tests/unit/%.c $(FLAGS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -Itests -c -o $@ $<

$(B)/tests/%.o: tests/integration/%.c $(FLAGS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -Itests -c -o $@ $<

$(B)/tests/%.o: tests/tui/%.c $(FLAGS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -Itests -c -o $@ $<

$(B)/tests/fakewass.o: tests/fakewass.c $(FLAGS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -Itests -c -o $@ $<

$(FAKEWASS): $(B)/tests/fakewass.o $(B)/shared/libshared.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

TEST_LINK = $(B)/daemon/libdaemon.a $(B)/tui/libclient.a $(B)/shared/libshared.a \
	$(CMOCKA_LIBS) $(PKG_LIBS) $(TUI_LIBS) -lm

$(UNIT_BINS) $(INTEG_BINS) $(TUI_TEST_BINS): $(B)/tests/%: $(B)/tests/%.o $(HARNESS_OBJS) \
    $(B)/daemon/libdaemon.a $(B)/tui/libclient.a $(B)/shared/libshared.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $< $(HARNESS_OBJS) $(TEST_LINK)

tests: all $(UNIT_BINS) $(INTEG_BINS) $(TUI_TEST_BINS) $(FAKEWASS)

# Every test binary runs; the run fails at the end if any failed. Under
# ASan, tests/lsan.supp leaves out the font caches the PDF report's
# libraries keep for the life of the process.
TEST_ENV = WACAMPD=$(abspath $(B)/wacampd) WACAMP=$(abspath $(B)/wacamp) \
	FAKEWASS=$(abspath $(FAKEWASS)) WACAMP_FIXTURES=$(abspath tests/fixtures) \
	WASSENGER_FIXTURES=$(abspath ../shared/wassenger/fixtures) \
	WACAMP_LOCALEDIR=$(abspath $(B)/locale) \
	LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp)

# Shell tests of what is installed: the units, the completion, and (as
# root, once: not again under the sanitizers) make install itself.
runtests: tests
	@fail=0; for t in $(UNIT_BINS) $(INTEG_BINS) $(TUI_TEST_BINS); do \
		echo "== $$t"; \
		$(TEST_ENV) $$t || fail=1; \
	done; \
	echo "== tests/units.sh"; sh tests/units.sh $(B) || fail=1; \
	echo "== tests/completion.sh"; \
	sh tests/completion.sh $(abspath $(B)/wacamp) || fail=1; \
	$(if $(SAN),,echo "== tests/install.sh"; sh tests/install.sh || fail=1;) \
	if [ $$fail -ne 0 ]; then echo "FAILED in $(B)"; exit 1; fi

deps:
	@sh mk/deps.sh

# Every manual page renders without a warning.
mancheck:
	@pass=0; fail=0; for m in man/*.[1-8]; do \
		if out=$$(LC_ALL=C.UTF-8 groff -mandoc -ww -z $$m 2>&1) && [ -z "$$out" ]; then \
			pass=$$((pass + 1)); \
		else echo "$$m: $$out"; fail=$$((fail + 1)); fi; \
	done; echo "man pages: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

check: deps
	$(MAKE) mancheck
	$(MAKE) pocheck
	$(MAKE) runtests
	sh tests/callgraph.sh $(B)
	$(MAKE) runtests B=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

asan:
	$(MAKE) runtests B=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

demo: deps all
	@sh mk/demo.sh $(abspath $(B))

bench: deps all $(FAKEWASS)
	@sh tests/bench/run.sh $(abspath $(B))

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
fuzz: deps
	@mkdir -p $(B)/fuzz
	@for f in $(FUZZ_SRCS); do \
		n=$$(basename $$f .c); \
		echo "  FUZZ    $$n"; \
		clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
		    -Ishared -Idaemon $(PKG_CFLAGS) -o $(B)/fuzz/$$n $$f \
		    $(filter-out %/wacampd.c %/wacamp.c,$(SHARED_SRCS)) \
		    $(wildcard daemon/webhook_parse.c daemon/config.c daemon/ctl_args.c) \
		    $(PKG_LIBS) -lm || exit 1; \
		mkdir -p $(B)/fuzz/corpus/$$n; \
		len=8192; [ $$n = fuzz_webhook ] && len=65536; \
		$(B)/fuzz/$$n -max_total_time=$${FUZZ_SECONDS:-20} -rss_limit_mb=1024 \
		    -max_len=$$len \
		    $(B)/fuzz/corpus/$$n tests/fuzz/corpus/$$n 2>&1 | tail -3 || exit 1; \
	done

MANS	:= man/wacamp.1 man/wacampd.conf.5 man/wacamp-protocol.7 man/wacampd.8
DOCS	?= README.md INSTALL $(wildcard docs/*.md)

# Manual pages compressed the Debian way (gzip -9n: no name, no time).
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(COMPLETIONSDIR) \
	    $(DESTDIR)$(LOCALEDIR)/fr/LC_MESSAGES
	install -m 755 $(B)/wacamp $(DESTDIR)$(BINDIR)/wacamp
	install -m 755 $(B)/wacampd $(DESTDIR)$(SBINDIR)/wacampd
	for m in $(MANS); do \
		s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		gzip -9n < $$m > $(DESTDIR)$(MANDIR)/man$$s/$${m#man/}.gz; \
		chmod 644 $(DESTDIR)$(MANDIR)/man$$s/$${m#man/}.gz; \
	done
	install -m 644 data/wacampd.conf.example $(DESTDIR)$(DATADIR)/
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	install -m 644 $(B)/data/sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/wacamp.conf
	install -m 644 $(B)/data/tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/wacamp.conf
	install -m 644 completion/wacamp.bash $(DESTDIR)$(COMPLETIONSDIR)/wacamp
	install -m 644 $(B)/locale/fr/LC_MESSAGES/wacamp.mo \
	    $(DESTDIR)$(LOCALEDIR)/fr/LC_MESSAGES/wacamp.mo

# What install put there; the configuration and the data stay.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wacamp $(DESTDIR)$(SBINDIR)/wacampd \
	    $(DESTDIR)$(DATADIR)/wacampd.conf.example \
	    $(DESTDIR)$(SYSUSERSDIR)/wacamp.conf $(DESTDIR)$(TMPFILESDIR)/wacamp.conf \
	    $(DESTDIR)$(COMPLETIONSDIR)/wacamp \
	    $(DESTDIR)$(LOCALEDIR)/fr/LC_MESSAGES/wacamp.mo \
	    $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS))) \
	    $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	for m in $(MANS); do \
		rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/}.gz; done
	-rmdir $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) 2>/dev/null

# A .deb in $(B)/deb from what git tracks (with uncommitted changes to
# tracked files), built in a temporary copy; never into the checkout.
deb:
	@sh mk/deps.sh deb
	@rm -rf $(B)/deb && mkdir -p $(B)/deb
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	rev=$$(git stash create) && \
	git archive --format=tar --prefix=wacamp-$(VERSION)/ $${rev:-HEAD} | \
	    tar -x -C "$$tmp" && \
	(cd "$$tmp/wacamp-$(VERSION)" && DEB_BUILD_OPTIONS="nocheck $$DEB_BUILD_OPTIONS" \
	    dpkg-buildpackage -us -uc -b) > $(B)/deb/build.log 2>&1 || \
	    { tail -40 $(B)/deb/build.log; exit 1; }; \
	mv "$$tmp"/*.deb "$$tmp"/*.buildinfo "$$tmp"/*.changes $(B)/deb/ && \
	ls $(B)/deb/*.deb

clean:
	rm -rf build build-asan

FORCE:

.PHONY: pot po pocheck all tests runtests mancheck deps check asan demo bench \
	fuzz install uninstall deb clean FORCE

-include $(shell find $(B) -name '*.d' 2>/dev/null)
