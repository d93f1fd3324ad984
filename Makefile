# The benchmark (scripts/bench.sh makes its venv, .venv-bench, on first run). Extra arguments: make bench ARGS="--only one50".
.PHONY: bench bench-quick

# Every scenario, every side (about 25-35 minutes on a 2-core machine); writes docs/benchmarks.md.
bench:
	bash scripts/bench.sh $(ARGS)

# Every scenario at tiny sizes, once: a smoke test of the benchmark, not a measurement (Markdown to benchmarks/results).
bench-quick:
	bash scripts/bench.sh --quick $(ARGS)
