# tests/local.mk - end-to-end tests: the binary on the pcaps in tests/pcaps.
TESTS += \
	tests/corpus.sh \
	tests/cli.sh \
	tests/real_capture.sh

AM_TESTS_ENVIRONMENT = \
	srcdir='$(srcdir)'; export srcdir; \
	HSANALYZE='$(abs_top_builddir)/src/hsanalyze'; export HSANALYZE; \
	PYTHON3='$(PYTHON3)'; export PYTHON3; \
	CLANG='$(CLANG)'; export CLANG;

EXTRA_DIST += \
	tests/corpus.sh \
	tests/cli.sh \
	tests/real_capture.sh \
	tests/check_report.py \
	tests/ladder \
	tests/pcaps \
	tests/live
