# Command-line tests through the real binary (cmake -P): exit codes, diff text, reports,
# determinism, goldens and help. Run by ctest as the `cli` test.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(emu expected_rc)
  execute_process(COMMAND ${EMU} ${ARGN} WORKING_DIRECTORY ${SRC}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
  if(NOT rc EQUAL ${expected_rc})
    message(FATAL_ERROR "bellyfed-emu ${ARGN}: exit ${rc}, expected ${expected_rc}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
endfunction()

function(expect_contains text needle)
  string(FIND "${text}" "${needle}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "expected to find:\n  ${needle}\nin:\n${text}")
  endif()
endfunction()

# A failing scenario exits 4 and names file:line, the JSON path, expected and actual with types.
emu(4 run --no-color tests/failing/mismatch.yaml)
expect_contains("${OUT}" "FAIL  tests/failing/mismatch.yaml")
expect_contains("${OUT}" "tests/failing/mismatch.yaml:5: $.name: expected string \"Pho Palace\", got string \"Pho Place\"")
expect_contains("${OUT}" "$.rating: expected string \"4\", got number 4")
expect_contains("${OUT}" "$.tags: no element matches string \"c\"")
expect_contains("${OUT}" "$.extra: expected any value, got nothing (missing)")
expect_contains("${OUT}" "1 scenarios: 0 passed, 1 failed, 0 errors")
emu(4 run --no-color tests/failing/trace_absent.yaml)
expect_contains("${OUT}" "expected nothing to match within 30s")
emu(4 run --no-color tests/failing/dynamodb_item.yaml)
expect_contains("${OUT}" "tests/failing/dynamodb_item.yaml:7: $.city: expected string \"Portland\", got string \"Seattle\"")
expect_contains("${OUT}" "$.rating: expected a number > 5.0, got number 4.5")
expect_contains("${OUT}" "$.count: expected number 2, got number 3")
# A fixture item DynamoDB rejects is a runtime error naming the fixture file, line and item.
emu(3 run --no-color tests/errors/bad_fixture.yaml)
expect_contains("${OUT}" "bad_fixture.yaml:3: tables.MenuItem[1]: ValidationException: One or more parameter values were invalid: Missing the key SK in the item")

# --fail-fast stops after the first failure.
emu(4 run --no-color --fail-fast tests/failing)
expect_contains("${OUT}" "1 scenarios: 0 passed, 1 failed")

# The same run twice gives byte-identical JSON reports, with and without --jobs.
emu(0 run --quiet --no-color scenarios --json ${WORK}/a.json --junit ${WORK}/a.xml)
emu(0 run --quiet --no-color scenarios --json ${WORK}/b.json --jobs 2)
file(READ ${WORK}/a.json a)
file(READ ${WORK}/b.json b)
if(NOT a STREQUAL b)
  message(FATAL_ERROR "two runs gave different JSON reports")
endif()
expect_contains("${a}" "\"format\": \"bellyfed-emu-report/1\"")
file(READ ${WORK}/a.xml x)
expect_contains("${x}" "<testsuites name=\"bellyfed-emu\"")

# A scenario that uses a component not built yet names the issue.
file(WRITE ${WORK}/action.yaml "scenario: action\nsteps:\n  - action: {name: createRestaurant, input: {name: x}}\n")
emu(0 check ${WORK}/action.yaml)

# The import command: in process through the whole flow; bad files and endpoints exit 2 and 3.
emu(0 import fixtures/import/three_restaurants.jsonl --in-process)
expect_contains("${OUT}" "imported 3 of 3 records into FoodEstablishment-dev")
file(WRITE ${WORK}/bad.jsonl "{\"id\": \"r-1\", \"name\": \"No City\", \"cuisineType\": \"Thai\"}\nnot json\n")
emu(2 import ${WORK}/bad.jsonl --in-process)
expect_contains("${ERR}" "bad.jsonl:2: not valid JSON")
file(WRITE ${WORK}/bad.jsonl "{\"id\": \"r-1\", \"name\": \"No City\", \"cuisineType\": \"Thai\"}\n")
emu(4 import ${WORK}/bad.jsonl --in-process)
expect_contains("${OUT}" "imported 0 of 1 records")
expect_contains("${OUT}" "bellyfed-events-dlq-dev")
emu(3 import fixtures/import/three_restaurants.jsonl --endpoint http://127.0.0.1:1)
expect_contains("${ERR}" "cannot reach http://127.0.0.1:1")
emu(0 import --help)
expect_contains("${OUT}" "--in-process")

# Golden traces: write, then compare clean; a changed golden fails with the differing line.
emu(0 run --quiet scenarios/runner --golden ${WORK}/golden --update-golden)
emu(0 run --quiet scenarios/runner --golden ${WORK}/golden)
file(GLOB goldens ${WORK}/golden/*echo.yaml.trace.json)
file(READ ${goldens} g)
expect_contains("${g}" "<id:1>")
string(REPLACE "\"invoke\"" "\"invoked\"" g "${g}")
file(WRITE ${goldens} "${g}")
emu(4 run --no-color scenarios/runner/echo.yaml --golden ${WORK}/golden)
expect_contains("${OUT}" "golden trace differs")

# Filters and shards.
emu(0 run --no-color scenarios --tag smoke)
expect_contains("${OUT}" "6 scenarios: 6 passed")
emu(0 run --no-color scenarios --exclude-tag smoke --filter matcher)
expect_contains("${OUT}" "1 scenarios: 1 passed")
emu(0 run --quiet --shard 1/2 scenarios)
emu(0 run --quiet --shard 2/2 scenarios)

# Usage errors exit 1.
emu(1 run no/such/path)
expect_contains("${ERR}" "no such file or folder: no/such/path")
emu(1 run --jobs zero)
emu(1 run --shard 3/2)
emu(1 run --bogus)
emu(1 run --target http://127.0.0.1:4566)
emu(1 frobnicate)

# Files that do not validate exit 2 with file:line:column and the key path.
file(WRITE ${WORK}/bad.yaml "scenario: bad\nsteps:\n  - advance: soon\n")
emu(2 run ${WORK}/bad.yaml)
expect_contains("${ERR}" "bad.yaml:3:14: steps[0].advance: 'soon' is not a duration")
file(WRITE ${WORK}/later.yaml "scenario: later\nsteps:\n  - fault: {outbox: crash-after-publish, count: 0}\n")
emu(2 check ${WORK}/later.yaml)
expect_contains("${ERR}" "steps[0].fault.count: must be a whole number from 1 to 1000")
emu(3 run scenarios/outbox --postgres postgresql://nobody@127.0.0.1:1/none)
expect_contains("${ERR}" "cannot connect to PostgreSQL")
file(WRITE ${WORK}/http.yaml "scenario: http\nsteps:\n  - http: {path: restaurants}\n")
emu(2 check ${WORK}/http.yaml)
expect_contains("${ERR}" "http.yaml:3:18: steps[0].http.path: must be a stage-relative path such as /restaurants")
file(WRITE ${WORK}/undef.yaml "scenario: undef\nsteps:\n  - invoke: {function: echo, event: {x: \"\${nope}\"}}\n")
emu(2 check ${WORK}/undef.yaml)
expect_contains("${ERR}" "\${nope} is not defined here")
file(WRITE ${WORK}/system.yaml "version: 1\nstages: [dev]\nbuses: [{name: b}]\nrules:\n  - {name: r, bus: nope, pattern: {source: [x]}}\n")
emu(2 check ${WORK}/system.yaml)
expect_contains("${ERR}" "system.yaml:5: rules[0].bus: unknown bus 'nope'")
emu(2 run --system ${WORK}/system.yaml scenarios)

# A runtime error exits 3.
file(WRITE ${WORK}/env.yaml "scenario: env\nsteps:\n  - invoke: {function: echo, event: {x: \"\${env:EMU_TEST_SURELY_UNSET}\"}}\n")
emu(3 run --no-color ${WORK}/env.yaml)
expect_contains("${OUT}" "environment variable EMU_TEST_SURELY_UNSET is not set")

# The system-definition reference (docs/SYSTEM.md) in one file validates, and scenarios run on it.
emu(0 check --system tests/data/system_reference.yaml tests/data/system_reference.yaml)
emu(0 run --quiet --system tests/data/system_reference.yaml scenarios/runner)

# check accepts the shipped scenarios and the built-in system.
emu(0 check scenarios)
expect_contains("${OUT}" "0 invalid")

# Help answers for every command.
emu(0 run --help)
expect_contains("${OUT}" "--junit FILE")
emu(0 check --help)
emu(0 serve --help)
expect_contains("${OUT}" "--max-body BYTES")
emu(0 help)
emu(0 version)

# Hostile YAML: exit 2 with file:line, at once, in bounded memory; nothing of a foreign file read.
file(WRITE ${WORK}/self_alias.yaml "scenario: self\nvars: &v {me: *v}\nsteps:\n  - advance: 1s\n")
emu(2 check ${WORK}/self_alias.yaml)
expect_contains("${ERR}" "self_alias.yaml:2:11: nesting deeper than 64 levels once aliases are followed")
set(bomb "scenario: bomb\nvars:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
foreach(i RANGE 1 9)
  math(EXPR prev "${i} - 1")
  string(APPEND bomb "  a${i}: &a${i} [*a${prev}, *a${prev}, *a${prev}, *a${prev}, *a${prev}, *a${prev}, *a${prev}, *a${prev}, *a${prev}, *a${prev}]\n")
endforeach()
file(WRITE ${WORK}/bomb.yaml "${bomb}steps:\n  - advance: 1s\n")
emu(2 run ${WORK}/bomb.yaml)
expect_contains("${ERR}" "bomb.yaml:3:7: more than 1000000 values once aliases are expanded")
emu(2 run --system /dev/zero scenarios/runner)
expect_contains("${ERR}" "/dev/zero: cannot read file: not a regular file")
execute_process(COMMAND mkfifo ${WORK}/fifo.yaml)
emu(2 check --system ${WORK}/fifo.yaml)
expect_contains("${ERR}" "fifo.yaml: cannot read file: not a regular file")
emu(1 check /dev/zero)
expect_contains("${ERR}" "not a regular file or folder: /dev/zero")
file(WRITE ${WORK}/fixture_abs.yaml "scenario: fx\nfixtures: [/etc/passwd]\nsteps:\n  - advance: 1s\n")
emu(2 check ${WORK}/fixture_abs.yaml)
expect_contains("${ERR}" "fixture file '/etc/passwd' must be a relative path")
file(WRITE ${WORK}/fixture_up.yaml "scenario: fx\nfixtures: [../../../../../../../../etc/passwd]\nsteps:\n  - advance: 1s\n")
emu(2 check ${WORK}/fixture_up.yaml)
expect_contains("${ERR}" "is outside the scenario's folder and the working directory")
emu(2 import --in-process /dev/zero)
expect_contains("${ERR}" "cannot read import file /dev/zero: not a regular file")
