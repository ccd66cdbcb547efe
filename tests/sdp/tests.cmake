# tests.cmake  SDP corpus tests, included by tests/CMakeLists.txt.
#
# sdp_corpus_replay runs every file of tests/sdp/corpus (valid_*.sdp that we must accept,
# bad_*.sdp that we must refuse, and what the fuzzer found) once through the fuzz
# target's entry point: its invariants abort() on a wrong result, and in build-asan the
# sanitizers catch what the fuzzer would. unit_sdp checks the accept/refuse verdicts.
add_test(NAME sdp_corpus_replay
         COMMAND $<TARGET_FILE:fuzz_sdp_replay> ${CMAKE_SOURCE_DIR}/tests/sdp/corpus)
set_tests_properties(sdp_corpus_replay PROPERTIES TIMEOUT 120)

# A short bounded fuzz run in every make test (also under ASan+UBSan): 1,000,000
# deterministic mutations of the corpus through the same entry point. The long,
# coverage-guided run is `make fuzz` (libFuzzer, clang).
add_test(NAME sdp_mutation_smoke
         COMMAND $<TARGET_FILE:fuzz_sdp_replay> --mutate 1000000
                 ${CMAKE_SOURCE_DIR}/tests/sdp/corpus)
set_tests_properties(sdp_mutation_smoke PROPERTIES TIMEOUT 300)

# With -DCW_FUZZ=ON (clang), a short bounded libFuzzer run from the corpus. New inputs
# go to a scratch directory in the build tree, never into the source corpus.
if(CW_FUZZ AND TARGET fuzz_sdp)
  add_test(NAME sdp_fuzz_smoke
           COMMAND $<TARGET_FILE:fuzz_sdp> -max_total_time=10 -max_len=4096
                   -rss_limit_mb=1024 ${CMAKE_BINARY_DIR}/sdp-fuzz-smoke
                   ${CMAKE_SOURCE_DIR}/tests/sdp/corpus)
  set_tests_properties(sdp_fuzz_smoke PROPERTIES TIMEOUT 60
                       FIXTURES_REQUIRED sdp_fuzz_dir)
  add_test(NAME sdp_fuzz_smoke_dir
           COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/sdp-fuzz-smoke)
  set_tests_properties(sdp_fuzz_smoke_dir PROPERTIES FIXTURES_SETUP sdp_fuzz_dir)
endif()

# The SRTP keys of an offer (a=crypto, RFC 4568; issue 10): the corpus of
# tests/sdp/sdes_corpus and 2,000,000 deterministic mutations of it through fuzz_sdes.
add_test(NAME sdes_mutation_smoke
         COMMAND $<TARGET_FILE:fuzz_sdes_replay> --mutate 2000000
                 ${CMAKE_SOURCE_DIR}/tests/sdp/sdes_corpus)
set_tests_properties(sdes_mutation_smoke PROPERTIES TIMEOUT 120)
