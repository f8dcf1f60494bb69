# tests/unit/local.mk - the unit tests (cmocka): the decoders, one program per
# layer; the metrics writer, the HTTP request parser, the tracker's
# horizon and history, the TIME-WAIT pressure queue and its event queue,
# the flow hash, the Community ID hash, the record pool and the analysis
# thread's handoff.  Included by the top
# Makefile.am.  Paths are relative to the top directory.
#
# Each program links all the decoders: the layers below the one under test are
# the real ones, and the failure messages use hsa_decode_result_name().
# Without cmocka (configure says so) they are not built and not run.

if HAVE_CMOCKA
HSA_UNIT_TESTS = \
	tests/unit/test_decode_link \
	tests/unit/test_decode_ipv4 \
	tests/unit/test_decode_ipv6 \
	tests/unit/test_decode_tcp \
	tests/unit/test_exposition \
	tests/unit/test_http_parse \
	tests/unit/test_seq_sketch \
	tests/unit/test_verdicts \
	tests/unit/test_horizon \
	tests/unit/test_event_queue \
	tests/unit/test_pressure \
	tests/unit/test_live_groups \
	tests/unit/test_community_id \
	tests/unit/test_json_writer \
	tests/unit/test_format \
	tests/unit/test_flow_hash \
	tests/unit/test_tw_series \
	tests/unit/test_pool \
	tests/unit/test_handoff

check_PROGRAMS += $(HSA_UNIT_TESTS)
TESTS += $(HSA_UNIT_TESTS)

HSA_UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PCAP_CFLAGS)
# What every test program is built from besides its own test_decode_*.c: the
# helpers they share (a header, listed so that make dist ships it) and the
# decoders.
HSA_UNIT_SOURCES = tests/unit/decode_test.h src/extract.h $(HSA_DECODE_SOURCES)

tests_unit_test_decode_link_SOURCES = tests/unit/test_decode_link.c \
	$(HSA_UNIT_SOURCES)
tests_unit_test_decode_link_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_decode_link_LDADD = $(CMOCKA_LIBS)

tests_unit_test_decode_ipv4_SOURCES = tests/unit/test_decode_ipv4.c \
	$(HSA_UNIT_SOURCES)
tests_unit_test_decode_ipv4_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_decode_ipv4_LDADD = $(CMOCKA_LIBS)

tests_unit_test_decode_ipv6_SOURCES = tests/unit/test_decode_ipv6.c \
	$(HSA_UNIT_SOURCES)
tests_unit_test_decode_ipv6_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_decode_ipv6_LDADD = $(CMOCKA_LIBS)

tests_unit_test_decode_tcp_SOURCES = tests/unit/test_decode_tcp.c \
	$(HSA_UNIT_SOURCES)
tests_unit_test_decode_tcp_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_decode_tcp_LDADD = $(CMOCKA_LIBS)

tests_unit_test_exposition_SOURCES = tests/unit/test_exposition.c \
	src/exposition.c include/hsa_expo.h
tests_unit_test_exposition_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_exposition_LDADD = $(CMOCKA_LIBS) -lm

tests_unit_test_http_parse_SOURCES = tests/unit/test_http_parse.c \
	src/http_server.c include/hsa_http.h
tests_unit_test_http_parse_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_http_parse_LDADD = $(CMOCKA_LIBS)
# Sequence arithmetic and the percentile sketch: header and source under
# test only.
tests_unit_test_seq_sketch_SOURCES = tests/unit/test_seq_sketch.c src/seq.h \
	src/sketch.c
tests_unit_test_seq_sketch_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_seq_sketch_LDADD = $(CMOCKA_LIBS) -lm

# The verdicts, through their public functions (hsa_conn.h): segments in,
# verdicts out.
tests_unit_test_verdicts_SOURCES = tests/unit/test_verdicts.c src/seq.h \
	src/conn.c src/verdict.c src/time_wait.c src/evidence.c
