# Shortcuts for ./bootstrap, which does the real work.
.PHONY: demo test bench
demo:
	./bootstrap demo
test:
	./bootstrap test
bench:
	./bootstrap bench
