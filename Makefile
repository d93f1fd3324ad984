# The benchmark (scripts/bench.sh makes its venv, .venv-bench, on first run). Extra arguments: make bench ARGS="--only one50".
.PHONY: bench bench-quick bench-fleet

# Every scenario, every side (about 25-35 minutes on a 2-core machine); writes docs/benchmarks.md.
bench:
	bash scripts/bench.sh $(ARGS)

# Every scenario at tiny sizes, once: a smoke test of the benchmark, not a measurement (Markdown to benchmarks/results).
bench-quick:
	bash scripts/bench.sh --quick $(ARGS)

# The fleet scenarios (1, 20 and 100 hosts x 1, 5 and 10 jobs) with their floor, and the one-host ones they are
# compared with (about 25 minutes); the Markdown goes next to the results JSON.
bench-fleet:
	bash scripts/bench.sh --only one50 hosts1x1 hosts1x5 hosts1x10 hosts20x1 hosts20x5 hosts20x10 hosts100x1 hosts100x5 \
		hosts100x10 queue200 $(ARGS)
