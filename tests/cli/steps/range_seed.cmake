# SPDX-License-Identifier: Apache-2.0
# A seed fixes the addresses that allocate -n picks: the same seed and the
# same state give the same addresses in every run (each run is a new
# process), for ranges and for ports.
foreach(run 1 2 3)
  step(EXIT 0 ARGS range init 10.0.0.0/16 --state s${run} --seed 7)
  step(EXIT 0 ARGS range allocate --state s${run} --seed 7 -n 3 SAVE_STDOUT a${run}
    LINES_MATCH "^10\\.0\\.[0-9]+\\.[0-9]+$")
  step(EXIT 0 ARGS range allocate --state s${run} --seed 8 -n 3 SAVE_STDOUT b${run}
    LINES_MATCH "^10\\.0\\.[0-9]+\\.[0-9]+$")
  step(EXIT 0 ARGS ports init 30000-32767 --state p${run} --seed 7)
  step(EXIT 0 ARGS ports allocate --state p${run} --seed 7 -n 3 SAVE_STDOUT c${run}
    LINES_MATCH "^3[0-9]+$")
endforeach()
foreach(run 2 3)
  same_file(a1 a${run})
  same_file(b1 b${run})
  same_file(c1 c${run})
endforeach()

# And byte for byte: these depend on the library's random source, and
# change only if it does.
step(EXIT 0 ARGS range init 10.0.0.0/16 --state s --seed 7)
step(EXIT 0 ARGS range allocate --state s --seed 7 -n 3 STDOUT range_seed_7.out)
step(EXIT 0 ARGS range allocate --state s --seed 8 -n 3 STDOUT range_seed_8.out)
step(EXIT 0 ARGS ports init 30000-32767 --state p --seed 7)
step(EXIT 0 ARGS ports allocate --state p --seed 7 -n 3 STDOUT ports_seed_7.out)