tests_unit_test_verdicts_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_verdicts_LDADD = $(CMOCKA_LIBS)

# The tracker's horizon: the tracker and the connection code it drives.
tests_unit_test_horizon_SOURCES = tests/unit/test_horizon.c src/seq.h \
	src/pool.c src/tracker.c src/conn.c src/verdict.c src/time_wait.c src/evidence.c \
	src/flow_hash.h src/flow_hash.c
tests_unit_test_horizon_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_horizon_LDADD = $(CMOCKA_LIBS)

# The event queue of the pressure model, realloc() wrapped to fail on demand.
tests_unit_test_event_queue_SOURCES = tests/unit/test_event_queue.c \
	src/event_queue.h src/event_queue.c
tests_unit_test_event_queue_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_event_queue_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=realloc
tests_unit_test_event_queue_LDADD = $(CMOCKA_LIBS)

# The pressure queue links only the model, its event queue and the hash it
# keys pairs with; realloc() wrapped to fail on demand.
tests_unit_test_pressure_SOURCES = tests/unit/test_pressure.c \
	src/time_wait_pressure.c src/time_wait_series.c src/flow_hash.h \
	src/flow_hash.c src/event_queue.h src/event_queue.c
tests_unit_test_pressure_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_pressure_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=realloc
tests_unit_test_pressure_LDADD = $(CMOCKA_LIBS)

# The live groups the metrics render, from the same model.
tests_unit_test_live_groups_SOURCES = tests/unit/test_live_groups.c \
	src/time_wait_pressure.c src/time_wait_series.c src/flow_hash.h \
	src/flow_hash.c src/event_queue.h src/event_queue.c
tests_unit_test_live_groups_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_live_groups_LDADD = $(CMOCKA_LIBS)

# The Community ID flow hash against the specification's published values.
tests_unit_test_community_id_SOURCES = tests/unit/test_community_id.c \
	src/community_id.c
tests_unit_test_community_id_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(NETTLE_CFLAGS)
tests_unit_test_community_id_LDADD = $(CMOCKA_LIBS) $(NETTLE_LIBS)

# The tracker's flow hash against a byte-wise SipHash-1-3.
tests_unit_test_flow_hash_SOURCES = tests/unit/test_flow_hash.c \
	src/flow_hash.h src/flow_hash.c
tests_unit_test_flow_hash_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_flow_hash_LDADD = $(CMOCKA_LIBS)

# The connection object of the JSON report and the log, and the cursor
# writers it is built from.
tests_unit_test_json_writer_SOURCES = tests/unit/test_json_writer.c \
	src/json_writer.c src/json_writer.h src/json_conn.c src/report_json.h \
	src/format.c
tests_unit_test_json_writer_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_json_writer_LDADD = $(CMOCKA_LIBS)

# Numbers and times as reports write them.
tests_unit_test_format_SOURCES = tests/unit/test_format.c src/format.c \
	include/hsa_format.h
tests_unit_test_format_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_format_LDADD = $(CMOCKA_LIBS)

tests_unit_test_tw_series_SOURCES = tests/unit/test_tw_series.c \
	src/time_wait_series.c include/hsa_tw_series.h
tests_unit_test_tw_series_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_tw_series_LDADD = $(CMOCKA_LIBS)

tests_unit_test_pool_SOURCES = tests/unit/test_pool.c src/pool.c
tests_unit_test_pool_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_pool_LDADD = $(CMOCKA_LIBS)

# The analysis thread and its batch queue.
tests_unit_test_handoff_SOURCES = tests/unit/test_handoff.c src/handoff.c \
	src/batch_queue.c src/batch_queue.h include/hsa_handoff.h
tests_unit_test_handoff_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -pthread
tests_unit_test_handoff_LDADD = $(CMOCKA_LIBS)
tests_unit_test_handoff_LDFLAGS = $(AM_LDFLAGS) -pthread
endif
