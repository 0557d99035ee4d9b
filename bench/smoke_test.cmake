# CTest smoke run of execd-bench --quick: it must exit 0 and write JSON with
# every scenario key (checked by check_bench_json.py). No speed assertions.
execute_process(
  COMMAND ${BENCH} --quick --json_out=${OUT}
  RESULT_VARIABLE bench_rc)
if(NOT bench_rc EQUAL 0)
  message(FATAL_ERROR "execd-bench --quick exited with ${bench_rc}")
endif()
execute_process(
  COMMAND ${PYTHON} ${CHECKER} ${OUT}
  RESULT_VARIABLE check_rc)
if(NOT check_rc EQUAL 0)
  message(FATAL_ERROR "bench JSON check failed")
endif()
