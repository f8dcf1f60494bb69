# tests/unit/local.mk - the unit tests (cmocka): the decoders, one program per
# layer; the metrics writer, the HTTP request parser, the tracker's
# horizon and history, the handshake history kept out of line, the
# TIME-WAIT pressure queue and its event queue, the flow hash, the
# Community ID hash, the record pool and the handoff to the worker thread.
# Included by the top
# Makefile.am.  Paths are relative to the top directory.
#
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
	tests/unit/test_hs_more \
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

# Each program is its test file linked with src/libhsa.a (Makefile.am): the
# objects of the program itself, compiled once, of which the linker takes
# those the test calls and what they call.  The decoder tests thus run the
# real layers below the one under test, and their failure messages use
# hsa_decode_result_name().
HSA_UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PCAP_CFLAGS) $(CJSON_CFLAGS) \
	$(NETTLE_CFLAGS)
HSA_UNIT_LDADD = $(HSA_LIB_LIBS) $(CMOCKA_LIBS)

# The decoders, one program per layer; the helpers they share are a header
# (listed so that make dist ships it).
tests_unit_test_decode_link_SOURCES = tests/unit/test_decode_link.c \
	tests/unit/decode_test.h
tests_unit_test_decode_link_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_decode_link_LDADD = $(HSA_UNIT_LDADD)

tests_unit_test_decode_ipv4_SOURCES = tests/unit/test_decode_ipv4.c \
	tests/unit/decode_test.h
tests_unit_test_decode_ipv4_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_decode_ipv4_LDADD = $(HSA_UNIT_LDADD)

tests_unit_test_decode_ipv6_SOURCES = tests/unit/test_decode_ipv6.c \
	tests/unit/decode_test.h
tests_unit_test_decode_ipv6_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_decode_ipv6_LDADD = $(HSA_UNIT_LDADD)

tests_unit_test_decode_tcp_SOURCES = tests/unit/test_decode_tcp.c \
	tests/unit/decode_test.h
tests_unit_test_decode_tcp_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_decode_tcp_LDADD = $(HSA_UNIT_LDADD)

# The metrics writer.
tests_unit_test_exposition_SOURCES = tests/unit/test_exposition.c
tests_unit_test_exposition_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_exposition_LDADD = $(HSA_UNIT_LDADD)

# The metrics server's request parser.
tests_unit_test_http_parse_SOURCES = tests/unit/test_http_parse.c
tests_unit_test_http_parse_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_http_parse_LDADD = $(HSA_UNIT_LDADD)

# Sequence arithmetic (src/seq.h) and the percentile sketch.
tests_unit_test_seq_sketch_SOURCES = tests/unit/test_seq_sketch.c
tests_unit_test_seq_sketch_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_seq_sketch_LDADD = $(HSA_UNIT_LDADD)

# The verdicts, through their public functions (hsa_conn.h): segments in,
# verdicts out.
tests_unit_test_verdicts_SOURCES = tests/unit/test_verdicts.c tests/unit/segments.h
tests_unit_test_verdicts_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_verdicts_LDADD = $(HSA_UNIT_LDADD)

# The handshake history kept out of line (struct hsa_hs_more): the
# connection code alone, the memory given as the tracker gives it.
tests_unit_test_hs_more_SOURCES = tests/unit/test_hs_more.c tests/unit/segments.h
tests_unit_test_hs_more_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_hs_more_LDADD = $(HSA_UNIT_LDADD)

# The tracker's horizon: the tracker and the connection code it drives.
tests_unit_test_horizon_SOURCES = tests/unit/test_horizon.c tests/unit/segments.h
tests_unit_test_horizon_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_horizon_LDADD = $(HSA_UNIT_LDADD)

# The event queue of the pressure model, realloc() wrapped to fail on demand
# (every realloc() of the program: the test's own and the library's).
tests_unit_test_event_queue_SOURCES = tests/unit/test_event_queue.c
tests_unit_test_event_queue_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_event_queue_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=realloc
tests_unit_test_event_queue_LDADD = $(HSA_UNIT_LDADD)

# The pressure queue: the model, its event queue and the hash it keys pairs
# with; realloc() wrapped to fail on demand.
tests_unit_test_pressure_SOURCES = tests/unit/test_pressure.c
tests_unit_test_pressure_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_pressure_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=realloc
tests_unit_test_pressure_LDADD = $(HSA_UNIT_LDADD)

# The live groups the metrics render, from the same model.
tests_unit_test_live_groups_SOURCES = tests/unit/test_live_groups.c
tests_unit_test_live_groups_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_live_groups_LDADD = $(HSA_UNIT_LDADD)

# The Community ID flow hash against the specification's published values.
tests_unit_test_community_id_SOURCES = tests/unit/test_community_id.c
tests_unit_test_community_id_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_community_id_LDADD = $(HSA_UNIT_LDADD)

# The tracker's flow hash against a byte-wise SipHash-1-3.
tests_unit_test_flow_hash_SOURCES = tests/unit/test_flow_hash.c
tests_unit_test_flow_hash_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_flow_hash_LDADD = $(HSA_UNIT_LDADD)

# The connection object of the JSON report and the log, and the cursor
# writers it is built from.
tests_unit_test_json_writer_SOURCES = tests/unit/test_json_writer.c
tests_unit_test_json_writer_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_json_writer_LDADD = $(HSA_UNIT_LDADD)

# Numbers and times as reports write them.
tests_unit_test_format_SOURCES = tests/unit/test_format.c
tests_unit_test_format_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_format_LDADD = $(HSA_UNIT_LDADD)

# The TIME-WAIT series of the pressure model.
tests_unit_test_tw_series_SOURCES = tests/unit/test_tw_series.c
tests_unit_test_tw_series_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_tw_series_LDADD = $(HSA_UNIT_LDADD)

# The record pool.
tests_unit_test_pool_SOURCES = tests/unit/test_pool.c
tests_unit_test_pool_CFLAGS = $(HSA_UNIT_CFLAGS)
tests_unit_test_pool_LDADD = $(HSA_UNIT_LDADD)

# The handoff to the worker thread, and two batch queues one each way
# between two threads that share a lock.
tests_unit_test_handoff_SOURCES = tests/unit/test_handoff.c
tests_unit_test_handoff_CFLAGS = $(HSA_UNIT_CFLAGS) -pthread
tests_unit_test_handoff_LDADD = $(HSA_UNIT_LDADD)
tests_unit_test_handoff_LDFLAGS = $(AM_LDFLAGS) -pthread
endif
